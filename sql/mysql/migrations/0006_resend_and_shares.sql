-- hisms schema, version 6, MySQL / MariaDB: resends after failed delivery reports, status 8
-- UNKNOWN (no report within engine.report_timeout_hours), and a channel's connections and
-- rate shared by the engines of one database.

-- The CHECK on sms_outbox.status allows 8. MariaDB keeps a column's CHECK with the column:
-- redefining the column replaces it. MySQL 8 adds the new one beside the old one
-- (sms_outbox_chk_N), which is then found by its clause and dropped.
ALTER TABLE sms_outbox MODIFY status SMALLINT NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 8);
SET @hisms_ddl = 'DO 0';
SELECT CONCAT('ALTER TABLE sms_outbox DROP CONSTRAINT `', c.CONSTRAINT_NAME, '`')
INTO @hisms_ddl
FROM information_schema.TABLE_CONSTRAINTS c
JOIN information_schema.CHECK_CONSTRAINTS k
  ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME
WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = 'sms_outbox'
  AND c.CONSTRAINT_TYPE = 'CHECK' AND k.CHECK_CLAUSE LIKE '%between 0 and 7%'
LIMIT 1;
PREPARE hisms_drop FROM @hisms_ddl;
EXECUTE hisms_drop;
DEALLOCATE PREPARE hisms_drop;
INSERT INTO sms_status VALUES
    (8, 'UNKNOWN', TRUE, 'SUBMITTED -> no delivery report within engine.report_timeout_hours');

-- How many times a failed delivery report sent the message again ([resend] policy), and the
-- channel whose report failed the last time: routing prefers another channel of its group.
-- The report timeout looks for old SUBMITTED rows (ix_sms_outbox_submitted).
ALTER TABLE sms_outbox ADD COLUMN report_resends SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE sms_outbox ADD COLUMN resend_from VARCHAR(32);
CREATE INDEX ix_sms_outbox_submitted ON sms_outbox (status, submitted_at);

CREATE OR REPLACE VIEW v_sms_stats_daily AS
SELECT DATE(COALESCE(CONVERT_TZ(o.created_at, '+00:00', z.zone),
                     o.created_at + INTERVAL z.minutes MINUTE)) AS day,
       o.account, o.dept_code, o.source_system, o.channel,
       COUNT(*)                           AS messages,
       COUNT(o.submitted_at)              AS submitted,
       SUM(o.status = 3)                  AS delivered,
       SUM(o.status = 4)                  AS failed,
       SUM(o.status = 6)                  AS rejected,
       SUM(o.status = 5)                  AS expired,
       COALESCE(SUM(o.segments), 0)       AS segments,
       ROUND(100.0 * SUM(o.status = 3) / NULLIF(COUNT(o.submitted_at), 0), 2) AS success_rate,
       SUM(o.status = 8)                  AS unknown
FROM sms_outbox o
CROSS JOIN (SELECT MAX(CASE WHEN name = 'timezone' THEN value END) AS zone,
                   CAST(MAX(CASE WHEN name = 'utc_offset_minutes' THEN value END) AS SIGNED)
                       AS minutes
            FROM sms_setting) z
GROUP BY day, o.account, o.dept_code, o.source_system, o.channel;

-- Each engine serving a channel, renewed by its heartbeat until expires_at: the channel's
-- connections and rate are shared among the live ones. slots and rate are what it holds now.
CREATE TABLE sms_channel_member (
    channel         VARCHAR(32)  NOT NULL,
    worker          VARCHAR(64)  NOT NULL,
    slots           SMALLINT     NOT NULL DEFAULT 0,  -- connection slots it holds
    rate            DOUBLE,                           -- its submits per second (NULL: no limit)
    expires_at      DATETIME(3)  NOT NULL,
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    PRIMARY KEY (channel, worker)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per connection a channel may open (0 .. connections-1): an engine logs in a link
-- only while it holds a slot, and gives the slot up only once that link is closed.
CREATE TABLE sms_channel_slot (
    channel         VARCHAR(32)  NOT NULL,
    slot            SMALLINT     NOT NULL,
    worker          VARCHAR(64),                      -- the holder; NULL when free
    expires_at      DATETIME(3),                      -- a holder that stops renewing loses it
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    PRIMARY KEY (channel, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
