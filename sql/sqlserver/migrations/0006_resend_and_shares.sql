-- hisms schema, version 6, SQL Server: resends after failed delivery reports, status 8 UNKNOWN
-- (no report within engine.report_timeout_hours), and a channel's connections and rate
-- shared by the engines of one database.

-- The CHECK on sms_outbox.status has a generated name (CK__sms_outb__...): found by its
-- definition, dropped, and added again with a name and 8.
DECLARE @name sysname = (SELECT TOP (1) name FROM sys.check_constraints
                         WHERE parent_object_id = OBJECT_ID('sms_outbox')
                           AND definition LIKE '%status%<=(7)%');
IF @name IS NOT NULL EXEC ('ALTER TABLE sms_outbox DROP CONSTRAINT ' + @name);
ALTER TABLE sms_outbox ADD CONSTRAINT ck_sms_outbox_status CHECK (status BETWEEN 0 AND 8);
INSERT INTO sms_status VALUES
    (8, 'UNKNOWN', 1, 'SUBMITTED -> no delivery report within engine.report_timeout_hours');

-- How many times a failed delivery report sent the message again ([resend] policy), and the
-- channel whose report failed the last time: routing prefers another channel of its group.
ALTER TABLE sms_outbox ADD report_resends SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE sms_outbox ADD resend_from NVARCHAR(32);
GO
-- The report timeout looks for old SUBMITTED rows.
CREATE INDEX ix_sms_outbox_submitted ON sms_outbox (submitted_at) WHERE status = 2;
GO

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
             / NULLIF(COUNT(o.submitted_at), 0), 2)     AS success_rate,
       SUM(CASE WHEN o.status = 8 THEN 1 ELSE 0 END)    AS unknown
FROM sms_outbox o
CROSS JOIN (SELECT CAST(value AS int) AS minutes FROM sms_setting
            WHERE name = 'utc_offset_minutes') z
GROUP BY CAST(DATEADD(minute, z.minutes, o.created_at) AS date),
         o.account, o.dept_code, o.source_system, o.channel;
GO

-- Each engine serving a channel, renewed by its heartbeat until expires_at: the channel's
-- connections and rate are shared among the live ones. slots and rate are what it holds now.
CREATE TABLE sms_channel_member (
    channel         NVARCHAR(32)  NOT NULL,
    worker          NVARCHAR(64)  NOT NULL,
    slots           SMALLINT  DEFAULT 0 NOT NULL,  -- connection slots it holds
    rate            FLOAT,  -- its submits per second (NULL: no limit)
    expires_at      DATETIME2(3)  NOT NULL,
    created_at      DATETIME2(3)  DEFAULT SYSUTCDATETIME() NOT NULL,
    created_by      NVARCHAR(64)  DEFAULT SUSER_SNAME() NOT NULL,
    updated_at      DATETIME2(3)  DEFAULT SYSUTCDATETIME() NOT NULL,
    updated_by      NVARCHAR(64)  DEFAULT SUSER_SNAME() NOT NULL,
    PRIMARY KEY (channel, worker)
);

-- One row per connection a channel may open (0 .. connections-1): an engine logs in a link
-- only while it holds a slot, and gives the slot up only once that link is closed.
CREATE TABLE sms_channel_slot (
    channel         NVARCHAR(32)  NOT NULL,
    slot            SMALLINT  NOT NULL,
    worker          NVARCHAR(64),  -- the holder; NULL when free
    expires_at      DATETIME2(3),  -- a holder that stops renewing loses it
    created_at      DATETIME2(3)  DEFAULT SYSUTCDATETIME() NOT NULL,
    created_by      NVARCHAR(64)  DEFAULT SUSER_SNAME() NOT NULL,
    updated_at      DATETIME2(3)  DEFAULT SYSUTCDATETIME() NOT NULL,
    updated_by      NVARCHAR(64)  DEFAULT SUSER_SNAME() NOT NULL,
    PRIMARY KEY (channel, slot)
);
