-- hisms schema, version 6: resends after failed delivery reports, status 8 UNKNOWN (no
-- report within engine.report_timeout_hours), and a channel's connections and rate shared
-- by the engines of one database.

-- SQLite cannot alter a CHECK constraint: the table's stored DDL is rewritten to allow 8, as
-- https://sqlite.org/lang_altertable.html#otheralter describes for constraint changes that
-- leave the stored rows valid. RESET reloads the schema; the CREATE TABLEs below bump the
-- schema cookie for other connections.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status BETWEEN 0 AND 7)', 'CHECK (status BETWEEN 0 AND 8)')
WHERE type = 'table' AND name = 'sms_outbox';
PRAGMA writable_schema = RESET;
INSERT INTO sms_status VALUES
    (8, 'UNKNOWN', 1, 'SUBMITTED -> no delivery report within engine.report_timeout_hours');

-- How many times a failed delivery report sent the message again ([resend] policy), and the
-- channel whose report failed the last time: routing prefers another channel of its group.
ALTER TABLE sms_outbox ADD COLUMN report_resends INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_outbox ADD COLUMN resend_from TEXT;
-- The report timeout looks for old SUBMITTED rows.
CREATE INDEX ix_sms_outbox_submitted ON sms_outbox (submitted_at) WHERE status = 2;

DROP VIEW v_sms_stats_daily;
CREATE VIEW v_sms_stats_daily AS
SELECT date(o.created_at, z.value || ' minutes') AS day, o.account, o.dept_code,
       o.source_system, o.channel,
       count(*)                                       AS messages,
       count(o.submitted_at)                          AS submitted,
       sum(o.status = 3)                              AS delivered,
       sum(o.status = 4)                              AS failed,
       sum(o.status = 6)                              AS rejected,
       sum(o.status = 5)                              AS expired,
       coalesce(sum(o.segments), 0)                   AS segments,
       round(100.0 * sum(o.status = 3) / nullif(count(o.submitted_at), 0), 2) AS success_rate,
       sum(o.status = 8)                              AS unknown
FROM sms_outbox o CROSS JOIN (SELECT value FROM sms_setting WHERE name = 'utc_offset_minutes') z
GROUP BY 1, 2, 3, 4, 5;

-- Each engine serving a channel, renewed by its heartbeat until expires_at: the channel's
-- connections and rate are shared among the live ones. slots and rate are what it holds now.
CREATE TABLE sms_channel_member (
    channel         TEXT NOT NULL,
    worker          TEXT NOT NULL,
    slots           INTEGER NOT NULL DEFAULT 0,  -- connection slots it holds
    rate            REAL,                        -- its submits per second (NULL: no limit)
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT NOT NULL DEFAULT 'hisms',
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT NOT NULL DEFAULT 'hisms',
    PRIMARY KEY (channel, worker)
);

-- One row per connection a channel may open (0 .. connections-1): an engine logs in a link
-- only while it holds a slot, and gives the slot up only once that link is closed.
CREATE TABLE sms_channel_slot (
    channel         TEXT NOT NULL,
    slot            INTEGER NOT NULL,
    worker          TEXT,                        -- the holder; NULL when free
    expires_at      TEXT,                        -- a holder that stops renewing loses it
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT NOT NULL DEFAULT 'hisms',
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT NOT NULL DEFAULT 'hisms',
    PRIMARY KEY (channel, slot)
);
