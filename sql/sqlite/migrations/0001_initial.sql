-- hisms schema, version 1, SQLite 3.35+ (embedded, single node, demo).
-- Times are UTC text 'YYYY-MM-DD HH:MM:SS.SSS', which sorts and compares correctly.

CREATE TABLE IF NOT EXISTS sms_schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    applied_by  TEXT NOT NULL DEFAULT 'hisms'
);

CREATE TABLE sms_status (
    code        INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    final       INTEGER NOT NULL,
    description TEXT NOT NULL
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

CREATE TABLE sms_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_system   TEXT    NOT NULL DEFAULT 'DEFAULT',
    source_ref      TEXT,
    account         TEXT,
    dept_code       TEXT,
    phone           TEXT,
    content         TEXT,
    signature       TEXT,
    priority        INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
    send_at         TEXT,
    expire_at       TEXT,
    status          INTEGER NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 7),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    locked_by       TEXT,
    locked_until    TEXT,
    channel         TEXT,
    segments        INTEGER,
    carrier_msg_id  TEXT,
    submitted_at    TEXT,
    report_stat     TEXT,
    report_at       TEXT,
    error_code      TEXT,
    error_text      TEXT,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT    NOT NULL DEFAULT 'hisms',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT    NOT NULL DEFAULT 'hisms',
    CONSTRAINT uq_sms_outbox_source UNIQUE (source_system, source_ref)
);
CREATE INDEX ix_sms_outbox_pending ON sms_outbox (priority, id) WHERE status = 0;
CREATE INDEX ix_sms_outbox_lease ON sms_outbox (locked_until) WHERE status = 1;
CREATE INDEX ix_sms_outbox_phone ON sms_outbox (phone, submitted_at) WHERE submitted_at IS NOT NULL;
CREATE INDEX ix_sms_outbox_created ON sms_outbox (created_at);

CREATE TABLE sms_segment (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id       INTEGER NOT NULL REFERENCES sms_outbox (id),
    seq             INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    carrier_msg_id  TEXT    NOT NULL,
    submit_result   TEXT    NOT NULL DEFAULT '0',
    submitted_at    TEXT    NOT NULL,
    report_stat     TEXT,
    report_err      TEXT,
    report_at       TEXT,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT    NOT NULL DEFAULT 'hisms',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT    NOT NULL DEFAULT 'hisms',
    CONSTRAINT uq_sms_segment_part UNIQUE (outbox_id, seq)
);
CREATE INDEX ix_sms_segment_msg ON sms_segment (carrier_msg_id, channel);

CREATE TABLE sms_report_unmatched (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL,
    carrier_msg_id  TEXT NOT NULL,
    stat            TEXT NOT NULL,
    error_code      TEXT,
    phone           TEXT,
    done_at         TEXT,
    received_at     TEXT NOT NULL,
    matched_at      TEXT,
    outbox_id       INTEGER,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT NOT NULL DEFAULT 'hisms',
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_report_unmatched_open ON sms_report_unmatched (carrier_msg_id, channel)
    WHERE matched_at IS NULL;

CREATE TABLE sms_inbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    service_number  TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    outbox_id       INTEGER,
    source_system   TEXT,
    status          INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT    NOT NULL DEFAULT 'hisms',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT    NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_inbox_new ON sms_inbox (source_system, id) WHERE status = 0;
CREATE INDEX ix_sms_inbox_phone ON sms_inbox (phone, received_at);

CREATE VIEW v_sms_result AS
SELECT o.id, o.source_system, o.source_ref, o.account, o.dept_code, o.phone, o.content,
       o.priority, o.status, s.name AS status_name, o.attempts, o.channel, o.segments,
       o.carrier_msg_id, o.created_at, o.send_at, o.submitted_at, o.report_stat, o.report_at,
       o.error_code, o.error_text,
       CAST(round((julianday(o.submitted_at) - julianday(coalesce(o.send_at, o.created_at)))
                  * 86400000) AS INTEGER) AS submit_latency_ms,
       CAST(round((julianday(o.report_at) - julianday(coalesce(o.send_at, o.created_at)))
                  * 86400000) AS INTEGER) AS delivery_latency_ms
FROM sms_outbox o JOIN sms_status s ON s.code = o.status;

CREATE VIEW v_sms_stats_daily AS
SELECT date(created_at) AS day, account, dept_code, source_system, channel,
       count(*)                                     AS messages,
       count(submitted_at)                          AS submitted,
       sum(status = 3)                              AS delivered,
       sum(status = 4)                              AS failed,
       sum(status = 6)                              AS rejected,
       sum(status = 5)                              AS expired,
       coalesce(sum(segments), 0)                   AS segments,
       round(100.0 * sum(status = 3) / nullif(count(submitted_at), 0), 2) AS success_rate
FROM sms_outbox
GROUP BY 1, 2, 3, 4, 5;
