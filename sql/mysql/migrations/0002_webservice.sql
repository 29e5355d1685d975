-- hisms schema, version 2, MySQL / MariaDB: SOAP WebService intake and the push of results
-- to the hospital integration platform (集成平台), with the per-source mode switch.
-- The triggers are row-level (MySQL has no statement triggers); each costs one primary-key
-- lookup in sms_source_mode. With binary logging on, creating them needs SUPER or
-- log_bin_trust_function_creators = 1.

-- The SendBatch a message came in with (NULL for single messages).
ALTER TABLE sms_outbox ADD COLUMN batch_id VARCHAR(32), ADD INDEX ix_sms_outbox_batch (batch_id);

-- How results reach each source system that uses the integration platform:
-- 'platform' = pushed to the platform's SOAP service, 'table' = the source system reads our
-- tables. Only sources listed here get events recorded; `hisms mode set` changes a row.
CREATE TABLE sms_source_mode (
    source_system   VARCHAR(32)  NOT NULL PRIMARY KEY,
    mode            VARCHAR(8)   NOT NULL CHECK (mode IN ('platform', 'table')),
    changed_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    changed_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    reason          VARCHAR(500) NOT NULL DEFAULT '',
    push_failures   INT          NOT NULL DEFAULT 0,  -- consecutive; a successful push resets it
    last_error      VARCHAR(500),
    locked_by       VARCHAR(64),                      -- the instance pushing (one at a time keeps order)
    locked_until    DATETIME(3),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Append-only outbox of results to push: a status change from SUBMITTED on, or an MO reply,
-- recorded by triggers in the very transaction that makes the change, so none is lost.
-- Pushed in id order per source system; pushed_at marks what the platform has.
CREATE TABLE sms_event (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_system   VARCHAR(32)  NOT NULL,
    kind            VARCHAR(8)   NOT NULL CHECK (kind IN ('STATUS', 'MO')),
    outbox_id       BIGINT,
    inbox_id        BIGINT,
    source_ref      VARCHAR(64),
    status          SMALLINT,
    report_stat     VARCHAR(16),
    error_code      VARCHAR(32),
    error_text      VARCHAR(500),
    phone           VARCHAR(32),
    content         TEXT,                            -- MO text
    service_number  VARCHAR(32),
    event_at        DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    pushed_at       DATETIME(3),
    pushed_by       VARCHAR(64),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    INDEX ix_sms_event_unpushed (source_system, pushed_at, id),
    INDEX ix_sms_event_outbox (outbox_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TRIGGER trg_sms_outbox_event AFTER UPDATE ON sms_outbox FOR EACH ROW
INSERT INTO sms_event (source_system, kind, outbox_id, source_ref, status, report_stat,
                       error_code, error_text, phone)
SELECT NEW.source_system, 'STATUS', NEW.id, NEW.source_ref, NEW.status, NEW.report_stat,
       NEW.error_code, NEW.error_text, NEW.phone
FROM sms_source_mode m
WHERE m.source_system = NEW.source_system AND NEW.status <> OLD.status AND NEW.status >= 2;

CREATE TRIGGER trg_sms_inbox_event AFTER INSERT ON sms_inbox FOR EACH ROW
INSERT INTO sms_event (source_system, kind, inbox_id, outbox_id, source_ref, phone, content,
                       service_number, event_at)
SELECT NEW.source_system, 'MO', NEW.id, NEW.outbox_id,
       (SELECT o.source_ref FROM sms_outbox o WHERE o.id = NEW.outbox_id),
       NEW.phone, NEW.content, NEW.service_number, NEW.received_at
FROM sms_source_mode m
WHERE m.source_system = NEW.source_system;
