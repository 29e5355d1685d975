-- Dameng DM8 (Oracle-compatible mode, UTF-8 database with LENGTH_IN_CHAR = 1): sql/oracle/migrations/0002_webservice.sql
-- with DM's IDENTITY(1, 1) columns and VARCHAR (characters) instead of NVARCHAR2.
-- hisms schema, version 2, Oracle: SOAP WebService intake and the push of results to the
-- integration platform (集成平台). MODE is an Oracle reserved word: the column is mode_name
-- (source_modes answers it as "mode"). Row triggers: Oracle's statement triggers cannot see
-- the changed rows; each costs one primary-key lookup in sms_source_mode.

ALTER TABLE sms_outbox ADD (batch_id VARCHAR2(32));
CREATE INDEX ix_sms_outbox_batch ON sms_outbox (batch_id);

CREATE TABLE sms_source_mode (
    source_system   VARCHAR2(32)  PRIMARY KEY,
    mode_name       VARCHAR2(8)   NOT NULL CHECK (mode_name IN ('platform', 'table')),
    changed_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    changed_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    reason          VARCHAR(500) DEFAULT ' ' NOT NULL,  -- Oracle stores '' as NULL
    push_failures   NUMBER(10)    DEFAULT 0 NOT NULL,
    last_error      VARCHAR(500),
    locked_by       VARCHAR2(64),
    locked_until    TIMESTAMP(3),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL
);

CREATE TABLE sms_event (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    source_system   VARCHAR2(32)  NOT NULL,
    kind            VARCHAR2(8)   NOT NULL CHECK (kind IN ('STATUS', 'MO')),
    outbox_id       NUMBER(19),
    inbox_id        NUMBER(19),
    source_ref      VARCHAR2(64),
    status          NUMBER(1),
    report_stat     VARCHAR2(16),
    error_code      VARCHAR2(32),
    error_text      VARCHAR(500),
    phone           VARCHAR2(32),
    content         VARCHAR(2000),
    service_number  VARCHAR2(32),
    event_at        TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    pushed_at       TIMESTAMP(3),
    pushed_by       VARCHAR2(64),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_event_unpushed ON sms_event (source_system, pushed_at, id);
CREATE INDEX ix_sms_event_outbox ON sms_event (outbox_id);

CREATE OR REPLACE TRIGGER trg_sms_outbox_event AFTER UPDATE OF status ON sms_outbox
FOR EACH ROW WHEN (NEW.status <> OLD.status AND NEW.status >= 2)
BEGIN
    INSERT INTO sms_event (source_system, kind, outbox_id, source_ref, status, report_stat,
                           error_code, error_text, phone)
    SELECT :NEW.source_system, 'STATUS', :NEW.id, :NEW.source_ref, :NEW.status, :NEW.report_stat,
           :NEW.error_code, :NEW.error_text, :NEW.phone
    FROM sms_source_mode m WHERE m.source_system = :NEW.source_system;
END;
/

CREATE OR REPLACE TRIGGER trg_sms_inbox_event AFTER INSERT ON sms_inbox
FOR EACH ROW
BEGIN
    INSERT INTO sms_event (source_system, kind, inbox_id, outbox_id, source_ref, phone, content,
                           service_number, event_at)
    SELECT :NEW.source_system, 'MO', :NEW.id, :NEW.outbox_id,
           (SELECT o.source_ref FROM sms_outbox o WHERE o.id = :NEW.outbox_id),
           :NEW.phone, :NEW.content, :NEW.service_number, :NEW.received_at
    FROM sms_source_mode m WHERE m.source_system = :NEW.source_system;
END;
/
