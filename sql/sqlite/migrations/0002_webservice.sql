-- hisms schema, version 2: SOAP WebService intake and the push of results to the
-- hospital integration platform (集成平台), with the per-source mode switch.

-- The SendBatch a message came in with (NULL for single messages).
ALTER TABLE sms_outbox ADD COLUMN batch_id TEXT;
CREATE INDEX ix_sms_outbox_batch ON sms_outbox (batch_id) WHERE batch_id IS NOT NULL;

-- How results reach each source system that uses the integration platform:
-- 'platform' = pushed to the platform's SOAP service, 'table' = the source system reads our
-- tables. Only sources listed here get events recorded; `hisms mode set` changes a row.
CREATE TABLE sms_source_mode (
    source_system   TEXT    PRIMARY KEY,
    mode            TEXT    NOT NULL CHECK (mode IN ('platform', 'table')),
    changed_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    changed_by      TEXT    NOT NULL DEFAULT 'hisms',
    reason          TEXT    NOT NULL DEFAULT '',
    push_failures   INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    locked_by       TEXT,
    locked_until    TEXT,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT    NOT NULL DEFAULT 'hisms',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT    NOT NULL DEFAULT 'hisms'
);

-- Append-only outbox of results to push, recorded by triggers in the changing transaction.
CREATE TABLE sms_event (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_system   TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('STATUS', 'MO')),
    outbox_id       INTEGER,
    inbox_id        INTEGER,
    source_ref      TEXT,
    status          INTEGER,
    report_stat     TEXT,
    error_code      TEXT,
    error_text      TEXT,
    phone           TEXT,
    content         TEXT,
    service_number  TEXT,
    event_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    pushed_at       TEXT,
    pushed_by       TEXT,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT    NOT NULL DEFAULT 'hisms',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT    NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_event_unpushed ON sms_event (source_system, id) WHERE pushed_at IS NULL;
CREATE INDEX ix_sms_event_outbox ON sms_event (outbox_id);

CREATE TRIGGER trg_sms_outbox_event AFTER UPDATE OF status ON sms_outbox
WHEN NEW.status <> OLD.status AND NEW.status >= 2
 AND EXISTS (SELECT 1 FROM sms_source_mode m WHERE m.source_system = NEW.source_system)
BEGIN
    INSERT INTO sms_event (source_system, kind, outbox_id, source_ref, status, report_stat,
                           error_code, error_text, phone)
    VALUES (NEW.source_system, 'STATUS', NEW.id, NEW.source_ref, NEW.status, NEW.report_stat,
            NEW.error_code, NEW.error_text, NEW.phone);
END;

CREATE TRIGGER trg_sms_inbox_event AFTER INSERT ON sms_inbox
WHEN EXISTS (SELECT 1 FROM sms_source_mode m WHERE m.source_system = NEW.source_system)
BEGIN
    INSERT INTO sms_event (source_system, kind, inbox_id, outbox_id, source_ref, phone, content,
                           service_number, event_at)
    VALUES (NEW.source_system, 'MO', NEW.id, NEW.outbox_id,
            (SELECT source_ref FROM sms_outbox WHERE id = NEW.outbox_id), NEW.phone, NEW.content,
            NEW.service_number, NEW.received_at);
END;
