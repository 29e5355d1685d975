-- hisms schema, version 4: delivery reports and replies (MO) the database refused.
-- SQLite stores any text, so it refuses none today; the table keeps the schema the same as
-- the other dialects' (and takes what a constraint added later would refuse).

-- A report or reply whose row the database refused: the engine stores the others of its
-- batch, answers the gateway for every one, and keeps this one here with the reason, for a
-- DBA to read. It is never tried again; deleted after engine.parked_days (30).
CREATE TABLE sms_parked (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('REPORT', 'MO')),
    channel         TEXT NOT NULL,
    event_json      TEXT NOT NULL,  -- the event as JSON; NUL and lone surrogates as \u escapes
    error_text      TEXT NOT NULL,  -- what the database said
    received_at     TEXT NOT NULL,  -- when the engine received the event
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_parked_received ON sms_parked (received_at);
