-- hisms schema, version 3: when reports arrived, the hospital's day, and source accounts
-- limited to their own source systems.

-- When the engine received a part's delivery report. report_at is the carrier's time, which
-- CMPP, SGIP and SMGP give to the minute: latencies are measured to this one instead.
ALTER TABLE sms_segment ADD COLUMN report_received_at timestamptz;
-- The message's: when the report that completed it arrived (the last of its parts).
ALTER TABLE sms_outbox ADD COLUMN report_received_at timestamptz;

-- Settings the engine writes from its configuration when it starts, for the views:
-- timezone (the hospital's, where its days begin) and utc_offset_minutes (that zone's
-- offset when the engine started, for databases without a zone database).
CREATE TABLE sms_setting (
    name        varchar(32)  PRIMARY KEY,
    value       varchar(64)  NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    created_by  varchar(64)  NOT NULL DEFAULT current_user,
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    updated_by  varchar(64)  NOT NULL DEFAULT current_user
);
INSERT INTO sms_setting (name, value) VALUES ('timezone', 'Asia/Shanghai'), ('utc_offset_minutes', '480');

-- Which database account inserts for, and reads, which source system (a DBA's table:
-- DATABASES.md). An account listed here may insert rows only for its source systems and
-- sees only theirs in v_my_sms_result and v_my_sms_inbox; the engine is not listed.
CREATE TABLE sms_source_account (
    db_user         varchar(64)  NOT NULL,
    source_system   varchar(32)  NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    created_by      varchar(64)  NOT NULL DEFAULT current_user,
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    updated_by      varchar(64)  NOT NULL DEFAULT current_user,
    PRIMARY KEY (db_user, source_system)
);

-- Once per INSERT statement: rows of a listed account must belong to its source systems.
-- SECURITY DEFINER reads the list for the account, which has no grant on it; session_user
-- is that account (current_user would be the owner here).
CREATE FUNCTION sms_outbox_source_check() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sms_source_account WHERE db_user = session_user)
       AND EXISTS (SELECT 1 FROM new_rows n
                   WHERE NOT EXISTS (SELECT 1 FROM sms_source_account a
                                     WHERE a.db_user = session_user
                                       AND a.source_system = n.source_system)) THEN
        RAISE EXCEPTION 'account % inserts only for its source systems (sms_source_account)',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER trg_sms_outbox_source AFTER INSERT ON sms_outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_outbox_source_check();

-- Latencies in milliseconds to when the report reached the engine (report_received_at;
-- report_at for rows reported before version 3). New columns go last (CREATE OR REPLACE).
CREATE OR REPLACE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       round(extract(epoch FROM o.submitted_at - coalesce(o.send_at, o.created_at)) * 1000)
           AS submit_latency_ms,
       round(extract(epoch FROM coalesce(o.report_received_at, o.report_at)
                                - coalesce(o.send_at, o.created_at)) * 1000)
           AS delivery_latency_ms,
       o.report_received_at
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Days in the hospital's time zone (sms_setting), whatever the session's.
CREATE OR REPLACE VIEW v_sms_stats_daily AS
SELECT (o.created_at AT TIME ZONE z.value)::date AS day, o.account, o.dept_code,
       o.source_system, o.channel,
       count(*)                                    AS messages,
       count(o.submitted_at)                       AS submitted,
       count(*) FILTER (WHERE o.status = 3)        AS delivered,
       count(*) FILTER (WHERE o.status = 4)        AS failed,
       count(*) FILTER (WHERE o.status = 6)        AS rejected,
       count(*) FILTER (WHERE o.status = 5)        AS expired,
       coalesce(sum(o.segments), 0)                AS segments,
       round(100.0 * count(*) FILTER (WHERE o.status = 3) / nullif(count(o.submitted_at), 0), 2)
           AS success_rate
FROM sms_outbox o CROSS JOIN (SELECT value FROM sms_setting WHERE name = 'timezone') z
GROUP BY 1, 2, 3, 4, 5;

-- What a source account reads: its own systems' messages and replies.
CREATE VIEW v_my_sms_result WITH (security_barrier) AS
SELECT r.* FROM v_sms_result r
WHERE r.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = session_user);

CREATE VIEW v_my_sms_inbox WITH (security_barrier) AS
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.created_at
FROM sms_inbox i
WHERE i.source_system IN (SELECT a.source_system FROM sms_source_account a
                          WHERE a.db_user = session_user);
