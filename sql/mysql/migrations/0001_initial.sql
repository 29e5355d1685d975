-- hisms schema, version 1, MySQL 8.0.16+ / MariaDB 10.6+ (InnoDB, utf8mb4).
-- Run by `hisms db init` / `hisms db upgrade`; `hisms db sql --dialect mysql` prints it.
-- Every time is UTC (DATETIME(3), filled with UTC_TIMESTAMP(3)): a HIS writing send_at
-- or expire_at by hand writes UTC too (CONVERT_TZ(NOW(), @@session.time_zone, '+00:00')).
-- Server settings the claim relies on: binlog_format = ROW (or MIXED), because SKIP LOCKED
-- is unsafe for statement-based replication; the engine's sessions use READ COMMITTED.
-- MySQL has no partial indexes: the queue indexes lead with status instead.
-- utf8mb4_bin: Chinese and emoji content, and case-sensitive keys as on PostgreSQL.

CREATE TABLE IF NOT EXISTS sms_schema_version (
    version     INT          NOT NULL PRIMARY KEY,
    name        VARCHAR(100) NOT NULL,
    applied_at  DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    applied_by  VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Status codes of sms_outbox.status, for joins and reports.
CREATE TABLE sms_status (
    code        SMALLINT     NOT NULL PRIMARY KEY,
    name        VARCHAR(16)  NOT NULL,
    final       BOOLEAN      NOT NULL,
    description VARCHAR(200) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO sms_status VALUES
    (0, 'PENDING',   FALSE, 'inserted, waiting for send_at / next_attempt_at'),
    (1, 'SENDING',   FALSE, 'PENDING -> claimed by a worker under a lease (locked_by, locked_until)'),
    (2, 'SUBMITTED', FALSE, 'SENDING -> every part accepted by the carrier, waiting for reports'),
    (3, 'DELIVERED', TRUE,  'SUBMITTED -> every part reported DELIVRD'),
    (4, 'FAILED',    TRUE,  'refused by the carrier, retries exhausted, or a failed delivery report'),
    (5, 'EXPIRED',   TRUE,  'expire_at passed before the message could be submitted'),
    (6, 'REJECTED',  TRUE,  'invalid number or content; never sent'),
    (7, 'CANCELLED', TRUE,  'cancelled by the caller before submission');

-- One row per message (MT). Source systems INSERT here; the engine fills the rest.
CREATE TABLE sms_outbox (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_system   VARCHAR(32)  NOT NULL DEFAULT 'DEFAULT',
    source_ref      VARCHAR(64),                 -- caller's id: (source_system, source_ref) is unique
    account         VARCHAR(32),
    dept_code       VARCHAR(32),
    phone           VARCHAR(32),                 -- NULL or invalid -> REJECTED with a reason
    content         TEXT,
    signature       VARCHAR(32),
    priority        SMALLINT     NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
    send_at         DATETIME(3),                 -- NULL = now
    expire_at       DATETIME(3),
    status          SMALLINT     NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 7),
    attempts        INT          NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(3),
    locked_by       VARCHAR(64),
    locked_until    DATETIME(3),
    channel         VARCHAR(32),
    segments        SMALLINT,
    carrier_msg_id  VARCHAR(64),                 -- id of the first part; every part is in sms_segment
    submitted_at    DATETIME(3),
    report_stat     VARCHAR(16),
    report_at       DATETIME(3),
    error_code      VARCHAR(32),
    error_text      VARCHAR(500),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    CONSTRAINT uq_sms_outbox_source UNIQUE (source_system, source_ref),
    -- The claim path, covering: InnoDB locks every index record a locking read scans, so
    -- the claim must find due rows in (priority, id) order without touching other rows.
    INDEX ix_sms_outbox_claim (status, priority, id, send_at, next_attempt_at),
    -- Lease reclaim: SENDING rows by lease end.
    INDEX ix_sms_outbox_lease (status, locked_until),
    -- MO correlation: the last MT to a number.
    INDEX ix_sms_outbox_phone (phone, submitted_at),
    INDEX ix_sms_outbox_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per submitted part; delivery reports are matched here by (channel, carrier_msg_id).
CREATE TABLE sms_segment (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    outbox_id       BIGINT       NOT NULL,
    seq             SMALLINT     NOT NULL,
    total           SMALLINT     NOT NULL,
    channel         VARCHAR(32)  NOT NULL,
    carrier_msg_id  VARCHAR(64)  NOT NULL,
    submit_result   VARCHAR(32)  NOT NULL DEFAULT '0',
    submitted_at    DATETIME(3)  NOT NULL,
    report_stat     VARCHAR(16),
    report_err      VARCHAR(32),
    report_at       DATETIME(3),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    CONSTRAINT uq_sms_segment_part UNIQUE (outbox_id, seq),
    CONSTRAINT fk_sms_segment_outbox FOREIGN KEY (outbox_id) REFERENCES sms_outbox (id),
    INDEX ix_sms_segment_msg (carrier_msg_id, channel)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Reports whose submit result was not written yet (or whose id we never issued).
-- Matched when the segment appears; never dropped.
CREATE TABLE sms_report_unmatched (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    channel         VARCHAR(32)  NOT NULL,
    carrier_msg_id  VARCHAR(64)  NOT NULL,
    stat            VARCHAR(16)  NOT NULL,
    error_code      VARCHAR(32),
    phone           VARCHAR(32),
    done_at         DATETIME(3),
    received_at     DATETIME(3)  NOT NULL,
    matched_at      DATETIME(3),
    outbox_id       BIGINT,
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    INDEX ix_sms_report_unmatched_open (carrier_msg_id, channel, matched_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Uplink replies (MO).
CREATE TABLE sms_inbox (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    channel         VARCHAR(32)  NOT NULL,
    phone           VARCHAR(32)  NOT NULL,
    service_number  VARCHAR(32)  NOT NULL,
    content         TEXT         NOT NULL,
    received_at     DATETIME(3)  NOT NULL,
    outbox_id       BIGINT,                      -- the MT this answers, when it can be correlated
    source_system   VARCHAR(32),
    status          SMALLINT     NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),  -- 0 NEW, 1 CONSUMED
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    INDEX ix_sms_inbox_new (status, source_system, id),
    INDEX ix_sms_inbox_phone (phone, received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One readable row per message, with latencies in milliseconds.
CREATE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       ROUND(TIMESTAMPDIFF(MICROSECOND, COALESCE(o.send_at, o.created_at), o.submitted_at) / 1000)
           AS submit_latency_ms,
       ROUND(TIMESTAMPDIFF(MICROSECOND, COALESCE(o.send_at, o.created_at), o.report_at) / 1000)
           AS delivery_latency_ms
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Per day, account, department, source system and channel.
CREATE VIEW v_sms_stats_daily AS
SELECT DATE(created_at) AS day, account, dept_code, source_system, channel,
       COUNT(*)                         AS messages,
       COUNT(submitted_at)              AS submitted,
       SUM(status = 3)                  AS delivered,
       SUM(status = 4)                  AS failed,
       SUM(status = 6)                  AS rejected,
       SUM(status = 5)                  AS expired,
       COALESCE(SUM(segments), 0)       AS segments,
       ROUND(100.0 * SUM(status = 3) / NULLIF(COUNT(submitted_at), 0), 2) AS success_rate
FROM sms_outbox
GROUP BY DATE(created_at), account, dept_code, source_system, channel;
