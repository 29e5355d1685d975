-- hisms schema, version 6: resends after failed delivery reports, status 8 UNKNOWN (no
-- report within engine.report_timeout_hours), and a channel's connections and rate shared
-- by the engines of one database.

ALTER TABLE sms_outbox DROP CONSTRAINT sms_outbox_status_check;
ALTER TABLE sms_outbox ADD CONSTRAINT sms_outbox_status_check CHECK (status BETWEEN 0 AND 8);
INSERT INTO sms_status VALUES
    (8, 'UNKNOWN', true, 'SUBMITTED -> no delivery report within engine.report_timeout_hours');

-- How many times a failed delivery report sent the message again ([resend] policy), and the
-- channel whose report failed the last time: routing prefers another channel of its group.
ALTER TABLE sms_outbox ADD COLUMN report_resends smallint NOT NULL DEFAULT 0;
ALTER TABLE sms_outbox ADD COLUMN resend_from varchar(32);
-- The report timeout looks for old SUBMITTED rows.
CREATE INDEX ix_sms_outbox_submitted ON sms_outbox (submitted_at) WHERE status = 2;

-- New columns go last (CREATE OR REPLACE).
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
           AS success_rate,
       count(*) FILTER (WHERE o.status = 8)        AS unknown
FROM sms_outbox o CROSS JOIN (SELECT value FROM sms_setting WHERE name = 'timezone') z
GROUP BY 1, 2, 3, 4, 5;

-- Each engine serving a channel, renewed by its heartbeat until expires_at: the channel's
-- connections and rate are shared among the live ones. slots and rate are what it holds now.
CREATE TABLE sms_channel_member (
    channel         varchar(32)  NOT NULL,
    worker          varchar(64)  NOT NULL,
    slots           smallint     NOT NULL DEFAULT 0,  -- connection slots it holds
    rate            real,                             -- its submits per second (NULL: no limit)
    expires_at      timestamptz  NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    created_by      varchar(64)  NOT NULL DEFAULT current_user,
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    updated_by      varchar(64)  NOT NULL DEFAULT current_user,
    PRIMARY KEY (channel, worker)
);

-- One row per connection a channel may open (0 .. connections-1): an engine logs in a link
-- only while it holds a slot, and gives the slot up only once that link is closed.
CREATE TABLE sms_channel_slot (
    channel         varchar(32)  NOT NULL,
    slot            smallint     NOT NULL,
    worker          varchar(64),                      -- the holder; NULL when free
    expires_at      timestamptz,                      -- a holder that stops renewing loses it
    created_at      timestamptz  NOT NULL DEFAULT now(),
    created_by      varchar(64)  NOT NULL DEFAULT current_user,
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    updated_by      varchar(64)  NOT NULL DEFAULT current_user,
    PRIMARY KEY (channel, slot)
);
