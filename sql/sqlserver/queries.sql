-- Named statements of the hisms engine for SQL Server 2016+ (pyodbc, ODBC Driver 17/18).
-- Each block starts with `-- name: <name>` and a one-line description.
-- Parameters are @name. Batches are one JSON array (@rows, NVARCHAR(MAX)) read with OPENJSON;
-- id lists (@ids) are JSON arrays of numbers. Times are UTC DATETIME2(3): SYSUTCDATETIME().
-- Changed rows come back with OUTPUT, SQL Server's RETURNING; on sms_outbox and sms_inbox, which
-- have triggers, OUTPUT must go INTO a table variable (error 334 otherwise), read at the end of
-- the batch. The claim takes its rows
-- WITH (ROWLOCK, UPDLOCK, READPAST), which needs READ COMMITTED or REPEATABLE READ: the
-- block sets READ COMMITTED itself, since a pooled connection may carry another level.
-- Keep batches under ~5,000 rows: more row locks than that escalate to a table lock.
-- A statement that may change several rows of sms_outbox or sms_segment locks them first, in
-- id order: their ids go into a table variable keyed by id (@lock), read in key order by a
-- forced loop join that takes UPDLOCK on each row. Two transactions then never wait for each
-- other's rows in opposite orders (a deadlock). The claim need not: READPAST never waits.

-- name: enqueue
-- Insert messages in the given order; a (source_system, source_ref) already present is skipped
-- (idempotent intake). Ids grow in input order (INSERT ... SELECT ... ORDER BY assigns identity
-- values in that order), which is how callers pair them with inputs.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
INSERT INTO sms_outbox (source_system, source_ref, account, dept_code, phone, content, signature,
                        priority, send_at, expire_at, template_code, params,
                        created_by, updated_by)
OUTPUT inserted.id INTO @out (id)
SELECT u.source_system, u.source_ref, u.account, u.dept_code, u.phone, u.content, u.signature,
       COALESCE(u.priority, (SELECT p.priority FROM sms_source_profile p
                 WHERE p.source_system = u.source_system), 5),
       u.send_at, u.expire_at, u.template_code, u.params, @actor, @actor
FROM OPENJSON(@rows) AS j
CROSS APPLY OPENJSON(j.value) WITH (
         source_system NVARCHAR(32) '$.source_system', source_ref NVARCHAR(64) '$.source_ref',
         account NVARCHAR(32) '$.account', dept_code NVARCHAR(32) '$.dept_code',
         phone NVARCHAR(32) '$.phone', content NVARCHAR(MAX) '$.content',
         signature NVARCHAR(32) '$.signature', priority SMALLINT '$.priority',
         send_at DATETIME2(3) '$.send_at', expire_at DATETIME2(3) '$.expire_at',
         template_code NVARCHAR(64) '$.template_code', params NVARCHAR(MAX) '$.params') AS u
WHERE u.source_ref IS NULL
   OR NOT EXISTS (SELECT 1 FROM sms_outbox o WITH (UPDLOCK, HOLDLOCK)
                  WHERE o.source_system = u.source_system AND o.source_ref = u.source_ref)
ORDER BY CAST(j.[key] AS int);
SELECT o.id, o.source_system, o.source_ref FROM @out x JOIN sms_outbox o ON o.id = x.id ORDER BY o.id

-- name: pin_message
-- A message just enqueued (same transaction, before any engine sees it) pinned to a channel
-- (NULL: routing decides), preferring another than resend_from (the console's resend).
UPDATE sms_outbox SET pinned_channel = @pinned_channel, resend_from = @resend_from
WHERE id = @id

-- name: lookup_refs
-- Ids of messages by caller reference, to answer a repeated intake with the original id.
SELECT o.id, o.source_system, o.source_ref
FROM OPENJSON(@rows) WITH (source_system NVARCHAR(32) '$.source_system',
                           source_ref NVARCHAR(64) '$.source_ref') AS u
JOIN sms_outbox o ON o.source_system = u.source_system AND o.source_ref = u.source_ref

-- name: claim
-- Lease up to `limit` due PENDING rows of the given priority range, most urgent and oldest first.
SET NOCOUNT ON;
SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
DECLARE @out TABLE (id BIGINT);
WITH due AS (
    SELECT TOP (@limit) *
    FROM sms_outbox WITH (ROWLOCK, UPDLOCK, READPAST)
    WHERE status = 0
      AND priority BETWEEN @min_priority AND @max_priority
      AND (send_at IS NULL OR send_at <= SYSUTCDATETIME())
      AND (next_attempt_at IS NULL OR next_attempt_at <= SYSUTCDATETIME())
    ORDER BY priority, id
)
UPDATE due
SET status = 1, attempts = attempts + 1, locked_by = @worker,
    locked_until = DATEADD(millisecond, CAST(@lease * 1000 AS int), SYSUTCDATETIME()),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id);
SELECT o.id, o.attempts AS attempt, o.source_system, o.account, o.dept_code, o.phone, o.content,
       o.signature, o.template_code, o.params, o.priority, o.expire_at,
       CASE WHEN o.expire_at <= SYSUTCDATETIME() THEN 1 ELSE 0 END AS expired, o.resend_from,
       o.pinned_channel
FROM @out x JOIN sms_outbox o ON o.id = x.id

-- name: extend_lease
-- Heartbeat: keep the lease of rows still in flight with this worker.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@ids) WITH (id BIGINT '$');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE sms_outbox
SET locked_until = DATEADD(millisecond, CAST(@lease * 1000 AS int), SYSUTCDATETIME())
OUTPUT inserted.id INTO @out (id)
WHERE id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$'))
  AND status = 1 AND locked_by = @worker;
SELECT id FROM @out

-- name: reclaim_expired
-- Put rows whose worker died (lease passed) back to PENDING.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT id FROM sms_outbox WHERE status = 1 AND locked_until < SYSUTCDATETIME() AND attempts < @max_attempts;
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE sms_outbox
SET status = 0, locked_by = NULL, locked_until = NULL, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
OUTPUT inserted.id INTO @out (id)
WHERE id IN (SELECT id FROM @lock) AND status = 1 AND locked_until < SYSUTCDATETIME()
  AND attempts < @max_attempts;
SELECT id FROM @out

-- name: fail_abandoned
-- Rows whose workers died max_attempts times are FAILED rather than tried forever.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT id FROM sms_outbox WHERE status = 1 AND locked_until < SYSUTCDATETIME() AND attempts >= @max_attempts;
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE sms_outbox
SET status = 4, locked_by = NULL, locked_until = NULL, error_code = 'WORKER_LOST',
    error_text = CONCAT('lease expired ', attempts, ' times without a result'),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
WHERE id IN (SELECT id FROM @lock) AND status = 1 AND locked_until < SYSUTCDATETIME()
  AND attempts >= @max_attempts;
SELECT id FROM @out

-- name: mark_submitted
-- SENDING -> SUBMITTED for rows whose every part was accepted, fenced by owner and attempt.
-- The phone is rewritten in its normalised 11-digit form, as sent.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@rows) WITH (id BIGINT '$.id');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = 2, phone = u.phone, channel = u.channel, segments = u.segments,
    carrier_msg_id = u.carrier_msg_id, submitted_at = u.submitted_at, locked_by = NULL,
    locked_until = NULL, error_code = NULL, error_text = NULL, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
OUTPUT inserted.id INTO @out (id)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (
         id BIGINT '$.id', attempt INT '$.attempt', phone NVARCHAR(32) '$.phone',
         channel NVARCHAR(32) '$.channel', segments SMALLINT '$.segments',
         carrier_msg_id NVARCHAR(64) '$.carrier_msg_id',
         submitted_at DATETIME2(3) '$.submitted_at') AS u ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = @worker AND o.attempts = u.attempt;
SELECT id FROM @out

-- name: mark_final
-- SENDING -> FAILED / EXPIRED / REJECTED with the reason, fenced by owner and attempt.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@rows) WITH (id BIGINT '$.id');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = u.status, channel = COALESCE(u.channel, o.channel), error_code = u.error_code,
    error_text = u.error_text, locked_by = NULL, locked_until = NULL,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (
         id BIGINT '$.id', attempt INT '$.attempt', status SMALLINT '$.status',
         channel NVARCHAR(32) '$.channel', error_code NVARCHAR(32) '$.error_code',
         error_text NVARCHAR(500) '$.error_text') AS u ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = @worker AND o.attempts = u.attempt;
SELECT id FROM @out

-- name: mark_retry
-- SENDING -> PENDING with the next attempt time and the last error, fenced by owner and attempt.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@rows) WITH (id BIGINT '$.id');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = 0, next_attempt_at = u.next_attempt_at, channel = COALESCE(u.channel, o.channel),
    error_code = u.error_code, error_text = u.error_text, locked_by = NULL, locked_until = NULL,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (
         id BIGINT '$.id', attempt INT '$.attempt', next_attempt_at DATETIME2(3) '$.next_attempt_at',
         channel NVARCHAR(32) '$.channel', error_code NVARCHAR(32) '$.error_code',
         error_text NVARCHAR(500) '$.error_text') AS u ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = @worker AND o.attempts = u.attempt;
SELECT id FROM @out

-- name: mark_waiting
-- SENDING -> PENDING without spending the attempt (attempts - 1): every channel of the
-- message's group is down, disabled or draining. Fenced like mark_retry.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@rows) WITH (id BIGINT '$.id');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = 0, attempts = o.attempts - 1, next_attempt_at = u.next_attempt_at,
    error_code = u.error_code, error_text = u.error_text, locked_by = NULL, locked_until = NULL,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (
         id BIGINT '$.id', attempt INT '$.attempt', next_attempt_at DATETIME2(3) '$.next_attempt_at',
         error_code NVARCHAR(32) '$.error_code',
         error_text NVARCHAR(500) '$.error_text') AS u ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = @worker AND o.attempts = u.attempt;
SELECT id FROM @out

-- name: save_segments
-- Record every accepted part; a retried message overwrites its earlier parts (those of
-- messages this write-back holds: no other transaction changes them, whatever the order).
MERGE sms_segment WITH (HOLDLOCK) AS s
USING (SELECT * FROM OPENJSON(@rows) WITH (
           outbox_id BIGINT '$.outbox_id', seq SMALLINT '$.seq', total SMALLINT '$.total',
           channel NVARCHAR(32) '$.channel', carrier_msg_id NVARCHAR(64) '$.carrier_msg_id',
           submit_result NVARCHAR(32) '$.submit_result',
           submitted_at DATETIME2(3) '$.submitted_at')) AS u
ON s.outbox_id = u.outbox_id AND s.seq = u.seq
WHEN MATCHED THEN UPDATE
SET total = u.total, channel = u.channel, carrier_msg_id = u.carrier_msg_id,
    submit_result = u.submit_result, submitted_at = u.submitted_at, report_stat = NULL,
    report_err = NULL, report_at = NULL, report_received_at = NULL,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
WHEN NOT MATCHED THEN INSERT (outbox_id, seq, total, channel, carrier_msg_id, submit_result,
                              submitted_at, created_by, updated_by)
VALUES (u.outbox_id, u.seq, u.total, u.channel, u.carrier_msg_id, u.submit_result,
        u.submitted_at, @worker, @worker);

-- name: fence_reports_exclusive
-- A report batch waits for segment write-backs in flight and holds new ones off
-- (SqlStore.fence_reports): an exclusive key lock on a reference row, held to commit.
SELECT code FROM sms_status WITH (XLOCK, ROWLOCK, HOLDLOCK) WHERE code = 0

-- name: fence_reports_shared
-- Segment write-backs run beside each other, never beside a report batch.
SELECT code FROM sms_status WITH (ROWLOCK, HOLDLOCK) WHERE code = 0

-- name: apply_reports
-- Put delivery reports on their parts; the first final report of a part wins. report_at is
-- the carrier's time (done_at), report_received_at the engine's; total becomes the parts the
-- provider billed when the report says (billed, else NULL: total is kept).
SET NOCOUNT ON;
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT s.id FROM sms_segment s
JOIN OPENJSON(@rows) WITH (channel NVARCHAR(32) '$.channel',
                           carrier_msg_id NVARCHAR(64) '$.carrier_msg_id') AS r
  ON s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel
WHERE s.report_stat IS NULL;
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_segment t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE s
SET report_stat = r.stat, report_err = r.error_code, report_at = COALESCE(r.done_at, r.received_at),
    report_received_at = r.received_at, total = COALESCE(r.billed, s.total),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.outbox_id
FROM sms_segment s
JOIN OPENJSON(@rows) WITH (
         channel NVARCHAR(32) '$.channel', carrier_msg_id NVARCHAR(64) '$.carrier_msg_id',
         stat NVARCHAR(16) '$.stat', error_code NVARCHAR(32) '$.error_code',
         done_at DATETIME2(3) '$.done_at', received_at DATETIME2(3) '$.received_at',
         billed SMALLINT '$.billed') AS r
  ON s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel
WHERE s.report_stat IS NULL AND s.id IN (SELECT id FROM @lock);

-- name: park_unmatched
-- Keep reports whose part is not (yet) known, to match them when the submit result lands.
INSERT INTO sms_report_unmatched (channel, carrier_msg_id, stat, error_code, phone, done_at,
                                  received_at, created_by, updated_by)
OUTPUT inserted.id
SELECT r.channel, r.carrier_msg_id, r.stat, r.error_code, r.phone, r.done_at, r.received_at,
       @worker, @worker
FROM OPENJSON(@rows) WITH (
         channel NVARCHAR(32) '$.channel', carrier_msg_id NVARCHAR(64) '$.carrier_msg_id',
         stat NVARCHAR(16) '$.stat', error_code NVARCHAR(32) '$.error_code',
         phone NVARCHAR(32) '$.phone', done_at DATETIME2(3) '$.done_at',
         received_at DATETIME2(3) '$.received_at') AS r
WHERE NOT EXISTS (SELECT 1 FROM sms_segment s
                  WHERE s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel)

-- name: match_unmatched
-- Apply parked reports to the parts of these messages, now that their submit results exist
-- (answers the parts it changed).
SET NOCOUNT ON;
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT id FROM sms_segment
WHERE outbox_id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$')) AND report_stat IS NULL;
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_segment t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE s
SET report_stat = u.stat, report_err = u.error_code, report_at = COALESCE(u.done_at, u.received_at),
    report_received_at = u.received_at, updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id
FROM sms_segment s
JOIN sms_report_unmatched u ON s.carrier_msg_id = u.carrier_msg_id AND s.channel = u.channel
WHERE s.id IN (SELECT id FROM @lock) AND u.matched_at IS NULL AND s.report_stat IS NULL;

-- name: close_unmatched
-- Mark parked reports as matched once their parts carry them.
UPDATE u
SET matched_at = SYSUTCDATETIME(), outbox_id = s.outbox_id, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
FROM sms_report_unmatched u
JOIN sms_segment s ON s.carrier_msg_id = u.carrier_msg_id AND s.channel = u.channel
WHERE s.outbox_id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$'))
  AND u.matched_at IS NULL

-- name: purge_unmatched
-- Forget parked reports received before a time: those matched long ago, and those for ids
-- no part ever had (a gateway's duplicates, or another account's). Run by every engine.
DELETE FROM sms_report_unmatched WHERE received_at < @before

-- name: park_refused
-- Keep one report or reply the database refused, with its reason, for a DBA to read; it is
-- answered to the gateway and never tried again.
INSERT INTO sms_parked (kind, channel, event_json, error_text, received_at, created_by)
VALUES (@kind, @channel, @event_json, @error_text, @received_at, @worker)

-- name: purge_parked
-- Forget refused reports and replies received before a time (engine.parked_days). Run by
-- every engine.
DELETE FROM sms_parked WHERE received_at < @before

-- name: roll_up
-- SUBMITTED -> DELIVERED when every part is DELIVRD, -> FAILED with the first failed stat otherwise.
-- segments becomes the parts the provider billed where it split the text itself (its one
-- part's total), as on PostgreSQL.
SET NOCOUNT ON;
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@ids) WITH (id BIGINT '$');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = CASE WHEN agg.failed_stat IS NULL THEN 3 ELSE 4 END,
    report_stat = COALESCE(agg.failed_stat, 'DELIVRD'), report_at = agg.last_report_at,
    report_received_at = agg.last_received_at, error_code = agg.failed_stat,
    error_text = CASE WHEN agg.failed_stat IS NULL THEN NULL
                      ELSE CONCAT('delivery report ', agg.failed_stat,
                                  ' err ' + agg.failed_err) END,
    segments = CASE WHEN agg.billed > o.segments THEN agg.billed ELSE o.segments END,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
FROM sms_outbox o
JOIN (SELECT outbox_id, COUNT(*) AS parts, COUNT(report_stat) AS reported, MAX(total) AS billed,
             MAX(report_at) AS last_report_at, MAX(report_received_at) AS last_received_at,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_stat END) AS failed_stat,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_err END) AS failed_err
      FROM sms_segment
      WHERE outbox_id IN (SELECT id FROM @lock)
      GROUP BY outbox_id) agg ON o.id = agg.outbox_id
WHERE o.status = 2 AND agg.reported = agg.parts AND agg.parts = o.segments

-- name: save_mo
-- Store uplink replies, correlated to the newest MT to the same number within the window,
-- preferring an MT of the source system whose extension code the reply was sent to.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
INSERT INTO sms_inbox (channel, phone, service_number, content, received_at, outbox_id,
                       source_system, created_by, updated_by)
OUTPUT inserted.id INTO @out (id)
SELECT m.channel, m.phone, m.service_number, m.content, m.received_at, mt.id,
       COALESCE(m.ext_source, mt.source_system), @worker, @worker
FROM OPENJSON(@rows) WITH (
         channel NVARCHAR(32) '$.channel', phone NVARCHAR(32) '$.phone',
         service_number NVARCHAR(32) '$.service_number', content NVARCHAR(MAX) '$.content',
         received_at DATETIME2(3) '$.received_at', ext_source NVARCHAR(32) '$.ext_source') AS m
OUTER APPLY (
    SELECT TOP (1) o.id, o.source_system FROM sms_outbox o
    WHERE o.phone = m.phone AND o.submitted_at IS NOT NULL
      AND o.submitted_at BETWEEN DATEADD(second, -@window, m.received_at) AND m.received_at
      AND (m.ext_source IS NULL OR o.source_system = m.ext_source)
    ORDER BY o.submitted_at DESC) AS mt;
SELECT i.id, i.outbox_id FROM @out x JOIN sms_inbox i ON i.id = x.id ORDER BY i.id

-- name: get_message
-- One message as v_sms_result shows it.
SELECT * FROM v_sms_result WHERE id = @id

-- name: get_segments
-- The parts of one message.
SELECT seq, total, channel, carrier_msg_id, submit_result, submitted_at, report_stat, report_err,
       report_at, report_received_at
FROM sms_segment WHERE outbox_id = @id ORDER BY seq

-- name: status_counts
-- How many messages are in each status.
SELECT s.name, COUNT(o.id) AS messages
FROM sms_status s LEFT JOIN sms_outbox o ON o.status = s.code
GROUP BY s.code, s.name ORDER BY s.code

-- name: schema_present
-- Whether the version table exists (a fresh database has none).
SELECT CASE WHEN OBJECT_ID('sms_schema_version', 'U') IS NULL THEN 0 ELSE 1 END AS present

-- name: applied_migrations
-- Every schema version applied: one merged later with a lower number is still due.
SELECT version FROM sms_schema_version

-- name: schema_version
-- The newest schema version applied.
SELECT COALESCE(MAX(version), 0) AS version FROM sms_schema_version

-- name: put_setting
-- Record a setting the views read (sms_setting), from the engine's configuration.
UPDATE sms_setting SET value = @value, updated_at = SYSUTCDATETIME(), updated_by = SUSER_SNAME()
WHERE name = @name;
IF @@ROWCOUNT = 0 INSERT INTO sms_setting (name, value) VALUES (@name, @value)

-- name: record_migration
-- Remember that a migration was applied.
INSERT INTO sms_schema_version (version, name) VALUES (@version, @name)

-- ---------------------------------------------------------------------------
-- WebService intake and queries, result push to the integration platform.

-- name: enqueue_batch
-- One chunk of a SendBatch: like enqueue, every row tagged with the batch id.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
INSERT INTO sms_outbox (source_system, source_ref, account, dept_code, phone, content, signature,
                        priority, send_at, expire_at, template_code, params,
                        batch_id, created_by, updated_by)
OUTPUT inserted.id INTO @out (id)
SELECT u.source_system, u.source_ref, u.account, u.dept_code, u.phone, u.content, u.signature,
       COALESCE(u.priority, (SELECT p.priority FROM sms_source_profile p
                 WHERE p.source_system = u.source_system), 5),
       u.send_at, u.expire_at, u.template_code, u.params, @batch_id, @actor, @actor
FROM OPENJSON(@rows) WITH (
         source_system NVARCHAR(32) '$.source_system', source_ref NVARCHAR(64) '$.source_ref',
         account NVARCHAR(32) '$.account', dept_code NVARCHAR(32) '$.dept_code',
         phone NVARCHAR(32) '$.phone', content NVARCHAR(MAX) '$.content',
         signature NVARCHAR(32) '$.signature', priority SMALLINT '$.priority',
         send_at DATETIME2(3) '$.send_at', expire_at DATETIME2(3) '$.expire_at',
         template_code NVARCHAR(64) '$.template_code', params NVARCHAR(MAX) '$.params') AS u
WHERE u.source_ref IS NULL
   OR NOT EXISTS (SELECT 1 FROM sms_outbox o WITH (UPDLOCK, HOLDLOCK)
                  WHERE o.source_system = u.source_system AND o.source_ref = u.source_ref);
SELECT id FROM @out

-- name: batch_of_ref
-- The batch id a caller reference already belongs to (a repeated SendBatch answers with it).
SELECT batch_id FROM sms_outbox WHERE source_system = @source_system AND source_ref = @source_ref

-- name: find_by_ids
-- Messages as v_sms_result shows them, with their batch, by outbox id.
SELECT r.*, o.batch_id
FROM v_sms_result r JOIN sms_outbox o ON o.id = r.id
WHERE r.id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$'))
ORDER BY r.id

-- name: find_by_refs
-- Messages as v_sms_result shows them, with their batch, by caller reference.
SELECT r.*, o.batch_id
FROM OPENJSON(@rows) WITH (source_system NVARCHAR(32) '$.source_system',
                           source_ref NVARCHAR(64) '$.source_ref') AS u
JOIN sms_outbox o ON o.source_system = u.source_system AND o.source_ref = u.source_ref
JOIN v_sms_result r ON r.id = o.id
ORDER BY r.id

-- name: cancel_pending
-- PENDING -> CANCELLED at the caller's request; a row already claimed is left alone.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
UPDATE sms_outbox
SET status = 7, error_code = 'CANCELLED', error_text = @reason, updated_at = SYSUTCDATETIME(),
    updated_by = @actor
OUTPUT inserted.id INTO @out (id)
WHERE id = @id AND status = 0;
SELECT id FROM @out

-- name: take_replies
-- MO replies of a source system after a cursor (an inbox id), marked CONSUMED as they are read.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
WITH r AS (SELECT TOP (@limit) * FROM sms_inbox WITH (ROWLOCK, UPDLOCK)
           WHERE source_system = @source_system AND id > @after ORDER BY id)
UPDATE r
SET status = 1, updated_at = SYSUTCDATETIME(), updated_by = @actor
OUTPUT inserted.id INTO @out (id);
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id
FROM @out x JOIN sms_inbox i ON i.id = x.id ORDER BY i.id

-- name: source_modes
-- Every source system using the platform, its mode and how many results await a push.
SELECT m.source_system, m.mode, m.changed_at, m.changed_by, m.reason, m.push_failures,
       m.last_error,
       (SELECT COUNT(*) FROM sms_event e
        WHERE e.source_system = m.source_system AND e.pushed_at IS NULL) AS unpushed
FROM sms_source_mode m ORDER BY m.source_system

-- name: set_source_mode
-- Switch source systems to a mode (creating their rows), with who and why.
MERGE sms_source_mode WITH (HOLDLOCK) AS m
USING (SELECT DISTINCT source_system
       FROM OPENJSON(@rows) WITH (source_system NVARCHAR(32) '$.source_system')) AS u
ON m.source_system = u.source_system
WHEN MATCHED THEN UPDATE
SET mode = @mode, changed_at = SYSUTCDATETIME(), changed_by = @actor, reason = @reason,
    push_failures = 0, updated_at = SYSUTCDATETIME(), updated_by = @actor
WHEN NOT MATCHED THEN INSERT (source_system, mode, changed_by, reason, created_by, updated_by)
VALUES (u.source_system, @mode, @actor, @reason, @actor, @actor)
OUTPUT inserted.source_system;

-- name: register_sources
-- Give configured platform source systems a row (in the given mode) unless they have one.
INSERT INTO sms_source_mode (source_system, mode, changed_by, reason, created_by, updated_by)
OUTPUT inserted.source_system
SELECT DISTINCT u.source_system, @mode, @actor, 'configured', @actor, @actor
FROM OPENJSON(@rows) WITH (source_system NVARCHAR(32) '$.source_system') AS u
WHERE NOT EXISTS (SELECT 1 FROM sms_source_mode m WITH (UPDLOCK, HOLDLOCK)
                  WHERE m.source_system = u.source_system)

-- name: lease_push
-- Take (or keep) the right to push for platform-mode sources no other instance holds.
UPDATE sms_source_mode WITH (ROWLOCK, READPAST)
SET locked_by = @worker,
    locked_until = DATEADD(millisecond, CAST(@lease * 1000 AS int), SYSUTCDATETIME())
OUTPUT inserted.source_system
WHERE mode = 'platform'
  AND (locked_until IS NULL OR locked_until < SYSUTCDATETIME() OR locked_by = @worker)

-- name: unpushed_events
-- The oldest results not pushed yet for one source system, in the order they happened.
SELECT TOP (@limit) id, source_system, kind, outbox_id, inbox_id, source_ref, status,
       report_stat, error_code, error_text, phone, content, service_number, event_at
FROM sms_event
WHERE source_system = @source_system AND pushed_at IS NULL
ORDER BY id

-- name: mark_pushed
-- The platform has this result.
UPDATE sms_event
SET pushed_at = SYSUTCDATETIME(), pushed_by = @worker, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
WHERE id = @id AND pushed_at IS NULL

-- name: consume_pushed_mo
-- An MO reply the platform has is CONSUMED, as if the source system had read it.
UPDATE sms_inbox
SET status = 1, updated_at = SYSUTCDATETIME(), updated_by = @worker
WHERE id = (SELECT inbox_id FROM sms_event WHERE id = @id)

-- name: clear_push_failures
-- A successful push ends the failure streak of its source system.
UPDATE sms_source_mode
SET push_failures = 0, last_error = NULL
WHERE source_system = @source_system AND push_failures > 0

-- name: push_failed
-- Count one more consecutive push failure for a source system.
UPDATE sms_source_mode
SET push_failures = push_failures + 1, last_error = @error, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
OUTPUT inserted.push_failures
WHERE source_system = @source_system

-- ---------------------------------------------------------------------------
-- Resends after failed delivery reports, the report timeout (schema 6).

-- name: accepted_parts
-- Parts of these messages the carrier accepted whose report, if any, is DELIVRD: a retry or a
-- resend submits only the others.
SELECT outbox_id, seq, channel, carrier_msg_id
FROM sms_segment
WHERE outbox_id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$'))
  AND submit_result = '0' AND (report_stat IS NULL OR UPPER(report_stat) = 'DELIVRD')

-- name: failed_reports
-- Messages of these ids whose every part has a report, one of them failed, still SUBMITTED:
-- the resend policy decides whether each goes again or rolls up FAILED.
SELECT o.id, o.phone, o.report_resends, agg.failed_stat, agg.failed_channel
FROM sms_outbox o
JOIN (SELECT outbox_id, COUNT(*) AS parts, COUNT(report_stat) AS reported,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_stat END) AS failed_stat,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN channel END) AS failed_channel
      FROM sms_segment
      WHERE outbox_id IN (SELECT id FROM OPENJSON(@ids) WITH (id BIGINT '$'))
      GROUP BY outbox_id) agg
  ON agg.outbox_id = o.id
WHERE o.status = 2 AND agg.reported = agg.parts AND agg.parts = o.segments
  AND agg.failed_stat IS NOT NULL

-- name: resend_reported
-- SUBMITTED -> PENDING: a failed delivery report sends the message again (its failed parts),
-- from next_attempt_at, preferably through another channel than resend_from.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT DISTINCT id FROM OPENJSON(@rows) WITH (id BIGINT '$.id');
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE o
SET status = 0, report_resends = o.report_resends + 1, resend_from = u.resend_from,
    next_attempt_at = u.next_attempt_at, error_code = u.error_code, error_text = u.error_text,
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (
         id BIGINT '$.id', resend_from NVARCHAR(32) '$.resend_from',
         next_attempt_at DATETIME2(3) '$.next_attempt_at', error_code NVARCHAR(32) '$.error_code',
         error_text NVARCHAR(500) '$.error_text') AS u ON o.id = u.id
WHERE o.status = 2;
SELECT id FROM @out

-- name: expire_reports
-- SUBMITTED -> UNKNOWN: no delivery report came within the timeout (engine.report_timeout_hours).
-- segments becomes the parts the provider billed at submit, as in roll_up.
SET NOCOUNT ON;
DECLARE @out TABLE (id BIGINT);
DECLARE @lock TABLE (id BIGINT PRIMARY KEY);
DECLARE @n INT;
INSERT INTO @lock (id) SELECT id FROM sms_outbox
WHERE status = 2
  AND submitted_at < DATEADD(second, -CAST(@timeout AS bigint), SYSUTCDATETIME());
SELECT @n = COUNT(*) FROM @lock l
INNER LOOP JOIN sms_outbox t WITH (UPDLOCK, ROWLOCK) ON t.id = l.id OPTION (FORCE ORDER);
UPDATE sms_outbox
SET status = 8, error_code = 'NO_REPORT',
    error_text = CONCAT('no delivery report within ', @hours, ' hours of submission'),
    segments = COALESCE((SELECT MAX(s.total) FROM sms_segment s
                         WHERE s.outbox_id = sms_outbox.id AND s.total > sms_outbox.segments),
                        segments),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.id INTO @out (id)
WHERE id IN (SELECT id FROM @lock) AND status = 2;
SELECT id FROM @out

-- ---------------------------------------------------------------------------
-- A channel's connections and rate shared by the engines of one database (schema 6).

-- name: join_channel
-- This engine serves the channel until expires_at (renewed by its heartbeat), holding these.
UPDATE sms_channel_member
SET slots = @slots, rate = @rate,
    expires_at = DATEADD(millisecond, CAST(@ttl * 1000 AS int), SYSUTCDATETIME()),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
WHERE channel = @channel AND worker = @worker;
IF @@ROWCOUNT = 0
INSERT INTO sms_channel_member (channel, worker, slots, rate, expires_at, created_by, updated_by)
VALUES (@channel, @worker, @slots, @rate,
        DATEADD(millisecond, CAST(@ttl * 1000 AS int), SYSUTCDATETIME()), @worker, @worker)

-- name: channel_members
-- The live engines of a channel, in a fixed order (every engine computes the same shares).
SELECT worker FROM sms_channel_member
WHERE channel = @channel AND expires_at > SYSUTCDATETIME()
ORDER BY worker

-- name: leave_channel
-- This engine no longer serves the channel (it stops).
DELETE FROM sms_channel_member WHERE channel = @channel AND worker = @worker

-- name: purge_members
-- Forget engines that stopped renewing before a time (they died).
DELETE FROM sms_channel_member WHERE expires_at < @before

-- name: open_slots
-- The channel's connection slots 0 .. connections-1, created once.
INSERT INTO sms_channel_slot (channel, slot, created_by, updated_by)
SELECT @channel, u.slot, @worker, @worker
FROM OPENJSON(@rows) WITH (slot SMALLINT '$.slot') AS u
WHERE NOT EXISTS (SELECT 1 FROM sms_channel_slot s WITH (UPDLOCK, HOLDLOCK)
                  WHERE s.channel = @channel AND s.slot = u.slot)

-- name: take_slot
-- Hold one slot: free, lapsed (its holder stopped renewing) or already ours.
UPDATE sms_channel_slot
SET worker = @worker, expires_at = DATEADD(millisecond, CAST(@ttl * 1000 AS int), SYSUTCDATETIME()),
    updated_at = SYSUTCDATETIME(), updated_by = @worker
OUTPUT inserted.slot
WHERE channel = @channel AND slot = @slot
  AND (worker IS NULL OR worker = @worker OR expires_at < SYSUTCDATETIME())

-- name: renew_slots
-- Heartbeat: keep the slots this engine still holds; those it answers are its own.
UPDATE sms_channel_slot
SET expires_at = DATEADD(millisecond, CAST(@ttl * 1000 AS int), SYSUTCDATETIME())
OUTPUT inserted.slot
WHERE channel = @channel AND worker = @worker

-- name: release_slot
-- Give a slot up once its link is closed.
UPDATE sms_channel_slot
SET worker = NULL, expires_at = NULL, updated_at = SYSUTCDATETIME(), updated_by = @worker
WHERE channel = @channel AND slot = @slot AND worker = @worker

-- ---------------------------------------------------------------------------
-- Routing rules, channel groups, number overrides, channel modes and health.

-- name: route_version
-- What changes when a rule, group member or override is added, deleted or updated.
SELECT (SELECT count(*) FROM sms_route_rule) AS rules,
       (SELECT max(updated_at) FROM sms_route_rule) AS rules_at,
       (SELECT count(*) FROM sms_channel_group) AS members,
       (SELECT max(updated_at) FROM sms_channel_group) AS members_at,
       (SELECT count(*) FROM sms_number_override) AS overrides,
       (SELECT max(updated_at) FROM sms_number_override) AS overrides_at

-- name: route_rules
-- Every routing rule, in the order they are tried.
SELECT name, position, group_name, operators, provinces, cities, sources, accounts, depts,
       signatures, templates, min_priority, max_priority, enabled
FROM sms_route_rule ORDER BY position, name

-- name: route_members
-- The channels of every group, in failover order.
SELECT group_name, channel, weight, position FROM sms_channel_group
ORDER BY group_name, position, channel

-- name: number_overrides
-- Operator and region of ported numbers (携号转网), over the segment's.
SELECT phone, operator, province, city, note, updated_by, updated_at
FROM sms_number_override ORDER BY phone

-- name: insert_rule
-- Add a routing rule (a change is a delete and an insert, audited by the caller).
INSERT INTO sms_route_rule (name, position, group_name, operators, provinces, cities, sources,
                            accounts, depts, signatures, templates, min_priority, max_priority,
                            enabled, created_by, updated_by)
VALUES (@name, @position, @group_name, @operators, @provinces, @cities,
        @sources, @accounts, @depts, @signatures, @templates, @min_priority,
        @max_priority, @enabled, @actor, @actor)

-- name: delete_rule
-- Remove a routing rule.
DELETE FROM sms_route_rule WHERE name = @name

-- name: insert_member
-- Add a channel to a group.
INSERT INTO sms_channel_group (group_name, channel, weight, position, created_by, updated_by)
VALUES (@group_name, @channel, @weight, @position, @actor, @actor)

-- name: delete_group
-- Remove every channel of a group.
DELETE FROM sms_channel_group WHERE group_name = @group_name

-- name: insert_override
-- Record the operator and region of a ported number.
INSERT INTO sms_number_override (phone, operator, province, city, note, created_by, updated_by)
VALUES (@phone, @operator, @province, @city, @note, @actor, @actor)

-- name: get_override
-- One number's override, if any.
SELECT phone, operator, province, city, note FROM sms_number_override WHERE phone = @phone

-- name: delete_override
-- Forget a number's override.
DELETE FROM sms_number_override WHERE phone = @phone

-- name: audit_route
-- Record who changed a rule, group, override or channel mode, with the row before and after.
INSERT INTO sms_route_audit (changed_by, object, name, before_json, after_json)
VALUES (@actor, @object, @name, @before_json, @after_json)

-- name: route_history
-- The latest audited changes, newest first.
SELECT TOP (@limit) id, changed_at, changed_by, object, name, before_json, after_json
FROM sms_route_audit ORDER BY id DESC

-- name: channel_modes
-- Channels an operator disabled or is draining (the others are ENABLED).
SELECT channel, admin_mode, reason, changed_by, changed_at FROM sms_channel_admin ORDER BY channel

-- name: delete_channel_mode
-- Back to ENABLED (or before a new mode).
DELETE FROM sms_channel_admin WHERE channel = @channel

-- name: insert_channel_mode
-- DISABLED or DRAINING, with who and why.
INSERT INTO sms_channel_admin (channel, admin_mode, reason, changed_by)
VALUES (@channel, @admin_mode, @reason, @actor)

-- name: delete_channel_state
-- Before an engine writes its view of a channel anew.
DELETE FROM sms_channel_state WHERE channel = @channel AND worker = @worker

-- name: insert_channel_state
-- An engine's view of a channel: its state, why, and since when.
INSERT INTO sms_channel_state (channel, worker, state, reason, takes_new, since)
VALUES (@channel, @worker, @state, @reason, @takes_new, @since)

-- name: channel_states
-- Every engine's view of every channel, with how long ago it was written.
SELECT channel, worker, state, reason, takes_new, since, updated_at,
       DATEDIFF_BIG(MILLISECOND, updated_at, SYSUTCDATETIME()) / 1000.0 AS age_seconds
FROM sms_channel_state ORDER BY channel, worker
-- name: oldest_due
-- Monitoring: seconds the first due PENDING row of one priority has waited (a seek on the
-- pending index; none when the priority has no due row).
SELECT TOP (1)
       DATEDIFF_BIG(millisecond, COALESCE(next_attempt_at, send_at, created_at), SYSUTCDATETIME()) / 1000.0
       AS waited
FROM sms_outbox
WHERE status = 0 AND priority = @priority
  AND (send_at IS NULL OR send_at <= SYSUTCDATETIME())
  AND (next_attempt_at IS NULL OR next_attempt_at <= SYSUTCDATETIME())
ORDER BY id

-- name: due_backlog
-- Monitoring: due PENDING rows of a priority range, counted up to `cap` (bounded cost).
SELECT COUNT(*) AS due FROM (
    SELECT TOP (@cap) id FROM sms_outbox
    WHERE status = 0 AND priority BETWEEN @min_priority AND @max_priority
      AND (send_at IS NULL OR send_at <= SYSUTCDATETIME())
      AND (next_attempt_at IS NULL OR next_attempt_at <= SYSUTCDATETIME())
) t

-- name: record_alarm
-- Journal one alarm event (raised, repeated, cleared, test, summary) with its notifications.
INSERT INTO sms_alarm (event_at, worker, alarm, subject, event, message, notified)
VALUES (@event_at, @worker, @alarm, @subject, @event, @message, @notified)

-- name: recent_alarms
-- Alarm events at or after a time, newest first, at most `limit` (`hisms alarm list`, the
-- daily summary).
SELECT TOP (@limit) id, event_at, worker, alarm, subject, event, message, notified
FROM sms_alarm WHERE event_at >= @since
ORDER BY id DESC

-- name: day_totals
-- The daily summary: one day's messages per source system and channel (v_sms_stats_daily).
SELECT source_system, channel, SUM(messages) AS messages, SUM(submitted) AS submitted,
       SUM(delivered) AS delivered, SUM(failed) AS failed
FROM v_sms_stats_daily
WHERE day = CAST(@day AS date)
GROUP BY source_system, channel
ORDER BY source_system, channel


-- ---------------------------------------------------------------------------
-- Content policy (issue 16): the audit trail, source profiles, signatures, templates,
-- the blacklist, sensitive words and the duplicate window.

-- name: audit
-- Append one row to the audit trail; the database fills db_role, and client_ip when the
-- caller gives none (its view of the client's address).
INSERT INTO sms_audit (actor, caller, client_ip, action, object, name, before_json, after_json)
VALUES (@actor, @caller, coalesce(@client_ip, CONVERT(NVARCHAR(64), CONNECTIONPROPERTY('client_net_address'))), @action, @object,
        @name, @before_json, @after_json)

-- name: audit_trail
-- The audit trail, newest first, filtered by object, name, actor, action and time (NULL: any).
SELECT TOP (@limit) id, changed_at, actor, caller, db_role, client_ip, action, object, name, before_json,
       after_json
FROM sms_audit
WHERE (@object IS NULL OR object = @object)
  AND (@name IS NULL OR name = @name)
  AND (@actor IS NULL OR actor = @actor)
  AND (@action IS NULL OR action = @action)
  AND (@since IS NULL OR changed_at >= @since)
  AND (@until IS NULL OR changed_at < @until)
ORDER BY id DESC

-- name: policy_version
-- What changes when a profile, signature, template, blacklist entry or word is added,
-- deleted or updated.
SELECT (SELECT count(*) FROM sms_source_profile) AS profiles,
       (SELECT max(updated_at) FROM sms_source_profile) AS profiles_at,
       (SELECT count(*) FROM sms_account_signature) AS signatures,
       (SELECT max(updated_at) FROM sms_account_signature) AS signatures_at,
       (SELECT count(*) FROM sms_template) AS templates,
       (SELECT max(updated_at) FROM sms_template) AS templates_at,
       (SELECT count(*) FROM sms_blacklist) AS blacklist,
       (SELECT max(updated_at) FROM sms_blacklist) AS blacklist_at,
       (SELECT count(*) FROM sms_sensitive_word) AS words,
       (SELECT max(updated_at) FROM sms_sensitive_word) AS words_at

-- name: profile_rows
-- Every source profile.
SELECT source_system, ext, signature, signature_at, priority, account, dept_code, category,
       blacklist, words, duplicate_seconds, templates
FROM sms_source_profile ORDER BY source_system

-- name: get_profile
-- One source profile, if there is one.
SELECT source_system, ext, signature, signature_at, priority, account, dept_code, category,
       blacklist, words, duplicate_seconds, templates
FROM sms_source_profile WHERE source_system = @source_system

-- name: delete_profile
-- Remove a source profile (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_source_profile WHERE source_system = @source_system

-- name: insert_profile
-- Add a source profile.
INSERT INTO sms_source_profile (source_system, ext, signature, signature_at, priority, account,
    dept_code, category, blacklist, words, duplicate_seconds, templates, created_by, updated_by)
VALUES (@source_system, @ext, @signature, @signature_at, @priority, @account, @dept_code,
        @category, @blacklist, @words, @duplicate_seconds, @templates, @actor, @actor)

-- name: account_signature_rows
-- Every signature of an account.
SELECT account, signature
FROM sms_account_signature ORDER BY account

-- name: get_account_signature
-- One signature of an account, if there is one.
SELECT account, signature
FROM sms_account_signature WHERE account = @account

-- name: delete_account_signature
-- Remove a signature of an account (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_account_signature WHERE account = @account

-- name: insert_account_signature
-- Add a signature of an account.
INSERT INTO sms_account_signature (account, signature, created_by, updated_by)
VALUES (@account, @signature, @actor, @actor)

-- name: template_rows
-- Every template.
SELECT code, body, category, state, note
FROM sms_template ORDER BY code

-- name: get_template
-- One template, if there is one.
SELECT code, body, category, state, note
FROM sms_template WHERE code = @code

-- name: delete_template
-- Remove a template (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_template WHERE code = @code

-- name: insert_template
-- Add a template.
INSERT INTO sms_template (code, body, category, state, note, created_by, updated_by)
VALUES (@code, @body, @category, @state, @note, @actor, @actor)

-- name: word_rows
-- Every sensitive word or allowed term.
SELECT word, allow, note
FROM sms_sensitive_word ORDER BY word

-- name: get_word
-- One sensitive word or allowed term, if there is one.
SELECT word, allow, note
FROM sms_sensitive_word WHERE word = @word

-- name: delete_word
-- Remove a sensitive word or allowed term (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_sensitive_word WHERE word = @word

-- name: insert_word
-- Add a sensitive word or allowed term.
INSERT INTO sms_sensitive_word (word, allow, note, created_by, updated_by)
VALUES (@word, @allow, @note, @actor, @actor)

-- name: blacklist_rows
-- Every blacklist entry, expired ones too (the engine skips those).
SELECT id, phone, prefix, source_system, service_number, categories, reason, inbox_id,
       expire_at, created_at, created_by
FROM sms_blacklist ORDER BY id

-- name: get_blacklist
-- One blacklist entry, if there is one.
SELECT id, phone, prefix, source_system, service_number, categories, reason, inbox_id,
       expire_at, created_at, created_by
FROM sms_blacklist WHERE id = @id

-- name: delete_blacklist
-- Remove a blacklist entry.
DELETE FROM sms_blacklist WHERE id = @id

-- name: insert_blacklist
-- Add a blacklist entry; its id.
INSERT INTO sms_blacklist (phone, prefix, source_system, service_number, categories, reason,
    inbox_id, expire_at, created_by, updated_by)
OUTPUT inserted.id
VALUES (@phone, @prefix, @source_system, @service_number, @categories, @reason, @inbox_id,
        @expire_at, @actor, @actor)

-- name: claim_duplicates
-- Record the first message of each duplicate window (rows sorted by digest: one lock order);
-- a window that has expired is taken over, a live one is left to its first message.
MERGE INTO sms_duplicate WITH (HOLDLOCK) AS d
USING (SELECT * FROM OPENJSON(@rows) WITH (digest NVARCHAR(64) '$.digest',
                                           outbox_id BIGINT '$.outbox_id',
                                           expire_at DATETIME2(3) '$.expire_at')) AS u
ON d.digest = u.digest
WHEN MATCHED AND d.expire_at <= @now THEN
    UPDATE SET outbox_id = u.outbox_id, expire_at = u.expire_at
WHEN NOT MATCHED THEN INSERT (digest, outbox_id, expire_at)
    VALUES (u.digest, u.outbox_id, u.expire_at);

-- name: duplicate_owners
-- The first message of each of these duplicate windows.
SELECT d.digest, d.outbox_id
FROM OPENJSON(@rows) WITH (digest NVARCHAR(64) '$.digest') AS u
JOIN sms_duplicate d ON d.digest = u.digest

-- name: purge_duplicates
-- Forget duplicate windows that ended before a time. Run by every engine.
DELETE FROM sms_duplicate WHERE expire_at < @before

-- name: inbox_reply
-- The number, service number and source system of a stored reply (an unsubscribe's scope).
SELECT phone, service_number, source_system, blacklist_id FROM sms_inbox WHERE id = @id

-- name: unsubscribe_entry
-- The entry an earlier unsubscribe reply of this number added for this scope, if it is
-- still there: a redelivered reply shows it instead of adding another (and its confirmation).
SELECT min(id) AS id FROM sms_blacklist
WHERE phone = @phone AND prefix = 0 AND inbox_id IS NOT NULL
  AND (source_system = @source_system OR (source_system IS NULL AND @source_system IS NULL))
  AND categories = @categories

-- name: mark_unsubscribed
-- Show on a reply the blacklist entry its unsubscribe keyword added.
UPDATE sms_inbox SET blacklist_id = @blacklist_id, updated_at = SYSUTCDATETIME(), updated_by = @worker WHERE id = @id

-- Alarm rules (issue 15): the thresholds `hisms alarm set` changes, and the journal's purge.

-- name: alarm_rule_version
-- What changes when an alarm rule is added, deleted or updated.
SELECT (SELECT count(*) FROM sms_alarm_rule) AS rules,
       (SELECT max(updated_at) FROM sms_alarm_rule) AS rules_at

-- name: alarm_rule_rows
-- Every alarm rule.
SELECT name, enabled, thresholds, repeat_seconds, updated_at, updated_by
FROM sms_alarm_rule ORDER BY name

-- name: get_alarm_rule
-- One alarm rule, if there is one.
SELECT name, enabled, thresholds, repeat_seconds
FROM sms_alarm_rule WHERE name = @name

-- name: delete_alarm_rule
-- Remove an alarm rule (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_alarm_rule WHERE name = @name

-- name: insert_alarm_rule
-- Add an alarm rule.
INSERT INTO sms_alarm_rule (name, enabled, thresholds, repeat_seconds, created_by, updated_by)
VALUES (@name, @enabled, @thresholds, @repeat_seconds, @actor, @actor)

-- name: purge_alarms
-- Forget alarm events older than a time (engine.alarm_days). Run by every engine.
DELETE FROM sms_alarm WHERE event_at < @before

-- ---------------------------------------------------------------------------
-- The socket intake (schema 13): reports and replies sent back over a client's link.

-- name: socket_events
-- Reports (final statuses) and replies of one source system its socket client has not
-- answered yet, recorded since a time, oldest first.
SELECT TOP (@limit) id, source_system, kind, outbox_id, inbox_id, source_ref, status, report_stat,
       error_code, error_text, phone, content, service_number, event_at
FROM sms_event
WHERE source_system = @source_system AND socket_acked_at IS NULL
  AND event_at >= @since AND (kind = 'MO' OR status >= 3)
ORDER BY id

-- name: ack_socket_event
-- The source system's socket client answered this report or reply: never sent again.
UPDATE sms_event
SET socket_acked_at = SYSUTCDATETIME(), socket_acked_by = @worker, updated_at = SYSUTCDATETIME(),
    updated_by = @worker
WHERE id = @id AND socket_acked_at IS NULL

-- name: get_setting
-- One setting the views read (sms_setting), e.g. the time zone `hisms db upgrade` recorded.
SELECT value FROM sms_setting WHERE name = @name

-- name: database_clock
-- The database server's clock in UTC, for `hisms doctor`'s skew check.
SELECT SYSUTCDATETIME() AS now

-- name: has_privilege
-- Whether the connected account may run `privilege` on `table_name`.
SELECT HAS_PERMS_BY_NAME(@table_name, 'OBJECT', @privilege) AS allowed

-- name: data_directory
-- Where the instance creates its data files.
SELECT CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS NVARCHAR(400)) AS path


-- ---------------------------------------------------------------------------
-- Accounts, quotas, the report rollup and billing (issue 17).

-- name: account_rows
-- Every billing account.
SELECT account, name, dept_code, price, prices, daily_quota, monthly_quota, over_quota, enabled
FROM sms_account ORDER BY account

-- name: get_account
-- One billing account, if there is one.
SELECT account, name, dept_code, price, prices, daily_quota, monthly_quota, over_quota, enabled
FROM sms_account WHERE account = @account

-- name: delete_account
-- Remove a billing account (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_account WHERE account = @account

-- name: insert_account
-- Add a billing account.
INSERT INTO sms_account (account, name, dept_code, price, prices, daily_quota, monthly_quota,
                         over_quota, enabled, created_by, updated_by)
VALUES (@account, @name, @dept_code, @price, @prices, @daily_quota,
        @monthly_quota, @over_quota, @enabled, @actor, @actor)

-- name: account_version
-- What changes when an account is added, deleted or updated.
SELECT count(*) AS accounts, max(updated_at) AS accounts_at FROM sms_account

-- name: open_usage
-- The quota counter of an account's day or month, created at 0 when missing.
MERGE INTO sms_account_usage u
USING (SELECT @account AS account, @period AS period, CAST(@starts AS DATE) AS starts  ) n
ON (u.account = n.account AND u.period = n.period AND u.starts = n.starts)
WHEN NOT MATCHED THEN INSERT (account, period, starts) VALUES (n.account, n.period, n.starts);

-- name: take_usage
-- Charge segments to a quota counter only if they fit (the row lock orders the engines).
UPDATE sms_account_usage
SET segments = segments + @segments, updated_at = SYSUTCDATETIME()
WHERE account = @account AND period = @period AND starts = CAST(@starts AS DATE)
  AND segments + @segments <= @quota

-- name: give_usage
-- Give back segments charged to a counter (the month refused what the day took).
UPDATE sms_account_usage
SET segments = segments - @segments, updated_at = SYSUTCDATETIME()
WHERE account = @account AND period = @period AND starts = CAST(@starts AS DATE)

-- name: mark_charged
-- Record on a message what its quotas were charged; a message charged before is not again.
UPDATE sms_outbox SET charged_segments = @segments
WHERE id = @id AND charged_segments IS NULL

-- name: usage_rows
-- Quota counters from a day on (`hisms account usage`).
SELECT account, period, starts, segments FROM sms_account_usage
WHERE starts >= CAST(@since AS DATE) ORDER BY account, period, starts

-- name: rollup_clear
-- `hisms report rebuild`: forget the rollup ...
DELETE FROM sms_rollup

-- name: rollup_reset
-- ... and mark every message not rolled up.
UPDATE sms_outbox SET rolled_status = NULL WHERE rolled_status IS NOT NULL

-- name: rollup_hours
-- The console's day chart: final messages per hour (UTC) and status from local day `since`
-- on (the primary key's leading day: a range, never the whole rollup).
SELECT hour, status, SUM(messages) AS messages
FROM sms_rollup WHERE day >= CAST(@since AS DATE)
GROUP BY hour, status

-- name: rollup_check
-- The rollup per day and status, to compare with the raw rows.
SELECT day, status, SUM(messages) AS messages, SUM(segments) AS segments,
       SUM(submitted) AS submitted
FROM sms_rollup GROUP BY day, status

-- name: inflight
-- Messages not final yet created in [since, until): the reports add them to the rollup's.
SELECT id, status, created_at, account, dept_code, source_system, channel, phone, segments,
       submitted_at, created_by, template_code
FROM sms_outbox
WHERE status IN (0, 1, 2) AND created_at >= @since AND created_at < @until

-- name: statement_rows
-- The reconciliation of one account's submitted messages created in [since, until), with the
-- part rows and the largest total (as on PostgreSQL).
SELECT o.id, o.status, o.segments, o.channel, o.phone, o.submitted_at,
       SUM(CASE WHEN s.submit_result = '0' THEN 1 ELSE 0 END) AS accepted,
       SUM(CASE WHEN UPPER(s.report_stat) = 'DELIVRD' THEN 1 ELSE 0 END) AS delivered,
       COUNT(s.id) AS parts, MAX(s.total) AS billed
FROM sms_outbox o LEFT JOIN sms_segment s ON s.outbox_id = o.id
WHERE o.account = @account AND o.created_at >= @since AND o.created_at < @until
  AND o.submitted_at IS NOT NULL
GROUP BY o.id, o.status, o.segments, o.channel, o.phone, o.submitted_at
ORDER BY o.id

-- name: rollup_days
-- Report rows: the rollup per local day, one dimension (`by`) and status, days [since, until);
-- one account's, or one department's (its dept_code or one of its accounts), or all.
SELECT day, CASE @by WHEN 'account' THEN account WHEN 'dept' THEN dept_code
                     WHEN 'source' THEN source_system WHEN 'channel' THEN channel
                     WHEN 'operator' THEN operator WHEN 'template' THEN template_code
                     WHEN 'intake' THEN intake ELSE '-' END AS dim,
       status, SUM(messages) AS messages, SUM(segments) AS segments,
       SUM(submitted) AS submitted, SUM(submitted_segments) AS submitted_segments
FROM sms_rollup
WHERE day >= CAST(@since AS DATE) AND day < CAST(@until AS DATE)
  AND (@account IS NULL OR account = @account)
  AND (@dept IS NULL OR dept_code = @dept
       OR account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = @dept))
GROUP BY day, CASE @by WHEN 'account' THEN account WHEN 'dept' THEN dept_code
                       WHEN 'source' THEN source_system WHEN 'channel' THEN channel
                       WHEN 'operator' THEN operator WHEN 'template' THEN template_code
                       WHEN 'intake' THEN intake ELSE '-' END, status

-- name: rollup_take
-- The rollup step's work: final messages not rolled up yet, oldest first, locked so that
-- two engines never count one message twice (READPAST: each takes other rows).
SELECT TOP (@limit) id, status, created_at, account, dept_code, source_system, channel, phone,
       segments, submitted_at, created_by, template_code
FROM sms_outbox WITH (ROWLOCK, UPDLOCK, READPAST)
WHERE status >= 3 AND rolled_status IS NULL
ORDER BY id

-- name: rollup_add
-- Add counts to the rollup (one row per hour and dimensions).
MERGE INTO sms_rollup WITH (HOLDLOCK) AS r
USING (SELECT * FROM OPENJSON(@rows) WITH (
           hour DATETIME2(0) '$.hour', day DATE '$.day', account NVARCHAR(32) '$.account',
           dept_code NVARCHAR(32) '$.dept_code', source_system NVARCHAR(32) '$.source_system',
           channel NVARCHAR(32) '$.channel', operator NVARCHAR(16) '$.operator',
           status SMALLINT '$.status', intake NVARCHAR(16) '$.intake',
           template_code NVARCHAR(64) '$.template_code', messages BIGINT '$.messages',
           segments BIGINT '$.segments', submitted BIGINT '$.submitted',
           submitted_segments BIGINT '$.submitted_segments')) AS u
ON r.day = u.day AND r.hour = u.hour AND r.account = u.account AND r.dept_code = u.dept_code
   AND r.source_system = u.source_system AND r.channel = u.channel AND r.operator = u.operator
   AND r.status = u.status AND r.intake = u.intake AND r.template_code = u.template_code
WHEN MATCHED THEN UPDATE SET messages = r.messages + u.messages,
    segments = r.segments + u.segments, submitted = r.submitted + u.submitted,
    submitted_segments = r.submitted_segments + u.submitted_segments
WHEN NOT MATCHED THEN INSERT (hour, day, account, dept_code, source_system, channel, operator,
    status, intake, template_code, messages, segments, submitted, submitted_segments)
    VALUES (u.hour, u.day, u.account, u.dept_code, u.source_system, u.channel, u.operator,
            u.status, u.intake, u.template_code, u.messages, u.segments, u.submitted,
            u.submitted_segments);

-- name: rollup_mark
-- Messages now counted: their status, and the account and department they were counted
-- under when the row had none (the profile's, the default).
UPDATE o
SET rolled_status = o.status, account = COALESCE(o.account, u.account),
    dept_code = COALESCE(o.dept_code, u.dept_code)
FROM sms_outbox o
JOIN OPENJSON(@rows) WITH (id BIGINT '$.id', account NVARCHAR(32) '$.account',
                           dept_code NVARCHAR(32) '$.dept_code') AS u ON o.id = u.id

-- name: mo_hours
-- Replies (MO) received in [since, until) per hour, source system and channel.
SELECT DATEADD(hour, DATEDIFF(hour, 0, received_at), 0) AS hour,
       COALESCE(source_system, '-') AS source_system, channel, COUNT(*) AS messages
FROM sms_inbox
WHERE received_at >= @since AND received_at < @until
GROUP BY DATEADD(hour, DATEDIFF(hour, 0, received_at), 0), COALESCE(source_system, '-'), channel

-- name: mo_hours_of
-- mo_hours of the replies answering one account's or one department's messages (the
-- department's dept_code or one of its accounts): each reply's message by its key.
SELECT DATEADD(hour, DATEDIFF(hour, 0, i.received_at), 0) AS hour,
       COALESCE(i.source_system, '-') AS source_system, i.channel, COUNT(*) AS messages
FROM sms_inbox i JOIN sms_outbox o ON o.id = i.outbox_id
WHERE i.received_at >= @since AND i.received_at < @until
  AND (@account IS NULL OR o.account = @account)
  AND (@dept IS NULL OR o.dept_code = @dept
       OR o.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = @dept))
GROUP BY DATEADD(hour, DATEDIFF(hour, 0, i.received_at), 0), COALESCE(i.source_system, '-'), i.channel

-- name: unmark_charged
-- A message whose segments did not fit its quotas: not charged after all.
UPDATE sms_outbox SET charged_segments = NULL WHERE id = @id

-- name: rollup_day_add
-- Add counts to the daily rollup (one row per local day, dimension, value and status).
MERGE INTO sms_rollup_day WITH (HOLDLOCK) AS r
USING (SELECT * FROM OPENJSON(@rows) WITH (
           day DATE '$.day', dim_name NVARCHAR(16) '$.dim_name',
           dim_value NVARCHAR(64) '$.dim_value', status SMALLINT '$.status',
           messages BIGINT '$.messages', segments BIGINT '$.segments',
           submitted BIGINT '$.submitted', submitted_segments BIGINT '$.submitted_segments')) AS u
ON r.day = u.day AND r.dim_name = u.dim_name AND r.dim_value = u.dim_value
   AND r.status = u.status
WHEN MATCHED THEN UPDATE SET messages = r.messages + u.messages,
    segments = r.segments + u.segments, submitted = r.submitted + u.submitted,
    submitted_segments = r.submitted_segments + u.submitted_segments
WHEN NOT MATCHED THEN INSERT (day, dim_name, dim_value, status, messages, segments, submitted,
    submitted_segments)
    VALUES (u.day, u.dim_name, u.dim_value, u.status, u.messages, u.segments, u.submitted,
            u.submitted_segments);

-- name: rollup_day_clear
-- `hisms report rebuild`: forget the daily rollup too.
DELETE FROM sms_rollup_day

-- name: rollup_day_read
-- Report rows: the daily rollup of one dimension (`by`; none: totals), days [since, until).
SELECT day, dim_value AS dim, status, messages, segments, submitted, submitted_segments
FROM sms_rollup_day
WHERE dim_name = @by AND day >= CAST(@since AS DATE) AND day < CAST(@until AS DATE)

-- name: take_nonce
-- Remember a request nonce unless an engine already has (no row changed = a replay; two
-- engines racing on one nonce: the loser's unique-key error is a replay too, see the store).
INSERT INTO sms_nonce (nonce_key, expires_at)
SELECT @nonce_key, @expires_at
WHERE NOT EXISTS (SELECT 1 FROM sms_nonce WITH (UPDLOCK, HOLDLOCK) WHERE nonce_key = @nonce_key)

-- name: purge_nonces
-- Forget nonces whose request could no longer pass the clock-skew check.
DELETE FROM sms_nonce WHERE expires_at < @before

-- name: claim_mo_id
-- Remember the gateway id of a reply (or part) being stored, unless the channel already has
-- it: no row changed = a copy the gateway sent again, skipped (sms_mo_id; two engines racing
-- on one id: the loser's unique-key error parks its copy, see the store).
INSERT INTO sms_mo_id (channel, gateway_msg_id, received_at)
SELECT @channel, @gateway_msg_id, @received_at
WHERE NOT EXISTS (SELECT 1 FROM sms_mo_id WITH (UPDLOCK, HOLDLOCK)
                  WHERE channel = @channel AND gateway_msg_id = @gateway_msg_id)

-- name: purge_mo_ids
-- Forget the gateway ids of replies received before a time (engine.mo_id_days).
DELETE FROM sms_mo_id WHERE received_at < @before

-- name: trim_events
-- Forget up to `batch` pushed events older than a time (history.event_retention_days).
DELETE TOP (@batch) FROM sms_event WHERE pushed_at IS NOT NULL AND event_at < @before

-- name: create_partitions
-- The tables are not partitioned here: none to create (`hisms db archive` deletes old
-- months in batches).
SELECT NULL AS name WHERE @ahead < 0

-- ---------------------------------------------------------------------------
-- The web console (issue 19): its users, and the searches of its pages.

-- name: user_get
-- One console user, if there is one.
SELECT username, password_hash, user_role, dept_code, display_name, disabled, failed_logins,
       locked_until, password_changed_at, last_login_at
FROM sms_user WHERE username = @username

-- name: user_rows
-- Every console user.
SELECT username, password_hash, user_role, dept_code, display_name, disabled, failed_logins,
       locked_until, password_changed_at, last_login_at, updated_at, updated_by
FROM sms_user ORDER BY username

-- name: insert_user
-- Add a console user (`hisms user add`, the users page; audited by the caller).
INSERT INTO sms_user (username, password_hash, user_role, dept_code, display_name, disabled,
    failed_logins, locked_until, password_changed_at, last_login_at, created_by, updated_by)
VALUES (@username, @password_hash, @user_role, @dept_code, @display_name, @disabled,
        @failed_logins, @locked_until, @password_changed_at, @last_login_at, @actor, @actor)

-- name: update_user
-- Write a console user's row back: a login, a wrong password, a new password, a new role.
UPDATE sms_user SET password_hash = @password_hash, user_role = @user_role,
    dept_code = @dept_code, display_name = @display_name, disabled = @disabled,
    failed_logins = @failed_logins, locked_until = @locked_until,
    password_changed_at = @password_changed_at, last_login_at = @last_login_at,
    updated_at = SYSUTCDATETIME(), updated_by = @actor
WHERE username = @username

-- name: console_messages
-- The messages page: newest first, each filter NULL for any; before_id pages on.
SELECT TOP (@limit) r.id, r.source_system, r.account, r.dept_code, r.phone, r.content, r.priority,
       r.status, r.status_name, r.attempts, r.channel, r.segments, r.created_at, r.send_at,
       r.submitted_at, r.report_stat, r.report_at, r.error_code, r.error_text, o.batch_id
FROM v_sms_result r JOIN sms_outbox o ON o.id = r.id
WHERE (@phone IS NULL OR r.phone = @phone)
  AND (@status IS NULL OR r.status = @status)
  AND (@source_system IS NULL OR r.source_system = @source_system)
  AND (@batch_id IS NULL OR o.batch_id = @batch_id)
  AND (@channel IS NULL OR r.channel = @channel)
  AND (@dept_code IS NULL OR r.dept_code = @dept_code)
  AND (@account IS NULL OR r.account = @account)
  AND (@scope IS NULL OR r.dept_code = @scope
       OR r.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = @scope))
  AND (@since IS NULL OR r.created_at >= @since)
  AND (@until IS NULL OR r.created_at < @until)
  AND (@before_id IS NULL OR r.id < @before_id)
ORDER BY r.id DESC

-- name: console_replies
-- The replies page: MO newest first, with the MT each answers (NULL filters: any).
SELECT TOP (@limit) i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.blacklist_id, o.content AS mt_content, o.dept_code,
       o.account
FROM sms_inbox i LEFT JOIN sms_outbox o ON o.id = i.outbox_id
WHERE (@phone IS NULL OR i.phone = @phone)
  AND (@scope IS NULL OR o.dept_code = @scope
       OR o.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = @scope))
  AND (@since IS NULL OR i.received_at >= @since)
  AND (@until IS NULL OR i.received_at < @until)
ORDER BY i.id DESC

-- name: message_pin
-- The channel a message is pinned to (NULL: routing decides), for its console page.
SELECT pinned_channel FROM sms_outbox WHERE id = @id

-- name: message_replies
-- The replies that answer one message.
SELECT id, phone, service_number, content, received_at, blacklist_id
FROM sms_inbox WHERE outbox_id = @id ORDER BY id

-- name: save_mo_part
-- Store one part of a long reply (MO) until its siblings arrive (sms_mo_part).
INSERT INTO sms_mo_part (channel, phone, service_number, extension, ref, total, seq, content,
                         received_at, created_by)
VALUES (@channel, @phone, @service_number, @extension, @ref, @total, @seq,
        @content, @received_at, @worker)

-- name: mo_part_set
-- The stored parts of one long reply, whichever link or engine received them.
SELECT id, channel, phone, service_number, extension, ref, total, seq, content, received_at
FROM sms_mo_part
WHERE channel = @channel AND phone = @phone
  AND service_number = @service_number AND ref = @ref AND total = @total
ORDER BY seq, id

-- name: mo_parts
-- Every stored part, for the sweep that joins sets completed by two engines at once and
-- stores sets left incomplete.
SELECT id, channel, phone, service_number, extension, ref, total, seq, content, received_at
FROM sms_mo_part ORDER BY channel, phone, service_number, ref, total, seq, id

-- name: take_mo_part
-- Delete one part as its set is stored; a part another engine took first deletes nothing.
DELETE FROM sms_mo_part WHERE id = @id

-- name: mark_mo_partial
-- A reply stored without some of its parts: how many never arrived.
UPDATE sms_inbox SET parts_missing = @missing WHERE id = @id

-- name: contact_rows
-- The address book page: contacts by name, each filter NULL for any (name and phone are
-- LIKE patterns, ! escaping); a page of limit rows after the first skip.
SELECT c.id, c.dept_code, c.name, c.phone, c.note, c.updated_at, c.updated_by
FROM sms_contact c
WHERE (@dept_code IS NULL OR c.dept_code = @dept_code)
  AND (@name IS NULL OR c.name LIKE @name ESCAPE '!')
  AND (@phone IS NULL OR c.phone LIKE @phone ESCAPE '!')
  AND (@group_id IS NULL OR EXISTS (SELECT 1 FROM sms_contact_member m
       WHERE m.contact_id = c.id AND m.group_id = @group_id))
ORDER BY c.name, c.id
OFFSET @skip ROWS FETCH NEXT @limit ROWS ONLY

-- name: contact_count
-- How many contacts the address book page's filters match (as contact_rows).
SELECT COUNT(*) AS n
FROM sms_contact c
WHERE (@dept_code IS NULL OR c.dept_code = @dept_code)
  AND (@name IS NULL OR c.name LIKE @name ESCAPE '!')
  AND (@phone IS NULL OR c.phone LIKE @phone ESCAPE '!')
  AND (@group_id IS NULL OR EXISTS (SELECT 1 FROM sms_contact_member m
       WHERE m.contact_id = c.id AND m.group_id = @group_id))

-- name: get_contact
-- One contact by id.
SELECT id, dept_code, name, phone, note, updated_at, updated_by FROM sms_contact WHERE id = @id

-- name: contact_phones
-- A department's contacts (every one when dept_code is NULL), for an import to match numbers.
SELECT id, dept_code, name, phone, note FROM sms_contact
WHERE (@dept_code IS NULL OR dept_code = @dept_code)

-- name: contact_with_phone
-- The contact holding a number in a department, if any.
SELECT id, name FROM sms_contact WHERE dept_code = @dept_code AND phone = @phone

-- name: insert_contact
-- Add a contact (audited by the caller); its id.
INSERT INTO sms_contact (dept_code, name, phone, note, created_by, updated_by)
OUTPUT inserted.id
VALUES (@dept_code, @name, @phone, @note, @actor, @actor)

-- name: update_contact
-- Change a contact's department, name, number and note.
UPDATE sms_contact SET dept_code = @dept_code, name = @name, phone = @phone,
    note = @note, updated_at = SYSUTCDATETIME(), updated_by = @actor
WHERE id = @id

-- name: delete_contact
-- Remove a contact (its memberships first: delete_contact_members).
DELETE FROM sms_contact WHERE id = @id

-- name: contact_group_rows
-- A department's groups (every one when dept_code is NULL) with their member counts.
SELECT g.id, g.dept_code, g.name, g.updated_at, g.updated_by,
       (SELECT COUNT(*) FROM sms_contact_member m WHERE m.group_id = g.id) AS members
FROM sms_contact_group g
WHERE (@dept_code IS NULL OR g.dept_code = @dept_code)
ORDER BY g.dept_code, g.name

-- name: get_contact_group
-- One group by id.
SELECT id, dept_code, name, updated_at, updated_by FROM sms_contact_group WHERE id = @id

-- name: contact_group_named
-- The group of a department with this name, if any.
SELECT id, dept_code, name FROM sms_contact_group
WHERE dept_code = @dept_code AND name = @name

-- name: insert_contact_group
-- Add a group (audited by the caller); its id.
INSERT INTO sms_contact_group (dept_code, name, created_by, updated_by)
OUTPUT inserted.id
VALUES (@dept_code, @name, @actor, @actor)

-- name: rename_contact_group
-- Rename a group.
UPDATE sms_contact_group SET name = @name, updated_at = SYSUTCDATETIME(), updated_by = @actor
WHERE id = @id

-- name: delete_contact_group
-- Remove a group (its memberships first: delete_group_members).
DELETE FROM sms_contact_group WHERE id = @id

-- name: member_rows
-- Group memberships with the group's name: one contact's, or every one of a department
-- (NULL: any), for the address book page and its export.
SELECT m.contact_id, m.group_id, g.name
FROM sms_contact_member m JOIN sms_contact_group g ON g.id = m.group_id
WHERE (@contact_id IS NULL OR m.contact_id = @contact_id)
  AND (@dept_code IS NULL OR g.dept_code = @dept_code)
ORDER BY g.name

-- name: insert_contact_member
-- Put a contact in a group (the caller checks it is not there yet).
INSERT INTO sms_contact_member (group_id, contact_id, created_by)
VALUES (@group_id, @contact_id, @actor)

-- name: delete_member
-- Take a contact out of a group.
DELETE FROM sms_contact_member WHERE group_id = @group_id AND contact_id = @contact_id

-- name: delete_contact_members
-- Take a contact out of every group (before it is deleted).
DELETE FROM sms_contact_member WHERE contact_id = @contact_id

-- name: delete_group_members
-- Empty a group (before it is deleted).
DELETE FROM sms_contact_member WHERE group_id = @group_id

-- name: group_phones
-- The numbers of a group's members, to send to.
SELECT c.phone
FROM sms_contact_member m JOIN sms_contact c ON c.id = m.contact_id
WHERE m.group_id = @group_id
ORDER BY c.id

-- name: analyze_outbox
-- The planner's statistics of the outbox, after a bench inserted many rows at once.
UPDATE STATISTICS sms_outbox
