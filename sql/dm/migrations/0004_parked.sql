-- Dameng DM8 (Oracle-compatible mode, UTF-8 database with LENGTH_IN_CHAR = 1): sql/oracle/migrations/0004_parked.sql
-- with DM's IDENTITY(1, 1) columns, VARCHAR (characters) instead of NVARCHAR2 and CLOB for NCLOB.
-- hisms schema, version 4: delivery reports and replies (MO) the database refused.

-- A report or reply whose row the database refused (a value too long for its column, text
-- it cannot encode): the engine stores the others of its batch, answers the gateway for
-- every one, and keeps this one here with the reason, for a DBA to read. It is never tried
-- again; deleted after engine.parked_days (30).
CREATE TABLE sms_parked (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    kind            VARCHAR2(8)   NOT NULL CHECK (kind IN ('REPORT', 'MO')),
    channel         VARCHAR2(32)  NOT NULL,
    event_json      CLOB          NOT NULL,  -- the event as JSON; NUL and lone surrogates as \u escapes
    error_text      VARCHAR(500)  NOT NULL,  -- what the database said
    received_at     TIMESTAMP(3)  NOT NULL,  -- when the engine received the event (UTC)
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_parked_received ON sms_parked (received_at);
