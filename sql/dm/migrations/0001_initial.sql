-- Dameng DM8 (Oracle-compatible mode, UTF-8 database with LENGTH_IN_CHAR = 1): sql/oracle/migrations/0001_initial.sql
-- with DM's IDENTITY(1, 1) columns and VARCHAR (characters) instead of NVARCHAR2.
-- hisms schema, version 1, DM8 (see the first line).
-- `hisms db sql --dialect oracle` prints it for a DBA to run in disql as the schema owner.
-- Every time is UTC TIMESTAMP(3) (SYS_EXTRACT_UTC(SYSTIMESTAMP)); a HIS writing send_at by hand
-- writes UTC too. Statements end with `;`, PL/SQL blocks with a line holding only `/`.

CREATE TABLE sms_schema_version (
    version     NUMBER(10)    PRIMARY KEY,
    name        VARCHAR2(100) NOT NULL,
    applied_at  TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    applied_by  VARCHAR2(64)  DEFAULT USER NOT NULL
);

-- Status codes of sms_outbox.status, for joins and reports.
CREATE TABLE sms_status (
    code        NUMBER(2)     PRIMARY KEY,
    name        VARCHAR2(16)  NOT NULL,
    final       NUMBER(1)     NOT NULL,
    description VARCHAR2(200) NOT NULL
);
INSERT INTO sms_status
SELECT 0, 'PENDING',   0, 'inserted, waiting for send_at / next_attempt_at' FROM dual UNION ALL
SELECT 1, 'SENDING',   0, 'PENDING -> claimed by a worker under a lease (locked_by, locked_until)' FROM dual UNION ALL
SELECT 2, 'SUBMITTED', 0, 'SENDING -> every part accepted by the carrier, waiting for reports' FROM dual UNION ALL
SELECT 3, 'DELIVERED', 1, 'SUBMITTED -> every part reported DELIVRD' FROM dual UNION ALL
SELECT 4, 'FAILED',    1, 'refused by the carrier, retries exhausted, or a failed delivery report' FROM dual UNION ALL
SELECT 5, 'EXPIRED',   1, 'expire_at passed before the message could be submitted' FROM dual UNION ALL
SELECT 6, 'REJECTED',  1, 'invalid number or content; never sent' FROM dual UNION ALL
SELECT 7, 'CANCELLED', 1, 'cancelled by the caller before submission' FROM dual;

-- One row per message (MT). Source systems INSERT here; the engine fills the rest.
CREATE TABLE sms_outbox (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    source_system   VARCHAR2(32)   DEFAULT 'DEFAULT' NOT NULL,
    source_ref      VARCHAR2(64),                -- caller's id: (source_system, source_ref) is unique
    account         VARCHAR2(32),
    dept_code       VARCHAR2(32),
    phone           VARCHAR2(32),                -- NULL or invalid -> REJECTED with a reason
    content         VARCHAR(2000),
    signature       VARCHAR(32),
    priority        NUMBER(1)      DEFAULT 5 NOT NULL CHECK (priority BETWEEN 0 AND 9),
    send_at         TIMESTAMP(3),                -- NULL = now
    expire_at       TIMESTAMP(3),
    status          NUMBER(1)      DEFAULT 0 NOT NULL CHECK (status BETWEEN 0 AND 7),
    attempts        NUMBER(10)     DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP(3),
    locked_by       VARCHAR2(64),
    locked_until    TIMESTAMP(3),
    channel         VARCHAR2(32),
    segments        NUMBER(4),
    carrier_msg_id  VARCHAR2(64),
    submitted_at    TIMESTAMP(3),
    report_stat     VARCHAR2(16),
    report_at       TIMESTAMP(3),
    error_code      VARCHAR2(32),
    error_text      VARCHAR(500),
    created_at      TIMESTAMP(3)   DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)   DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)   DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)   DEFAULT USER NOT NULL
) PCTFREE 20;

-- Oracle treats ('HIS', NULL) twice as a duplicate in a composite unique key: index only rows
-- that have a reference (entries whose every column is NULL are not stored).
CREATE UNIQUE INDEX uq_sms_outbox_source ON sms_outbox (
    CASE WHEN source_ref IS NOT NULL THEN source_system END,
    CASE WHEN source_ref IS NOT NULL THEN source_ref END);
CREATE INDEX ix_sms_outbox_ref ON sms_outbox (source_ref, source_system);
-- The claim path: (status, priority, id) in claim order.
CREATE INDEX ix_sms_outbox_claim ON sms_outbox (status, priority, id);
CREATE INDEX ix_sms_outbox_lease ON sms_outbox (status, locked_until);
CREATE INDEX ix_sms_outbox_phone ON sms_outbox (phone, submitted_at);
CREATE INDEX ix_sms_outbox_created ON sms_outbox (created_at);

-- One row per submitted part; delivery reports are matched here by (channel, carrier_msg_id).
CREATE TABLE sms_segment (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    outbox_id       NUMBER(19)    NOT NULL REFERENCES sms_outbox (id),
    seq             NUMBER(4)     NOT NULL,
    total           NUMBER(4)     NOT NULL,
    channel         VARCHAR2(32)  NOT NULL,
    carrier_msg_id  VARCHAR2(64)  NOT NULL,
    submit_result   VARCHAR2(32)  DEFAULT '0' NOT NULL,
    submitted_at    TIMESTAMP(3)  NOT NULL,
    report_stat     VARCHAR2(16),
    report_err      VARCHAR2(32),
    report_at       TIMESTAMP(3),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    CONSTRAINT uq_sms_segment_part UNIQUE (outbox_id, seq)
);
CREATE INDEX ix_sms_segment_msg ON sms_segment (carrier_msg_id, channel);

-- Reports whose submit result was not written yet (or whose id we never issued).
CREATE TABLE sms_report_unmatched (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    channel         VARCHAR2(32)  NOT NULL,
    carrier_msg_id  VARCHAR2(64)  NOT NULL,
    stat            VARCHAR2(16)  NOT NULL,
    error_code      VARCHAR2(32),
    phone           VARCHAR2(32),
    done_at         TIMESTAMP(3),
    received_at     TIMESTAMP(3)  NOT NULL,
    matched_at      TIMESTAMP(3),
    outbox_id       NUMBER(19),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)  DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_report_unmatched_open ON sms_report_unmatched (carrier_msg_id, channel, matched_at);

-- Uplink replies (MO).
CREATE TABLE sms_inbox (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    channel         VARCHAR2(32)   NOT NULL,
    phone           VARCHAR2(32)   NOT NULL,
    service_number  VARCHAR2(32)   NOT NULL,
    content         VARCHAR(2000) NOT NULL,
    received_at     TIMESTAMP(3)   NOT NULL,
    outbox_id       NUMBER(19),
    source_system   VARCHAR2(32),
    status          NUMBER(1)      DEFAULT 0 NOT NULL CHECK (status IN (0, 1)),  -- 0 NEW, 1 CONSUMED
    created_at      TIMESTAMP(3)   DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)   DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)   DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)   DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_inbox_new ON sms_inbox (status, source_system, id);
CREATE INDEX ix_sms_inbox_phone ON sms_inbox (phone, received_at);

-- One readable row per message, with latencies in milliseconds.
CREATE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       ROUND((CAST(o.submitted_at AS DATE) - CAST(COALESCE(o.send_at, o.created_at) AS DATE))
             * 86400000) AS submit_latency_ms,
       ROUND((CAST(o.report_at AS DATE) - CAST(COALESCE(o.send_at, o.created_at) AS DATE))
             * 86400000) AS delivery_latency_ms
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

-- Per day, account, department, source system and channel.
CREATE VIEW v_sms_stats_daily AS
SELECT TRUNC(created_at) AS day, account, dept_code, source_system, channel,
       COUNT(*)                                          AS messages,
       COUNT(submitted_at)                               AS submitted,
       SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END)       AS delivered,
       SUM(CASE WHEN status = 4 THEN 1 ELSE 0 END)       AS failed,
       SUM(CASE WHEN status = 6 THEN 1 ELSE 0 END)       AS rejected,
       SUM(CASE WHEN status = 5 THEN 1 ELSE 0 END)       AS expired,
       COALESCE(SUM(segments), 0)                        AS segments,
       ROUND(100 * SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END)
             / NULLIF(COUNT(submitted_at), 0), 2)        AS success_rate
FROM sms_outbox
GROUP BY TRUNC(created_at), account, dept_code, source_system, channel;
