-- hisms schema, version 3, MySQL / MariaDB: when reports arrived, the hospital's day, and
-- source accounts limited to their own source systems. Columns hold UTC, as before.
-- An account is its user name without the host: SUBSTRING_INDEX(USER(), '@', 1) is the
-- client's account in a view or trigger (CURRENT_USER() would be their definer's).

-- When the engine received a part's delivery report. report_at is the carrier's time, which
-- CMPP, SGIP and SMGP give to the minute: latencies are measured to this one instead.
ALTER TABLE sms_segment ADD COLUMN report_received_at DATETIME(3);
-- The message's: when the report that completed it arrived (the last of its parts).
ALTER TABLE sms_outbox ADD COLUMN report_received_at DATETIME(3);

-- Settings the engine writes from its configuration when it starts, for the views:
-- timezone (the hospital's, where its days begin) and utc_offset_minutes (that zone's
-- offset when the engine started: CONVERT_TZ knows zone names only when the server's time
-- zone tables are loaded, mysql_tzinfo_to_sql; without them the offset is used).
CREATE TABLE sms_setting (
    name        VARCHAR(32)  NOT NULL PRIMARY KEY,
    value       VARCHAR(64)  NOT NULL,
    created_at  DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by  VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at  DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by  VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO sms_setting (name, value) VALUES ('timezone', 'Asia/Shanghai'), ('utc_offset_minutes', '480');

-- Which database account inserts for, and reads, which source system (a DBA's table:
-- DATABASES.md). An account listed here may insert rows only for its source systems and
-- sees only theirs in v_my_sms_result and v_my_sms_inbox; the engine is not listed.
CREATE TABLE sms_source_account (
    db_user         VARCHAR(64)  NOT NULL,
    source_system   VARCHAR(32)  NOT NULL,
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    PRIMARY KEY (db_user, source_system)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Rows of a listed account must belong to its source systems (two primary-key lookups per row).
CREATE TRIGGER trg_sms_outbox_source BEFORE INSERT ON sms_outbox FOR EACH ROW
IF EXISTS (SELECT 1 FROM sms_source_account WHERE db_user = SUBSTRING_INDEX(USER(), '@', 1))
   AND NOT EXISTS (SELECT 1 FROM sms_source_account
                   WHERE db_user = SUBSTRING_INDEX(USER(), '@', 1)
                     AND source_system = NEW.source_system)
THEN SIGNAL SQLSTATE '42000' SET MESSAGE_TEXT = 'denied: this account inserts only for its source systems (sms_source_account)'; END IF;

-- Latencies in milliseconds to when the report reached the engine (report_received_at;
-- report_at for rows reported before version 3).
CREATE OR REPLACE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       ROUND(TIMESTAMPDIFF(MICROSECOND, COALESCE(o.send_at, o.created_at), o.submitted_at) / 1000)
           AS submit_latency_ms,
       ROUND(TIMESTAMPDIFF(MICROSECOND, COALESCE(o.send_at, o.created_at),
                           COALESCE(o.report_received_at, o.report_at)) / 1000)
           AS delivery_latency_ms,
       o.report_received_at
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Days in the hospital's time zone (sms_setting), whatever the session's.
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
       ROUND(100.0 * SUM(o.status = 3) / NULLIF(COUNT(o.submitted_at), 0), 2) AS success_rate
FROM sms_outbox o
CROSS JOIN (SELECT MAX(CASE WHEN name = 'timezone' THEN value END) AS zone,
                   CAST(MAX(CASE WHEN name = 'utc_offset_minutes' THEN value END) AS SIGNED)
                       AS minutes
            FROM sms_setting) z
GROUP BY day, o.account, o.dept_code, o.source_system, o.channel;

-- What a source account reads: its own systems' messages and replies.
CREATE VIEW v_my_sms_result AS
SELECT r.* FROM v_sms_result r
WHERE r.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = SUBSTRING_INDEX(USER(), '@', 1));

CREATE VIEW v_my_sms_inbox AS
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.created_at
FROM sms_inbox i
WHERE i.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = SUBSTRING_INDEX(USER(), '@', 1));
