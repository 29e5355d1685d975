-- hisms schema, version 3, SQL Server: when reports arrived, the hospital's day, and source
-- accounts limited to their own source systems. An account is its database user (USER_NAME()).
-- SQL Server grants INSERT per table, not per column: the insert trigger refuses a listed
-- account's rows that set the engine's columns.

-- When the engine received a part's delivery report. report_at is the carrier's time, which
-- CMPP, SGIP and SMGP give to the minute: latencies are measured to this one instead.
ALTER TABLE sms_segment ADD report_received_at DATETIME2(3);
-- The message's: when the report that completed it arrived (the last of its parts).
ALTER TABLE sms_outbox ADD report_received_at DATETIME2(3);

-- Settings the engine writes from its configuration when it starts, for the views:
-- timezone (the hospital's) and utc_offset_minutes (its offset when the engine started: SQL
-- Server's AT TIME ZONE knows Windows zone names only, so days begin at UTC + that offset).
CREATE TABLE sms_setting (
    name        NVARCHAR(32)  NOT NULL PRIMARY KEY,
    value       NVARCHAR(64)  NOT NULL,
    created_at  DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by  NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at  DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by  NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
INSERT INTO sms_setting (name, value) VALUES ('timezone', 'Asia/Shanghai'), ('utc_offset_minutes', '480');

-- Which database account inserts for, and reads, which source system (a DBA's table:
-- DATABASES.md). An account listed here may insert rows only for its source systems and
-- sees only theirs in v_my_sms_result and v_my_sms_inbox; the engine is not listed.
CREATE TABLE sms_source_account (
    db_user         NVARCHAR(128) NOT NULL,
    source_system   NVARCHAR(32)  NOT NULL,
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    PRIMARY KEY (db_user, source_system)
);
GO

-- Rows of a listed account must belong to its source systems and leave the engine's columns
-- at their defaults (statement-level: one check per INSERT).
CREATE TRIGGER trg_sms_outbox_source ON sms_outbox AFTER INSERT AS
BEGIN
    SET NOCOUNT ON;
    IF EXISTS (SELECT 1 FROM sms_source_account WHERE db_user = USER_NAME())
       AND EXISTS (SELECT 1 FROM inserted n
                   WHERE NOT EXISTS (SELECT 1 FROM sms_source_account a
                                     WHERE a.db_user = USER_NAME()
                                       AND a.source_system = n.source_system)
                      OR n.status <> 0 OR n.attempts <> 0 OR n.next_attempt_at IS NOT NULL
                      OR n.locked_by IS NOT NULL OR n.locked_until IS NOT NULL
                      OR n.channel IS NOT NULL OR n.segments IS NOT NULL
                      OR n.carrier_msg_id IS NOT NULL OR n.submitted_at IS NOT NULL
                      OR n.report_stat IS NOT NULL OR n.report_at IS NOT NULL
                      OR n.report_received_at IS NOT NULL OR n.error_code IS NOT NULL
                      OR n.error_text IS NOT NULL OR n.batch_id IS NOT NULL
                      OR n.created_by <> SUSER_SNAME() OR n.updated_by <> SUSER_SNAME())
        THROW 50001, 'this account inserts only its own columns, for its source systems (sms_source_account)', 1;
END;
GO

-- Latencies in milliseconds to when the report reached the engine (report_received_at;
-- report_at for rows reported before version 3).
CREATE OR ALTER VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       DATEDIFF_BIG(millisecond, COALESCE(o.send_at, o.created_at), o.submitted_at)
           AS submit_latency_ms,
       DATEDIFF_BIG(millisecond, COALESCE(o.send_at, o.created_at),
                    COALESCE(o.report_received_at, o.report_at))
           AS delivery_latency_ms,
       o.report_received_at
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;
GO

-- Days in the hospital's time zone (sms_setting), whatever the server's.
CREATE OR ALTER VIEW v_sms_stats_daily AS
SELECT CAST(DATEADD(minute, z.minutes, o.created_at) AS date) AS day,
       o.account, o.dept_code, o.source_system, o.channel,
       COUNT(*)                                         AS messages,
       COUNT(o.submitted_at)                            AS submitted,
       SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)    AS delivered,
       SUM(CASE WHEN o.status = 4 THEN 1 ELSE 0 END)    AS failed,
       SUM(CASE WHEN o.status = 6 THEN 1 ELSE 0 END)    AS rejected,
       SUM(CASE WHEN o.status = 5 THEN 1 ELSE 0 END)    AS expired,
       COALESCE(SUM(CAST(o.segments AS int)), 0)        AS segments,
       ROUND(100.0 * SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)
             / NULLIF(COUNT(o.submitted_at), 0), 2)     AS success_rate
FROM sms_outbox o
CROSS JOIN (SELECT CAST(value AS int) AS minutes FROM sms_setting
            WHERE name = 'utc_offset_minutes') z
GROUP BY CAST(DATEADD(minute, z.minutes, o.created_at) AS date),
         o.account, o.dept_code, o.source_system, o.channel;
GO

-- What a source account reads: its own systems' messages and replies.
CREATE VIEW v_my_sms_result AS
SELECT r.* FROM v_sms_result r
WHERE r.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = USER_NAME());
GO

CREATE VIEW v_my_sms_inbox AS
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.created_at
FROM sms_inbox i
WHERE i.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = USER_NAME());
GO
