-- hisms schema, version 4, SQL Server: delivery reports and replies (MO) the database refused.

-- A report or reply whose row the database refused (a value too long for its column, text
-- it cannot encode): the engine stores the others of its batch, answers the gateway for
-- every one, and keeps this one here with the reason, for a DBA to read. It is never tried
-- again; deleted after engine.parked_days (30).
CREATE TABLE sms_parked (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    kind            NVARCHAR(8)   NOT NULL CHECK (kind IN ('REPORT', 'MO')),
    channel         NVARCHAR(32)  NOT NULL,
    event_json      NVARCHAR(MAX) NOT NULL,  -- the event as JSON; NUL and lone surrogates as \u escapes
    error_text      NVARCHAR(500) NOT NULL,  -- what the database said
    received_at     DATETIME2(3)  NOT NULL,  -- when the engine received the event (UTC)
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
CREATE INDEX ix_sms_parked_received ON sms_parked (received_at);
