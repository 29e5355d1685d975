-- Dameng DM8 (Oracle-compatible mode, UTF-8 database with LENGTH_IN_CHAR = 1): sql/oracle/migrations/0003_accounts_and_times.sql
-- with VARCHAR (characters) instead of VARCHAR2/NVARCHAR2, and days by the stored offset.
-- hisms schema, version 3, DM8: when reports arrived, the hospital's day, and source
-- accounts limited to their own source systems. An account is its session user
-- (SYS_CONTEXT('USERENV', 'SESSION_USER'), upper case as DM keeps names). DM's days
-- use the zone's offset written by the engine (no zone names needed on the server).

-- When the engine received a part's delivery report. report_at is the carrier's time, which
-- CMPP, SGIP and SMGP give to the minute: latencies are measured to this one instead.
ALTER TABLE sms_segment ADD (report_received_at TIMESTAMP(3));
-- The message's: when the report that completed it arrived (the last of its parts).
ALTER TABLE sms_outbox ADD (report_received_at TIMESTAMP(3));

-- Settings the engine writes from its configuration when it starts, for the views:
-- timezone (the hospital's, where its days begin) and utc_offset_minutes (that zone's
-- offset when the engine started).
CREATE TABLE sms_setting (
    name        VARCHAR(32)  PRIMARY KEY,
    value       VARCHAR(64)  NOT NULL,
    created_at  TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by  VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at  TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by  VARCHAR(64)  DEFAULT USER NOT NULL
);
INSERT INTO sms_setting (name, value) VALUES ('timezone', 'Asia/Shanghai');
INSERT INTO sms_setting (name, value) VALUES ('utc_offset_minutes', '480');

-- Which database account inserts for, and reads, which source system (a DBA's table:
-- DATABASES.md). An account listed here may insert rows only for its source systems and
-- sees only theirs in v_my_sms_result and v_my_sms_inbox; the engine is not listed.
CREATE TABLE sms_source_account (
    db_user         VARCHAR(128) NOT NULL,
    source_system   VARCHAR(32)  NOT NULL,
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    PRIMARY KEY (db_user, source_system)
);

CREATE OR REPLACE TRIGGER trg_sms_outbox_source BEFORE INSERT ON sms_outbox
FOR EACH ROW
DECLARE
    -- Rows of a listed account must belong to its source systems (one lookup per row).
    listed NUMBER;
    own    NUMBER;
BEGIN
    SELECT COUNT(*), COUNT(CASE WHEN source_system = :NEW.source_system THEN 1 END)
    INTO listed, own
    FROM sms_source_account WHERE db_user = SYS_CONTEXT('USERENV', 'SESSION_USER');
    IF listed > 0 AND own = 0 THEN
        RAISE_APPLICATION_ERROR(-20001,
            'this account inserts only for its source systems (sms_source_account)');
    END IF;
END;
/

-- Latencies in milliseconds to when the report reached the engine (report_received_at;
-- report_at for rows reported before version 3).
CREATE OR REPLACE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       ROUND((CAST(o.submitted_at AS DATE) - CAST(COALESCE(o.send_at, o.created_at) AS DATE))
             * 86400000) AS submit_latency_ms,
       ROUND((CAST(COALESCE(o.report_received_at, o.report_at) AS DATE)
              - CAST(COALESCE(o.send_at, o.created_at) AS DATE)) * 86400000)
           AS delivery_latency_ms,
       o.report_received_at
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Days in the hospital's time zone (sms_setting), whatever the session's.
CREATE OR REPLACE VIEW v_sms_stats_daily AS
SELECT TRUNC(o.created_at + NUMTODSINTERVAL(z.minutes, 'MINUTE')) AS day,
       o.account, o.dept_code, o.source_system, o.channel,
       COUNT(*)                                            AS messages,
       COUNT(o.submitted_at)                               AS submitted,
       SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)       AS delivered,
       SUM(CASE WHEN o.status = 4 THEN 1 ELSE 0 END)       AS failed,
       SUM(CASE WHEN o.status = 6 THEN 1 ELSE 0 END)       AS rejected,
       SUM(CASE WHEN o.status = 5 THEN 1 ELSE 0 END)       AS expired,
       COALESCE(SUM(o.segments), 0)                        AS segments,
       ROUND(100 * SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)
             / NULLIF(COUNT(o.submitted_at), 0), 2)        AS success_rate
FROM sms_outbox o
CROSS JOIN (SELECT TO_NUMBER(value) AS minutes FROM sms_setting WHERE name = 'utc_offset_minutes') z
GROUP BY TRUNC(o.created_at + NUMTODSINTERVAL(z.minutes, 'MINUTE')),
         o.account, o.dept_code, o.source_system, o.channel;

-- What a source account reads: its own systems' messages and replies.
CREATE VIEW v_my_sms_result AS
SELECT r.* FROM v_sms_result r
WHERE r.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = SYS_CONTEXT('USERENV', 'SESSION_USER'));

CREATE VIEW v_my_sms_inbox AS
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.created_at
FROM sms_inbox i
WHERE i.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = SYS_CONTEXT('USERENV', 'SESSION_USER'));
