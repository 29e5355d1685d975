-- hisms schema, version 6, Oracle: resends after failed delivery reports, status 8 UNKNOWN
-- (no report within engine.report_timeout_hours), and a channel's connections and rate
-- shared by the engines of one database.

-- The CHECK on sms_outbox.status has a generated name (SYS_C...): found by its condition,
-- dropped, and added again with a name and 8.
BEGIN
    FOR c IN (SELECT constraint_name, search_condition FROM user_constraints
              WHERE table_name = 'SMS_OUTBOX' AND constraint_type = 'C') LOOP
        IF UPPER(c.search_condition) LIKE '%STATUS BETWEEN 0 AND 7%' THEN
            EXECUTE IMMEDIATE 'ALTER TABLE sms_outbox DROP CONSTRAINT ' || c.constraint_name;
        END IF;
    END LOOP;
END;
/
ALTER TABLE sms_outbox ADD CONSTRAINT ck_sms_outbox_status CHECK (status BETWEEN 0 AND 8);
INSERT INTO sms_status
SELECT 8, 'UNKNOWN', 1, 'SUBMITTED -> no delivery report within engine.report_timeout_hours' FROM dual;

-- How many times a failed delivery report sent the message again ([resend] policy), and the
-- channel whose report failed the last time: routing prefers another channel of its group.
ALTER TABLE sms_outbox ADD report_resends NUMBER(2) DEFAULT 0 NOT NULL;
ALTER TABLE sms_outbox ADD resend_from VARCHAR2(32);
-- The report timeout looks for old SUBMITTED rows.
CREATE INDEX ix_sms_outbox_submitted ON sms_outbox (status, submitted_at);

CREATE OR REPLACE VIEW v_sms_stats_daily AS
SELECT TRUNC(CAST(FROM_TZ(CAST(o.created_at AS TIMESTAMP), 'UTC') AT TIME ZONE z.value AS DATE))
           AS day,
       o.account, o.dept_code, o.source_system, o.channel,
       COUNT(*)                                            AS messages,
       COUNT(o.submitted_at)                               AS submitted,
       SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)       AS delivered,
       SUM(CASE WHEN o.status = 4 THEN 1 ELSE 0 END)       AS failed,
       SUM(CASE WHEN o.status = 6 THEN 1 ELSE 0 END)       AS rejected,
       SUM(CASE WHEN o.status = 5 THEN 1 ELSE 0 END)       AS expired,
       COALESCE(SUM(o.segments), 0)                        AS segments,
       ROUND(100 * SUM(CASE WHEN o.status = 3 THEN 1 ELSE 0 END)
             / NULLIF(COUNT(o.submitted_at), 0), 2)        AS success_rate,
       SUM(CASE WHEN o.status = 8 THEN 1 ELSE 0 END)       AS unknown
FROM sms_outbox o CROSS JOIN (SELECT value FROM sms_setting WHERE name = 'timezone') z
GROUP BY TRUNC(CAST(FROM_TZ(CAST(o.created_at AS TIMESTAMP), 'UTC') AT TIME ZONE z.value AS DATE)),
         o.account, o.dept_code, o.source_system, o.channel;

-- Each engine serving a channel, renewed by its heartbeat until expires_at: the channel's
-- connections and rate are shared among the live ones. slots and rate are what it holds now.
CREATE TABLE sms_channel_member (
    channel         VARCHAR2(32)  NOT NULL,
    worker          VARCHAR2(64)  NOT NULL,
    slots           NUMBER(5)  DEFAULT 0 NOT NULL,  -- connection slots it holds
    rate            BINARY_DOUBLE,  -- its submits per second (NULL: no limit)
    expires_at      TIMESTAMP(3)  NOT NULL,
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    PRIMARY KEY (channel, worker)
);

-- One row per connection a channel may open (0 .. connections-1): an engine logs in a link
-- only while it holds a slot, and gives the slot up only once that link is closed.
CREATE TABLE sms_channel_slot (
    channel         VARCHAR2(32)  NOT NULL,
    slot            NUMBER(5)  NOT NULL,
    worker          VARCHAR2(64),  -- the holder; NULL when free
    expires_at      TIMESTAMP(3),  -- a holder that stops renewing loses it
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    PRIMARY KEY (channel, slot)
);
