-- hisms schema, version 4, MySQL / MariaDB: delivery reports and replies (MO) the database
-- refused.

-- A report or reply whose row the database refused (text it cannot encode, a value it will
-- not take): the engine stores the others of its batch, answers the gateway for every one,
-- and keeps this one here with the reason, for a DBA to read. It is never tried again;
-- deleted after engine.parked_days (30).
CREATE TABLE sms_parked (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            VARCHAR(8)   NOT NULL CHECK (kind IN ('REPORT', 'MO')),
    channel         VARCHAR(32)  NOT NULL,
    event_json      MEDIUMTEXT   NOT NULL,  -- the event as JSON; NUL and lone surrogates as \u escapes
    error_text      VARCHAR(500) NOT NULL,  -- what the database said
    received_at     DATETIME(3)  NOT NULL,  -- when the engine received the event (UTC)
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    INDEX ix_sms_parked_received (received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
