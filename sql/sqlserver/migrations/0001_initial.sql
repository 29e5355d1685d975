-- hisms schema, version 1, SQL Server 2016+ (OPENJSON needs compatibility level 130).
-- `hisms db sql --dialect sqlserver` prints it for a DBA (sqlcmd / SSMS; statements end with `;`).
-- Chinese text is NVARCHAR. Every time is UTC DATETIME2(3) (SYSUTCDATETIME()); a HIS writing
-- send_at by hand writes UTC too. Recommended: ALTER DATABASE ... SET READ_COMMITTED_SNAPSHOT ON,
-- so a DBA's SELECT never waits on the engine's row locks.

CREATE TABLE sms_schema_version (
    version     INT           NOT NULL PRIMARY KEY,
    name        NVARCHAR(100) NOT NULL,
    applied_at  DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    applied_by  NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- Status codes of sms_outbox.status, for joins and reports.
CREATE TABLE sms_status (
    code        SMALLINT      NOT NULL PRIMARY KEY,
    name        NVARCHAR(16)  NOT NULL,
    final       BIT           NOT NULL,
    description NVARCHAR(200) NOT NULL
);
INSERT INTO sms_status VALUES
    (0, 'PENDING',   0, 'inserted, waiting for send_at / next_attempt_at'),
    (1, 'SENDING',   0, 'PENDING -> claimed by a worker under a lease (locked_by, locked_until)'),
    (2, 'SUBMITTED', 0, 'SENDING -> every part accepted by the carrier, waiting for reports'),
    (3, 'DELIVERED', 1, 'SUBMITTED -> every part reported DELIVRD'),
    (4, 'FAILED',    1, 'refused by the carrier, retries exhausted, or a failed delivery report'),
    (5, 'EXPIRED',   1, 'expire_at passed before the message could be submitted'),
    (6, 'REJECTED',  1, 'invalid number or content; never sent'),
    (7, 'CANCELLED', 1, 'cancelled by the caller before submission');

-- One row per message (MT). Source systems INSERT here; the engine fills the rest.
CREATE TABLE sms_outbox (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    source_system   NVARCHAR(32)  NOT NULL DEFAULT 'DEFAULT',
    source_ref      NVARCHAR(64),                -- caller's id: (source_system, source_ref) is unique
    account         NVARCHAR(32),
    dept_code       NVARCHAR(32),
    phone           NVARCHAR(32),                -- NULL or invalid -> REJECTED with a reason
    content         NVARCHAR(MAX),
    signature       NVARCHAR(32),
    priority        SMALLINT      NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
    send_at         DATETIME2(3),                -- NULL = now
    expire_at       DATETIME2(3),
    status          SMALLINT      NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 7),
    attempts        INT           NOT NULL DEFAULT 0,
    next_attempt_at DATETIME2(3),
    locked_by       NVARCHAR(64),
    locked_until    DATETIME2(3),
    channel         NVARCHAR(32),
    segments        SMALLINT,
    carrier_msg_id  NVARCHAR(64),
    submitted_at    DATETIME2(3),
    report_stat     NVARCHAR(16),
    report_at       DATETIME2(3),
    error_code      NVARCHAR(32),
    error_text      NVARCHAR(500),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
-- A UNIQUE constraint would allow one NULL source_ref only: a filtered unique index instead.
CREATE UNIQUE INDEX uq_sms_outbox_source ON sms_outbox (source_system, source_ref)
    WHERE source_ref IS NOT NULL;
-- The claim path: only PENDING rows, in claim order (filtered, like PostgreSQL's partial index).
CREATE INDEX ix_sms_outbox_pending ON sms_outbox (priority, id)
    INCLUDE (send_at, next_attempt_at) WHERE status = 0 WITH (FILLFACTOR = 80);
CREATE INDEX ix_sms_outbox_lease ON sms_outbox (locked_until) WHERE status = 1;
CREATE INDEX ix_sms_outbox_phone ON sms_outbox (phone, submitted_at) WHERE submitted_at IS NOT NULL;
CREATE INDEX ix_sms_outbox_created ON sms_outbox (created_at);

-- One row per submitted part; delivery reports are matched here by (channel, carrier_msg_id).
CREATE TABLE sms_segment (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    outbox_id       BIGINT        NOT NULL REFERENCES sms_outbox (id),
    seq             SMALLINT      NOT NULL,
    total           SMALLINT      NOT NULL,
    channel         NVARCHAR(32)  NOT NULL,
    carrier_msg_id  NVARCHAR(64)  NOT NULL,
    submit_result   NVARCHAR(32)  NOT NULL DEFAULT '0',
    submitted_at    DATETIME2(3)  NOT NULL,
    report_stat     NVARCHAR(16),
    report_err      NVARCHAR(32),
    report_at       DATETIME2(3),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    CONSTRAINT uq_sms_segment_part UNIQUE (outbox_id, seq)
);
CREATE INDEX ix_sms_segment_msg ON sms_segment (carrier_msg_id, channel);

-- Reports whose submit result was not written yet (or whose id we never issued).
CREATE TABLE sms_report_unmatched (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    channel         NVARCHAR(32)  NOT NULL,
    carrier_msg_id  NVARCHAR(64)  NOT NULL,
    stat            NVARCHAR(16)  NOT NULL,
    error_code      NVARCHAR(32),
    phone           NVARCHAR(32),
    done_at         DATETIME2(3),
    received_at     DATETIME2(3)  NOT NULL,
    matched_at      DATETIME2(3),
    outbox_id       BIGINT,
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
CREATE INDEX ix_sms_report_unmatched_open ON sms_report_unmatched (carrier_msg_id, channel)
    WHERE matched_at IS NULL;

-- Uplink replies (MO).
CREATE TABLE sms_inbox (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    channel         NVARCHAR(32)  NOT NULL,
    phone           NVARCHAR(32)  NOT NULL,
    service_number  NVARCHAR(32)  NOT NULL,
    content         NVARCHAR(MAX) NOT NULL,
    received_at     DATETIME2(3)  NOT NULL,
    outbox_id       BIGINT,
    source_system   NVARCHAR(32),
    status          SMALLINT      NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),  -- 0 NEW, 1 CONSUMED
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
CREATE INDEX ix_sms_inbox_new ON sms_inbox (source_system, id) WHERE status = 0;
CREATE INDEX ix_sms_inbox_phone ON sms_inbox (phone, received_at);
GO

-- One readable row per message, with latencies in milliseconds.
CREATE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       DATEDIFF_BIG(millisecond, COALESCE(o.send_at, o.created_at), o.submitted_at)
           AS submit_latency_ms,
       DATEDIFF_BIG(millisecond, COALESCE(o.send_at, o.created_at), o.report_at)
           AS delivery_latency_ms
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;
GO

-- Per day, account, department, source system and channel.
CREATE VIEW v_sms_stats_daily AS
SELECT CAST(created_at AS date) AS day, account, dept_code, source_system, channel,
       COUNT(*)                                       AS messages,
       COUNT(submitted_at)                            AS submitted,
       SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END)    AS delivered,
       SUM(CASE WHEN status = 4 THEN 1 ELSE 0 END)    AS failed,
       SUM(CASE WHEN status = 6 THEN 1 ELSE 0 END)    AS rejected,
       SUM(CASE WHEN status = 5 THEN 1 ELSE 0 END)    AS expired,
       COALESCE(SUM(CAST(segments AS int)), 0)        AS segments,
       ROUND(100.0 * SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END)
             / NULLIF(COUNT(submitted_at), 0), 2)     AS success_rate
FROM sms_outbox
GROUP BY CAST(created_at AS date), account, dept_code, source_system, channel;
GO
