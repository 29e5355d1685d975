-- hisms schema, version 3: when reports arrived and the hospital's day. (SQLite has no
-- accounts: the source accounts of the other dialects have no counterpart here.)

-- When the engine received a part's delivery report. report_at is the carrier's time, which
-- CMPP, SGIP and SMGP give to the minute: latencies are measured to this one instead.
ALTER TABLE sms_segment ADD COLUMN report_received_at TEXT;
-- The message's: when the report that completed it arrived (the last of its parts).
ALTER TABLE sms_outbox ADD COLUMN report_received_at TEXT;

-- Settings the engine writes from its configuration when it starts, for the views:
-- timezone (the hospital's) and utc_offset_minutes (its offset when the engine started;
-- SQLite has no zone database, so its days begin at UTC + that offset).
CREATE TABLE sms_setting (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by  TEXT NOT NULL DEFAULT 'hisms',
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by  TEXT NOT NULL DEFAULT 'hisms'
);
INSERT INTO sms_setting (name, value) VALUES ('timezone', 'Asia/Shanghai'), ('utc_offset_minutes', '480');

-- Latencies in milliseconds to when the report reached the engine (report_received_at;
-- report_at for rows reported before version 3).
DROP VIEW v_sms_result;
CREATE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       CAST(round((julianday(o.submitted_at) - julianday(coalesce(o.send_at, o.created_at)))
                  * 86400000) AS INTEGER) AS submit_latency_ms,
       CAST(round((julianday(coalesce(o.report_received_at, o.report_at))
                   - julianday(coalesce(o.send_at, o.created_at))) * 86400000) AS INTEGER)
           AS delivery_latency_ms,
       o.report_received_at
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Days in the hospital's time zone (sms_setting).
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
       round(100.0 * sum(o.status = 3) / nullif(count(o.submitted_at), 0), 2) AS success_rate
FROM sms_outbox o CROSS JOIN (SELECT value FROM sms_setting WHERE name = 'utc_offset_minutes') z
GROUP BY 1, 2, 3, 4, 5;
