-- Named statements of the hisms engine for MySQL 8 / MariaDB 10.6+.
-- Each block starts with `-- name: <name>` and a one-line description.
-- Batched statements take one JSON array of objects (%(rows)s) read with JSON_TABLE, one
-- statement per batch; `JSON_TABLE ... STRAIGHT_JOIN t FORCE INDEX` makes each row a key
-- lookup (a locking scan would lock, and wait for, rows other workers hold).
-- MySQL has no UPDATE ... RETURNING. A block may therefore hold several statements, each
-- ending with `;` at the end of a line, run in order in one transaction: when the first one
-- reads rows (typically locking them, FOR UPDATE), %(locked)s lists their first column for
-- the next ones, and a block whose first statement finds nothing stops there. A block answers
-- the rows of its last SELECT; a lone INSERT/UPDATE answers its affected-row count (rows
-- changed, not matched: an ON DUPLICATE KEY no-op counts 0, which is what intake wants).
-- Every time is UTC: UTC_TIMESTAMP(3), never NOW().
-- A statement that may change several rows of sms_outbox or sms_segment locks them in id
-- order first, so two transactions never wait for each other's rows in opposite orders (a
-- deadlock). InnoDB locks rows as it reads them, whatever the ORDER BY: the lock is a read
-- of the primary key by an IN list (`FORCE INDEX (PRIMARY) WHERE id IN ...`, ascending),
-- after a plain read that found the ids. The claim need not: SKIP LOCKED never waits.

-- name: enqueue
-- Insert messages in the given order; a (source_system, source_ref) already present is kept
-- as it is (idempotent intake). The store reads ids back with lookup_refs / LAST_INSERT_ID().
INSERT INTO sms_outbox (source_system, source_ref, account, dept_code, phone, content, signature,
                        priority, send_at, expire_at, template_code, params,
                        created_by, updated_by)
SELECT u.source_system, u.source_ref, u.account, u.dept_code, u.phone, u.content, u.signature,
       COALESCE(u.priority, (SELECT p.priority FROM sms_source_profile p
                 WHERE p.source_system = u.source_system), 5),
       u.send_at, u.expire_at, u.template_code, u.params, %(actor)s, %(actor)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         ord FOR ORDINALITY,
         source_system VARCHAR(32) PATH '$.source_system', source_ref VARCHAR(64) PATH '$.source_ref',
         account VARCHAR(32) PATH '$.account', dept_code VARCHAR(32) PATH '$.dept_code',
         phone VARCHAR(32) PATH '$.phone', content TEXT PATH '$.content',
         signature VARCHAR(32) PATH '$.signature', priority SMALLINT PATH '$.priority',
         send_at DATETIME(3) PATH '$.send_at', expire_at DATETIME(3) PATH '$.expire_at',
         template_code VARCHAR(64) PATH '$.template_code', params TEXT PATH '$.params')) AS u
ORDER BY u.ord
ON DUPLICATE KEY UPDATE id = id

-- name: pin_message
-- A message just enqueued (same transaction, before any engine sees it) pinned to a channel
-- (NULL: routing decides), preferring another than resend_from (the console's resend).
UPDATE sms_outbox SET pinned_channel = %(pinned_channel)s, resend_from = %(resend_from)s
WHERE id = %(id)s

-- name: lookup_refs
-- Ids of messages by caller reference, to answer a repeated intake with the original id.
SELECT o.id, o.source_system, o.source_ref
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         source_system VARCHAR(32) PATH '$.source_system',
         source_ref VARCHAR(64) PATH '$.source_ref')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (uq_sms_outbox_source)
  ON o.source_system = u.source_system AND o.source_ref = u.source_ref

-- name: claim
-- Lease up to `limit` due PENDING rows of the given priority range, most urgent and oldest first:
-- lock them with SKIP LOCKED (the covering index keeps the scan to due rows), then lease them.
SELECT id FROM sms_outbox FORCE INDEX (ix_sms_outbox_claim)
WHERE status = 0
  AND priority BETWEEN %(min_priority)s AND %(max_priority)s
  AND (send_at IS NULL OR send_at <= UTC_TIMESTAMP(3))
  AND (next_attempt_at IS NULL OR next_attempt_at <= UTC_TIMESTAMP(3))
ORDER BY priority, id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;
UPDATE sms_outbox FORCE INDEX (PRIMARY)
SET status = 1, attempts = attempts + 1, locked_by = %(worker)s,
    locked_until = UTC_TIMESTAMP(3) + INTERVAL %(lease)s SECOND,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE id IN %(locked)s;
SELECT id, attempts AS attempt, source_system, account, dept_code, phone, content, signature,
       template_code, params,
       priority, expire_at, expire_at <= UTC_TIMESTAMP(3) AS expired, resend_from,
       pinned_channel
FROM sms_outbox WHERE id IN %(locked)s

-- name: extend_lease
-- Heartbeat: keep the lease of rows still in flight with this worker (the primary key read
-- by an IN list locks them in id order).
UPDATE sms_outbox FORCE INDEX (PRIMARY)
SET locked_until = UTC_TIMESTAMP(3) + INTERVAL %(lease)s SECOND
WHERE id IN %(ids)s AND status = 1 AND locked_by = %(worker)s

-- name: reclaim_expired
-- Put rows whose worker died (lease passed) back to PENDING: found by the lease index, locked
-- in id order.
SELECT id FROM sms_outbox FORCE INDEX (ix_sms_outbox_lease)
WHERE status = 1 AND locked_until < UTC_TIMESTAMP(3) AND attempts < %(max_attempts)s;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY)
WHERE id IN %(locked)s AND status = 1 AND locked_until < UTC_TIMESTAMP(3)
  AND attempts < %(max_attempts)s
ORDER BY id FOR UPDATE;
UPDATE sms_outbox FORCE INDEX (PRIMARY)
SET status = 0, locked_by = NULL, locked_until = NULL,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE id IN %(locked)s AND status = 1 AND locked_until < UTC_TIMESTAMP(3)
  AND attempts < %(max_attempts)s

-- name: fail_abandoned
-- Rows whose workers died max_attempts times are FAILED rather than tried forever (found by
-- the lease index, locked in id order).
SELECT id FROM sms_outbox FORCE INDEX (ix_sms_outbox_lease)
WHERE status = 1 AND locked_until < UTC_TIMESTAMP(3) AND attempts >= %(max_attempts)s;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY)
WHERE id IN %(locked)s AND status = 1 AND locked_until < UTC_TIMESTAMP(3)
  AND attempts >= %(max_attempts)s
ORDER BY id FOR UPDATE;
UPDATE sms_outbox FORCE INDEX (PRIMARY)
SET status = 4, locked_by = NULL, locked_until = NULL, error_code = 'WORKER_LOST',
    error_text = CONCAT('lease expired ', attempts, ' times without a result'),
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE id IN %(locked)s AND status = 1 AND locked_until < UTC_TIMESTAMP(3)
  AND attempts >= %(max_attempts)s

-- name: mark_submitted
-- SENDING -> SUBMITTED for rows whose every part was accepted, fenced by owner and attempt.
-- The phone is rewritten in its normalised 11-digit form, as sent. The batch's rows are
-- locked in id order, then the third statement answers those the fence lets through.
SELECT u.id FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id')) AS u ORDER BY u.id;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY) WHERE id IN %(locked)s ORDER BY id FOR UPDATE;
SELECT o.id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id', attempt INT PATH '$.attempt')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', attempt INT PATH '$.attempt', phone VARCHAR(32) PATH '$.phone',
           channel VARCHAR(32) PATH '$.channel', segments SMALLINT PATH '$.segments',
           carrier_msg_id VARCHAR(64) PATH '$.carrier_msg_id',
           submitted_at DATETIME(3) PATH '$.submitted_at')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.status = 2, o.phone = u.phone, o.channel = u.channel, o.segments = u.segments,
    o.carrier_msg_id = u.carrier_msg_id, o.submitted_at = u.submitted_at, o.locked_by = NULL,
    o.locked_until = NULL, o.error_code = NULL, o.error_text = NULL,
    o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt

-- name: mark_final
-- SENDING -> FAILED / EXPIRED / REJECTED with the reason, fenced by owner and attempt.
SELECT u.id FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id')) AS u ORDER BY u.id;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY) WHERE id IN %(locked)s ORDER BY id FOR UPDATE;
SELECT o.id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id', attempt INT PATH '$.attempt')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', attempt INT PATH '$.attempt', status SMALLINT PATH '$.status',
           channel VARCHAR(32) PATH '$.channel', error_code VARCHAR(32) PATH '$.error_code',
           error_text VARCHAR(500) PATH '$.error_text')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.status = u.status, o.channel = COALESCE(u.channel, o.channel), o.error_code = u.error_code,
    o.error_text = u.error_text, o.locked_by = NULL, o.locked_until = NULL,
    o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt

-- name: mark_retry
-- SENDING -> PENDING with the next attempt time and the last error, fenced by owner and attempt.
SELECT u.id FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id')) AS u ORDER BY u.id;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY) WHERE id IN %(locked)s ORDER BY id FOR UPDATE;
SELECT o.id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id', attempt INT PATH '$.attempt')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', attempt INT PATH '$.attempt',
           next_attempt_at DATETIME(3) PATH '$.next_attempt_at',
           channel VARCHAR(32) PATH '$.channel', error_code VARCHAR(32) PATH '$.error_code',
           error_text VARCHAR(500) PATH '$.error_text')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.status = 0, o.next_attempt_at = u.next_attempt_at, o.channel = COALESCE(u.channel, o.channel),
    o.error_code = u.error_code, o.error_text = u.error_text, o.locked_by = NULL,
    o.locked_until = NULL, o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt

-- name: mark_waiting
-- SENDING -> PENDING without spending the attempt (attempts - 1): every channel of the
-- message's group is down, disabled or draining. Fenced like mark_retry.
SELECT u.id FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id')) AS u ORDER BY u.id;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY) WHERE id IN %(locked)s ORDER BY id FOR UPDATE;
SELECT o.id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id', attempt INT PATH '$.attempt')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', attempt INT PATH '$.attempt',
           next_attempt_at DATETIME(3) PATH '$.next_attempt_at',
           error_code VARCHAR(32) PATH '$.error_code',
           error_text VARCHAR(500) PATH '$.error_text')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.status = 0, o.attempts = o.attempts - 1, o.next_attempt_at = u.next_attempt_at,
    o.error_code = u.error_code, o.error_text = u.error_text, o.locked_by = NULL,
    o.locked_until = NULL, o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 1 AND o.locked_by = %(worker)s AND o.attempts = u.attempt

-- name: save_segments
-- Record every accepted part; a retried message overwrites its earlier parts.
INSERT INTO sms_segment (outbox_id, seq, total, channel, carrier_msg_id, submit_result,
                         submitted_at, created_by, updated_by)
SELECT u.outbox_id, u.seq, u.total, u.channel, u.carrier_msg_id, u.submit_result, u.submitted_at,
       %(worker)s, %(worker)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         outbox_id BIGINT PATH '$.outbox_id', seq SMALLINT PATH '$.seq',
         total SMALLINT PATH '$.total', channel VARCHAR(32) PATH '$.channel',
         carrier_msg_id VARCHAR(64) PATH '$.carrier_msg_id',
         submit_result VARCHAR(32) PATH '$.submit_result',
         submitted_at DATETIME(3) PATH '$.submitted_at')) AS u
ORDER BY u.outbox_id, u.seq  -- a retried message's parts are updated in one order
ON DUPLICATE KEY UPDATE
    total = u.total, channel = u.channel, carrier_msg_id = u.carrier_msg_id,
    submit_result = u.submit_result, submitted_at = u.submitted_at,
    report_stat = NULL, report_err = NULL, report_at = NULL, report_received_at = NULL,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s

-- name: fence_reports_exclusive
-- A report batch waits for segment write-backs in flight and holds them off (see
-- SqlStore.fence_reports): a row lock on a reference row stands in for PostgreSQL's
-- advisory lock. Plain SELECTs of sms_status are never blocked by it.
SELECT code FROM sms_status WHERE code = 0 FOR UPDATE

-- name: fence_reports_shared
-- Segment write-backs run beside each other, never beside a report batch.
SELECT code FROM sms_status WHERE code = 0 LOCK IN SHARE MODE

-- name: apply_reports
-- Put delivery reports on their parts; the first final report of a part wins. The parts are
-- found, then locked in id order; report_at is the carrier's time, report_received_at ours;
-- total becomes the parts the provider billed when the report says (billed, else NULL:
-- total is kept).
SELECT DISTINCT s.id  -- a part reported twice in one batch counts once
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         channel VARCHAR(32) PATH '$.channel',
         carrier_msg_id VARCHAR(64) PATH '$.carrier_msg_id')) AS r
STRAIGHT_JOIN sms_segment s FORCE INDEX (ix_sms_segment_msg)
  ON s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel
WHERE s.report_stat IS NULL;
SELECT id, outbox_id FROM sms_segment FORCE INDEX (PRIMARY)
WHERE id IN %(locked)s AND report_stat IS NULL
ORDER BY id FOR UPDATE;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           channel VARCHAR(32) PATH '$.channel', carrier_msg_id VARCHAR(64) PATH '$.carrier_msg_id',
           stat VARCHAR(16) PATH '$.stat', error_code VARCHAR(32) PATH '$.error_code',
           done_at DATETIME(3) PATH '$.done_at', received_at DATETIME(3) PATH '$.received_at',
           billed SMALLINT PATH '$.billed')) AS r
STRAIGHT_JOIN sms_segment s FORCE INDEX (ix_sms_segment_msg)
  ON s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel
SET s.report_stat = r.stat, s.report_err = r.error_code,
    s.report_at = COALESCE(r.done_at, r.received_at), s.report_received_at = r.received_at,
    s.total = COALESCE(r.billed, s.total),
    s.updated_at = UTC_TIMESTAMP(3), s.updated_by = %(worker)s
WHERE s.id IN %(locked)s AND s.report_stat IS NULL

-- name: park_unmatched
-- Keep reports whose part is not (yet) known, to match them when the submit result lands.
INSERT INTO sms_report_unmatched (channel, carrier_msg_id, stat, error_code, phone, done_at,
                                  received_at, created_by, updated_by)
SELECT r.channel, r.carrier_msg_id, r.stat, r.error_code, r.phone, r.done_at, r.received_at,
       %(worker)s, %(worker)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         channel VARCHAR(32) PATH '$.channel', carrier_msg_id VARCHAR(64) PATH '$.carrier_msg_id',
         stat VARCHAR(16) PATH '$.stat', error_code VARCHAR(32) PATH '$.error_code',
         phone VARCHAR(32) PATH '$.phone', done_at DATETIME(3) PATH '$.done_at',
         received_at DATETIME(3) PATH '$.received_at')) AS r
WHERE NOT EXISTS (SELECT 1 FROM sms_segment s
                  WHERE s.carrier_msg_id = r.carrier_msg_id AND s.channel = r.channel)

-- name: match_unmatched
-- Apply parked reports to the parts of these messages, now that their submit results exist
-- (the parts found, then locked in id order; the second statement answers them).
SELECT DISTINCT s.id
FROM sms_segment s
JOIN sms_report_unmatched u ON s.carrier_msg_id = u.carrier_msg_id AND s.channel = u.channel
WHERE s.outbox_id IN %(ids)s AND u.matched_at IS NULL AND s.report_stat IS NULL;
SELECT id FROM sms_segment FORCE INDEX (PRIMARY)
WHERE id IN %(locked)s AND report_stat IS NULL
ORDER BY id FOR UPDATE;
UPDATE sms_segment s
JOIN sms_report_unmatched u ON s.carrier_msg_id = u.carrier_msg_id AND s.channel = u.channel
SET s.report_stat = u.stat, s.report_err = u.error_code,
    s.report_at = COALESCE(u.done_at, u.received_at), s.report_received_at = u.received_at,
    s.updated_at = UTC_TIMESTAMP(3), s.updated_by = %(worker)s
WHERE s.id IN %(locked)s AND u.matched_at IS NULL AND s.report_stat IS NULL

-- name: close_unmatched
-- Mark parked reports as matched once their parts carry them.
UPDATE sms_report_unmatched u
JOIN sms_segment s ON s.carrier_msg_id = u.carrier_msg_id AND s.channel = u.channel
SET u.matched_at = UTC_TIMESTAMP(3), u.outbox_id = s.outbox_id,
    u.updated_at = UTC_TIMESTAMP(3), u.updated_by = %(worker)s
WHERE s.outbox_id IN %(ids)s AND u.matched_at IS NULL

-- name: purge_unmatched
-- Forget parked reports received before a time: those matched long ago, and those for ids
-- no part ever had (a gateway's duplicates, or another account's). Run by every engine.
DELETE FROM sms_report_unmatched WHERE received_at < %(before)s

-- name: park_refused
-- Keep one report or reply the database refused, with its reason, for a DBA to read; it is
-- answered to the gateway and never tried again.
INSERT INTO sms_parked (kind, channel, event_json, error_text, received_at, created_by)
VALUES (%(kind)s, %(channel)s, %(event_json)s, %(error_text)s, %(received_at)s, %(worker)s)

-- name: purge_parked
-- Forget refused reports and replies received before a time (engine.parked_days). Run by
-- every engine.
DELETE FROM sms_parked WHERE received_at < %(before)s

-- name: roll_up
-- SUBMITTED -> DELIVERED when every part is DELIVRD, -> FAILED with the first failed stat otherwise.
-- segments becomes the parts the provider billed where it split the text itself (its one
-- part's total), as on PostgreSQL.
-- The messages are locked in id order first.
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY)
WHERE id IN %(ids)s AND status = 2
ORDER BY id FOR UPDATE;
UPDATE sms_outbox o
JOIN (SELECT outbox_id, COUNT(*) AS parts, COUNT(report_stat) AS reported, MAX(total) AS billed,
             MAX(report_at) AS last_report_at, MAX(report_received_at) AS last_received_at,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_stat END) AS failed_stat,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_err END) AS failed_err
      FROM sms_segment WHERE outbox_id IN %(locked)s GROUP BY outbox_id) agg
  ON o.id = agg.outbox_id
SET o.status = CASE WHEN agg.failed_stat IS NULL THEN 3 ELSE 4 END,
    o.report_stat = COALESCE(agg.failed_stat, 'DELIVRD'), o.report_at = agg.last_report_at,
    o.report_received_at = agg.last_received_at,
    o.error_code = agg.failed_stat,
    o.error_text = CASE WHEN agg.failed_stat IS NULL THEN NULL
                        ELSE CONCAT('delivery report ', agg.failed_stat,
                                    COALESCE(CONCAT(' err ', agg.failed_err), '')) END,
    o.segments = CASE WHEN agg.billed > o.segments THEN agg.billed ELSE o.segments END,
    o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 2 AND agg.reported = agg.parts AND agg.parts = o.segments

-- name: save_mo
-- Store ONE uplink reply (the store calls it per reply, so LAST_INSERT_ID() names its row),
-- correlated to the newest MT to the same number within the window, preferring an MT of the
-- source system whose extension code the reply was sent to.
INSERT INTO sms_inbox (channel, phone, service_number, content, received_at, outbox_id,
                       source_system, created_by, updated_by)
SELECT m.channel, m.phone, m.service_number, m.content, m.received_at, mt.id,
       COALESCE(m.ext_source, mt.source_system), %(worker)s, %(worker)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         channel VARCHAR(32) PATH '$.channel', phone VARCHAR(32) PATH '$.phone',
         service_number VARCHAR(32) PATH '$.service_number', content TEXT PATH '$.content',
         received_at DATETIME(3) PATH '$.received_at',
         ext_source VARCHAR(32) PATH '$.ext_source')) AS m
LEFT JOIN sms_outbox mt ON mt.id = (
    SELECT o.id FROM sms_outbox o
    WHERE o.phone = m.phone AND o.submitted_at IS NOT NULL
      AND o.submitted_at BETWEEN m.received_at - INTERVAL %(window)s SECOND AND m.received_at
      AND (m.ext_source IS NULL OR o.source_system = m.ext_source)
    ORDER BY o.submitted_at DESC LIMIT 1);
SELECT id, outbox_id FROM sms_inbox WHERE id = LAST_INSERT_ID()

-- name: get_message
-- One message as v_sms_result shows it.
SELECT * FROM v_sms_result WHERE id = %(id)s

-- name: get_segments
-- The parts of one message.
SELECT seq, total, channel, carrier_msg_id, submit_result, submitted_at, report_stat, report_err,
       report_at, report_received_at
FROM sms_segment WHERE outbox_id = %(id)s ORDER BY seq

-- name: status_counts
-- How many messages are in each status.
SELECT s.name, COUNT(o.id) AS messages
FROM sms_status s LEFT JOIN sms_outbox o ON o.status = s.code
GROUP BY s.code, s.name ORDER BY s.code

-- name: schema_present
-- Whether the version table exists (a fresh database has none).
SELECT COUNT(*) AS present FROM information_schema.tables
WHERE table_schema = DATABASE() AND table_name = 'sms_schema_version'

-- name: applied_migrations
-- Every schema version applied: one merged later with a lower number is still due.
SELECT version FROM sms_schema_version

-- name: schema_version
-- The newest schema version applied.
SELECT COALESCE(MAX(version), 0) AS version FROM sms_schema_version

-- name: put_setting
-- Record a setting the views read (sms_setting), from the engine's configuration.
INSERT INTO sms_setting (name, value) VALUES (%(name)s, %(value)s)
ON DUPLICATE KEY UPDATE
    value = VALUES(value), updated_at = UTC_TIMESTAMP(3), updated_by = LEFT(CURRENT_USER(), 64)

-- name: record_migration
-- Remember that a migration was applied.
INSERT INTO sms_schema_version (version, name) VALUES (%(version)s, %(name)s)

-- ---------------------------------------------------------------------------
-- WebService intake and queries, result push to the integration platform.

-- name: enqueue_batch
-- One chunk of a SendBatch: like enqueue, every row tagged with the batch id. Answers the
-- affected-row count, which counts a kept duplicate as 0 (the session has no FOUND_ROWS).
INSERT INTO sms_outbox (source_system, source_ref, account, dept_code, phone, content, signature,
                        priority, send_at, expire_at, template_code, params,
                        batch_id, created_by, updated_by)
SELECT u.source_system, u.source_ref, u.account, u.dept_code, u.phone, u.content, u.signature,
       COALESCE(u.priority, (SELECT p.priority FROM sms_source_profile p
                 WHERE p.source_system = u.source_system), 5),
       u.send_at, u.expire_at, u.template_code, u.params, %(batch_id)s,
       %(actor)s, %(actor)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         ord FOR ORDINALITY,
         source_system VARCHAR(32) PATH '$.source_system', source_ref VARCHAR(64) PATH '$.source_ref',
         account VARCHAR(32) PATH '$.account', dept_code VARCHAR(32) PATH '$.dept_code',
         phone VARCHAR(32) PATH '$.phone', content TEXT PATH '$.content',
         signature VARCHAR(32) PATH '$.signature', priority SMALLINT PATH '$.priority',
         send_at DATETIME(3) PATH '$.send_at', expire_at DATETIME(3) PATH '$.expire_at',
         template_code VARCHAR(64) PATH '$.template_code', params TEXT PATH '$.params')) AS u
ORDER BY u.ord
ON DUPLICATE KEY UPDATE id = id

-- name: batch_of_ref
-- The batch id a caller reference already belongs to (a repeated SendBatch answers with it).
SELECT batch_id FROM sms_outbox
WHERE source_system = %(source_system)s AND source_ref = %(source_ref)s

-- name: find_by_ids
-- Messages as v_sms_result shows them, with their batch, by outbox id.
SELECT r.*, o.batch_id
FROM v_sms_result r JOIN sms_outbox o ON o.id = r.id
WHERE r.id IN %(ids)s
ORDER BY r.id

-- name: find_by_refs
-- Messages as v_sms_result shows them, with their batch, by caller reference.
SELECT r.*, o.batch_id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         source_system VARCHAR(32) PATH '$.source_system',
         source_ref VARCHAR(64) PATH '$.source_ref')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (uq_sms_outbox_source)
  ON o.source_system = u.source_system AND o.source_ref = u.source_ref
JOIN v_sms_result r ON r.id = o.id
ORDER BY r.id

-- name: cancel_pending
-- PENDING -> CANCELLED at the caller's request; a row already claimed is left alone.
UPDATE sms_outbox
SET status = 7, error_code = 'CANCELLED', error_text = %(reason)s,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(actor)s
WHERE id = %(id)s AND status = 0

-- name: take_replies
-- MO replies of a source system after a cursor (an inbox id), marked CONSUMED as they are read.
SELECT id FROM sms_inbox
WHERE source_system = %(source_system)s AND id > %(after)s
ORDER BY id LIMIT %(limit)s
FOR UPDATE;
UPDATE sms_inbox
SET status = 1, updated_at = UTC_TIMESTAMP(3), updated_by = %(actor)s
WHERE id IN %(locked)s;
SELECT id, channel, phone, service_number, content, received_at, outbox_id
FROM sms_inbox WHERE id IN %(locked)s

-- name: source_modes
-- Every source system using the platform, its mode and how many results await a push.
SELECT m.source_system, m.mode, m.changed_at, m.changed_by, m.reason, m.push_failures,
       m.last_error,
       (SELECT COUNT(*) FROM sms_event e
        WHERE e.source_system = m.source_system AND e.pushed_at IS NULL) AS unpushed
FROM sms_source_mode m ORDER BY m.source_system

-- name: set_source_mode
-- Switch source systems to a mode (creating their rows), with who and why.
INSERT INTO sms_source_mode (source_system, mode, changed_by, reason, created_by, updated_by)
SELECT u.source_system, %(mode)s, %(actor)s, %(reason)s, %(actor)s, %(actor)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (source_system VARCHAR(32) PATH '$.source_system')) AS u
ON DUPLICATE KEY UPDATE
    mode = %(mode)s, changed_at = UTC_TIMESTAMP(3), changed_by = %(actor)s,
    reason = %(reason)s, push_failures = 0, updated_at = UTC_TIMESTAMP(3),
    updated_by = %(actor)s;
SELECT DISTINCT u.source_system
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (source_system VARCHAR(32) PATH '$.source_system')) AS u

-- name: register_sources
-- Give configured platform source systems a row (in the given mode) unless they have one.
SELECT DISTINCT u.source_system
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (source_system VARCHAR(32) PATH '$.source_system')) AS u
WHERE NOT EXISTS (SELECT 1 FROM sms_source_mode m WHERE m.source_system = u.source_system);
INSERT INTO sms_source_mode (source_system, mode, changed_by, reason, created_by, updated_by)
SELECT u.source_system, %(mode)s, %(actor)s, 'configured', %(actor)s, %(actor)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (source_system VARCHAR(32) PATH '$.source_system')) AS u
WHERE u.source_system IN %(locked)s
ON DUPLICATE KEY UPDATE source_system = sms_source_mode.source_system

-- name: lease_push
-- Take (or keep) the right to push for platform-mode sources no other instance holds.
SELECT source_system FROM sms_source_mode
WHERE mode = 'platform'
  AND (locked_until IS NULL OR locked_until < UTC_TIMESTAMP(3) OR locked_by = %(worker)s)
FOR UPDATE SKIP LOCKED;
UPDATE sms_source_mode
SET locked_by = %(worker)s, locked_until = UTC_TIMESTAMP(3) + INTERVAL %(lease)s SECOND
WHERE source_system IN %(locked)s

-- name: unpushed_events
-- The oldest results not pushed yet for one source system, in the order they happened.
SELECT id, source_system, kind, outbox_id, inbox_id, source_ref, status, report_stat,
       error_code, error_text, phone, content, service_number, event_at
FROM sms_event
WHERE source_system = %(source_system)s AND pushed_at IS NULL
ORDER BY id LIMIT %(limit)s

-- name: mark_pushed
-- The platform has this result.
UPDATE sms_event
SET pushed_at = UTC_TIMESTAMP(3), pushed_by = %(worker)s, updated_at = UTC_TIMESTAMP(3),
    updated_by = %(worker)s
WHERE id = %(id)s AND pushed_at IS NULL

-- name: consume_pushed_mo
-- An MO reply the platform has is CONSUMED, as if the source system had read it.
UPDATE sms_inbox
SET status = 1, updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE id = (SELECT inbox_id FROM sms_event WHERE id = %(id)s)

-- name: clear_push_failures
-- A successful push ends the failure streak of its source system.
UPDATE sms_source_mode
SET push_failures = 0, last_error = NULL
WHERE source_system = %(source_system)s AND push_failures > 0

-- name: push_failed
-- Count one more consecutive push failure for a source system.
UPDATE sms_source_mode
SET push_failures = push_failures + 1, last_error = %(error)s,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE source_system = %(source_system)s;
SELECT push_failures FROM sms_source_mode WHERE source_system = %(source_system)s

-- ---------------------------------------------------------------------------
-- Resends after failed delivery reports, the report timeout (schema 6).

-- name: accepted_parts
-- Parts of these messages the carrier accepted whose report, if any, is DELIVRD: a retry or a
-- resend submits only the others.
SELECT outbox_id, seq, channel, carrier_msg_id
FROM sms_segment
WHERE outbox_id IN %(ids)s AND submit_result = '0'
  AND (report_stat IS NULL OR UPPER(report_stat) = 'DELIVRD')

-- name: failed_reports
-- Messages of these ids whose every part has a report, one of them failed, still SUBMITTED:
-- the resend policy decides whether each goes again or rolls up FAILED.
SELECT o.id, o.phone, o.report_resends, agg.failed_stat, agg.failed_channel
FROM sms_outbox o
JOIN (SELECT outbox_id, COUNT(*) AS parts, COUNT(report_stat) AS reported,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN report_stat END) AS failed_stat,
             MIN(CASE WHEN UPPER(report_stat) <> 'DELIVRD' THEN channel END) AS failed_channel
      FROM sms_segment WHERE outbox_id IN %(ids)s GROUP BY outbox_id) agg
  ON agg.outbox_id = o.id
WHERE o.status = 2 AND agg.reported = agg.parts AND agg.parts = o.segments
  AND agg.failed_stat IS NOT NULL

-- name: resend_reported
-- SUBMITTED -> PENDING: a failed delivery report sends the message again (its failed parts),
-- from next_attempt_at, preferably through another channel than resend_from. The rows are
-- locked in id order first.
SELECT u.id FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (id BIGINT PATH '$.id')) AS u ORDER BY u.id;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY) WHERE id IN %(locked)s AND status = 2
ORDER BY id FOR UPDATE;
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', resend_from VARCHAR(32) PATH '$.resend_from',
           next_attempt_at DATETIME(3) PATH '$.next_attempt_at',
           error_code VARCHAR(32) PATH '$.error_code',
           error_text VARCHAR(500) PATH '$.error_text')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.status = 0, o.report_resends = o.report_resends + 1, o.resend_from = u.resend_from,
    o.next_attempt_at = u.next_attempt_at, o.error_code = u.error_code,
    o.error_text = u.error_text, o.updated_at = UTC_TIMESTAMP(3), o.updated_by = %(worker)s
WHERE o.status = 2

-- name: expire_reports
-- SUBMITTED -> UNKNOWN: no delivery report came within the timeout (engine.report_timeout_hours),
-- found by ix_sms_outbox_submitted, locked in id order.
-- segments becomes the parts the provider billed at submit, as in roll_up.
SELECT id FROM sms_outbox FORCE INDEX (ix_sms_outbox_submitted)
WHERE status = 2 AND submitted_at < UTC_TIMESTAMP(3) - INTERVAL %(timeout)s SECOND;
SELECT id FROM sms_outbox FORCE INDEX (PRIMARY)
WHERE id IN %(locked)s AND status = 2
ORDER BY id FOR UPDATE;
UPDATE sms_outbox FORCE INDEX (PRIMARY)
SET status = 8, error_code = 'NO_REPORT',
    error_text = CONCAT('no delivery report within ', %(hours)s, ' hours of submission'),
    segments = COALESCE((SELECT MAX(s.total) FROM sms_segment s
                         WHERE s.outbox_id = sms_outbox.id AND s.total > sms_outbox.segments),
                        segments),
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE id IN %(locked)s AND status = 2

-- ---------------------------------------------------------------------------
-- A channel's connections and rate shared by the engines of one database (schema 6).

-- name: join_channel
-- This engine serves the channel until expires_at (renewed by its heartbeat), holding these.
INSERT INTO sms_channel_member (channel, worker, slots, rate, expires_at, created_by, updated_by)
VALUES (%(channel)s, %(worker)s, %(slots)s, %(rate)s,
        UTC_TIMESTAMP(3) + INTERVAL %(ttl)s SECOND, %(worker)s, %(worker)s)
ON DUPLICATE KEY UPDATE
    slots = VALUES(slots), rate = VALUES(rate), expires_at = VALUES(expires_at),
    updated_at = UTC_TIMESTAMP(3), updated_by = VALUES(updated_by)

-- name: channel_members
-- The live engines of a channel, in a fixed order (every engine computes the same shares).
SELECT worker FROM sms_channel_member
WHERE channel = %(channel)s AND expires_at > UTC_TIMESTAMP(3)
ORDER BY worker

-- name: leave_channel
-- This engine no longer serves the channel (it stops).
DELETE FROM sms_channel_member WHERE channel = %(channel)s AND worker = %(worker)s

-- name: purge_members
-- Forget engines that stopped renewing before a time (they died).
DELETE FROM sms_channel_member WHERE expires_at < %(before)s

-- name: open_slots
-- The channel's connection slots 0 .. connections-1, created once.
INSERT INTO sms_channel_slot (channel, slot, created_by, updated_by)
SELECT %(channel)s, u.slot, %(worker)s, %(worker)s
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (slot SMALLINT PATH '$.slot')) AS u
ON DUPLICATE KEY UPDATE slot = sms_channel_slot.slot

-- name: take_slot
-- Hold one slot: free, lapsed (its holder stopped renewing) or already ours.
SELECT slot FROM sms_channel_slot
WHERE channel = %(channel)s AND slot = %(slot)s
  AND (worker IS NULL OR worker = %(worker)s OR expires_at < UTC_TIMESTAMP(3))
FOR UPDATE;
UPDATE sms_channel_slot
SET worker = %(worker)s, expires_at = UTC_TIMESTAMP(3) + INTERVAL %(ttl)s SECOND,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE channel = %(channel)s AND slot IN %(locked)s;
SELECT slot FROM sms_channel_slot WHERE channel = %(channel)s AND slot IN %(locked)s

-- name: renew_slots
-- Heartbeat: keep the slots this engine still holds; those it answers are its own.
SELECT slot FROM sms_channel_slot
WHERE channel = %(channel)s AND worker = %(worker)s
FOR UPDATE;
UPDATE sms_channel_slot
SET expires_at = UTC_TIMESTAMP(3) + INTERVAL %(ttl)s SECOND
WHERE channel = %(channel)s AND slot IN %(locked)s;
SELECT slot FROM sms_channel_slot WHERE channel = %(channel)s AND slot IN %(locked)s

-- name: release_slot
-- Give a slot up once its link is closed.
UPDATE sms_channel_slot
SET worker = NULL, expires_at = NULL, updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s
WHERE channel = %(channel)s AND slot = %(slot)s AND worker = %(worker)s

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
VALUES (%(name)s, %(position)s, %(group_name)s, %(operators)s, %(provinces)s, %(cities)s,
        %(sources)s, %(accounts)s, %(depts)s, %(signatures)s, %(templates)s, %(min_priority)s,
        %(max_priority)s, %(enabled)s, %(actor)s, %(actor)s)

-- name: delete_rule
-- Remove a routing rule.
DELETE FROM sms_route_rule WHERE name = %(name)s

-- name: insert_member
-- Add a channel to a group.
INSERT INTO sms_channel_group (group_name, channel, weight, position, created_by, updated_by)
VALUES (%(group_name)s, %(channel)s, %(weight)s, %(position)s, %(actor)s, %(actor)s)

-- name: delete_group
-- Remove every channel of a group.
DELETE FROM sms_channel_group WHERE group_name = %(group_name)s

-- name: insert_override
-- Record the operator and region of a ported number.
INSERT INTO sms_number_override (phone, operator, province, city, note, created_by, updated_by)
VALUES (%(phone)s, %(operator)s, %(province)s, %(city)s, %(note)s, %(actor)s, %(actor)s)

-- name: get_override
-- One number's override, if any.
SELECT phone, operator, province, city, note FROM sms_number_override WHERE phone = %(phone)s

-- name: delete_override
-- Forget a number's override.
DELETE FROM sms_number_override WHERE phone = %(phone)s

-- name: audit_route
-- Record who changed a rule, group, override or channel mode, with the row before and after.
INSERT INTO sms_route_audit (changed_by, object, name, before_json, after_json)
VALUES (%(actor)s, %(object)s, %(name)s, %(before_json)s, %(after_json)s)

-- name: route_history
-- The latest audited changes, newest first.
SELECT id, changed_at, changed_by, object, name, before_json, after_json
FROM sms_route_audit ORDER BY id DESC LIMIT %(limit)s

-- name: channel_modes
-- Channels an operator disabled or is draining (the others are ENABLED).
SELECT channel, admin_mode, reason, changed_by, changed_at FROM sms_channel_admin ORDER BY channel

-- name: delete_channel_mode
-- Back to ENABLED (or before a new mode).
DELETE FROM sms_channel_admin WHERE channel = %(channel)s

-- name: insert_channel_mode
-- DISABLED or DRAINING, with who and why.
INSERT INTO sms_channel_admin (channel, admin_mode, reason, changed_by)
VALUES (%(channel)s, %(admin_mode)s, %(reason)s, %(actor)s)

-- name: delete_channel_state
-- Before an engine writes its view of a channel anew.
DELETE FROM sms_channel_state WHERE channel = %(channel)s AND worker = %(worker)s

-- name: insert_channel_state
-- An engine's view of a channel: its state, why, and since when.
INSERT INTO sms_channel_state (channel, worker, state, reason, takes_new, since)
VALUES (%(channel)s, %(worker)s, %(state)s, %(reason)s, %(takes_new)s, %(since)s)

-- name: channel_states
-- Every engine's view of every channel, with how long ago it was written.
SELECT channel, worker, state, reason, takes_new, since, updated_at,
       TIMESTAMPDIFF(MICROSECOND, updated_at, UTC_TIMESTAMP(3)) / 1e6 AS age_seconds
FROM sms_channel_state ORDER BY channel, worker
-- name: oldest_due
-- Monitoring: seconds the first due PENDING row of one priority has waited (a seek on the
-- pending index; none when the priority has no due row).
SELECT TIMESTAMPDIFF(MICROSECOND, COALESCE(next_attempt_at, send_at, created_at),
                     UTC_TIMESTAMP(3)) / 1000000 AS waited
FROM sms_outbox
WHERE status = 0 AND priority = %(priority)s
  AND (send_at IS NULL OR send_at <= UTC_TIMESTAMP(3))
  AND (next_attempt_at IS NULL OR next_attempt_at <= UTC_TIMESTAMP(3))
ORDER BY id
LIMIT 1

-- name: due_backlog
-- Monitoring: due PENDING rows of a priority range, counted up to `cap` (bounded cost).
SELECT count(*) AS due FROM (
    SELECT 1 FROM sms_outbox
    WHERE status = 0 AND priority BETWEEN %(min_priority)s AND %(max_priority)s
      AND (send_at IS NULL OR send_at <= UTC_TIMESTAMP(3))
      AND (next_attempt_at IS NULL OR next_attempt_at <= UTC_TIMESTAMP(3))
    LIMIT %(cap)s
) t

-- name: record_alarm
-- Journal one alarm event (raised, repeated, cleared, test, summary) with its notifications.
INSERT INTO sms_alarm (event_at, worker, alarm, subject, event, message, notified)
VALUES (%(event_at)s, %(worker)s, %(alarm)s, %(subject)s, %(event)s, %(message)s, %(notified)s)

-- name: recent_alarms
-- Alarm events at or after a time, newest first, at most `limit` (`hisms alarm list`, the
-- daily summary).
SELECT id, event_at, worker, alarm, subject, event, message, notified
FROM sms_alarm WHERE event_at >= %(since)s
ORDER BY id DESC
LIMIT %(limit)s

-- name: day_totals
-- The daily summary: one day's messages per source system and channel (v_sms_stats_daily).
SELECT source_system, channel, SUM(messages) AS messages, SUM(submitted) AS submitted,
       SUM(delivered) AS delivered, SUM(failed) AS failed
FROM v_sms_stats_daily
WHERE day = %(day)s
GROUP BY source_system, channel
ORDER BY source_system, channel


-- ---------------------------------------------------------------------------
-- Content policy (issue 16): the audit trail, source profiles, signatures, templates,
-- the blacklist, sensitive words and the duplicate window.

-- name: audit
-- Append one row to the audit trail; the database fills db_role, and client_ip when the
-- caller gives none (its view of the client's address).
INSERT INTO sms_audit (actor, caller, client_ip, action, object, name, before_json, after_json)
VALUES (%(actor)s, %(caller)s, coalesce(%(client_ip)s, SUBSTRING_INDEX(USER(), '@', -1)), %(action)s, %(object)s,
        %(name)s, %(before_json)s, %(after_json)s)

-- name: audit_trail
-- The audit trail, newest first, filtered by object, name, actor, action and time (NULL: any).
SELECT id, changed_at, actor, caller, db_role, client_ip, action, object, name, before_json,
       after_json
FROM sms_audit
WHERE (%(object)s IS NULL OR object = %(object)s)
  AND (%(name)s IS NULL OR name = %(name)s)
  AND (%(actor)s IS NULL OR actor = %(actor)s)
  AND (%(action)s IS NULL OR action = %(action)s)
  AND (%(since)s IS NULL OR changed_at >= %(since)s)
  AND (%(until)s IS NULL OR changed_at < %(until)s)
ORDER BY id DESC LIMIT %(limit)s

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
FROM sms_source_profile WHERE source_system = %(source_system)s

-- name: delete_profile
-- Remove a source profile (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_source_profile WHERE source_system = %(source_system)s

-- name: insert_profile
-- Add a source profile.
INSERT INTO sms_source_profile (source_system, ext, signature, signature_at, priority, account,
    dept_code, category, blacklist, words, duplicate_seconds, templates, created_by, updated_by)
VALUES (%(source_system)s, %(ext)s, %(signature)s, %(signature_at)s, %(priority)s,
        %(account)s, %(dept_code)s, %(category)s, %(blacklist)s, %(words)s,
        %(duplicate_seconds)s, %(templates)s, %(actor)s, %(actor)s)

-- name: account_signature_rows
-- Every signature of an account.
SELECT account, signature
FROM sms_account_signature ORDER BY account

-- name: get_account_signature
-- One signature of an account, if there is one.
SELECT account, signature
FROM sms_account_signature WHERE account = %(account)s

-- name: delete_account_signature
-- Remove a signature of an account (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_account_signature WHERE account = %(account)s

-- name: insert_account_signature
-- Add a signature of an account.
INSERT INTO sms_account_signature (account, signature, created_by, updated_by)
VALUES (%(account)s, %(signature)s, %(actor)s, %(actor)s)

-- name: template_rows
-- Every template.
SELECT code, body, category, state, note
FROM sms_template ORDER BY code

-- name: get_template
-- One template, if there is one.
SELECT code, body, category, state, note
FROM sms_template WHERE code = %(code)s

-- name: delete_template
-- Remove a template (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_template WHERE code = %(code)s

-- name: insert_template
-- Add a template.
INSERT INTO sms_template (code, body, category, state, note, created_by, updated_by)
VALUES (%(code)s, %(body)s, %(category)s, %(state)s, %(note)s, %(actor)s, %(actor)s)

-- name: word_rows
-- Every sensitive word or allowed term.
SELECT word, allow, note
FROM sms_sensitive_word ORDER BY word

-- name: get_word
-- One sensitive word or allowed term, if there is one.
SELECT word, allow, note
FROM sms_sensitive_word WHERE word = %(word)s

-- name: delete_word
-- Remove a sensitive word or allowed term (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_sensitive_word WHERE word = %(word)s

-- name: insert_word
-- Add a sensitive word or allowed term.
INSERT INTO sms_sensitive_word (word, allow, note, created_by, updated_by)
VALUES (%(word)s, %(allow)s, %(note)s, %(actor)s, %(actor)s)

-- name: blacklist_rows
-- Every blacklist entry, expired ones too (the engine skips those).
SELECT id, phone, prefix, source_system, service_number, categories, reason, inbox_id,
       expire_at, created_at, created_by
FROM sms_blacklist ORDER BY id

-- name: get_blacklist
-- One blacklist entry, if there is one.
SELECT id, phone, prefix, source_system, service_number, categories, reason, inbox_id,
       expire_at, created_at, created_by
FROM sms_blacklist WHERE id = %(id)s

-- name: delete_blacklist
-- Remove a blacklist entry.
DELETE FROM sms_blacklist WHERE id = %(id)s

-- name: insert_blacklist
-- Add a blacklist entry; its id.
INSERT INTO sms_blacklist (phone, prefix, source_system, service_number, categories, reason,
    inbox_id, expire_at, created_by, updated_by)
VALUES (%(phone)s, %(prefix)s, %(source_system)s, %(service_number)s, %(categories)s,
        %(reason)s, %(inbox_id)s, %(expire_at)s, %(actor)s, %(actor)s);
SELECT LAST_INSERT_ID() AS id

-- name: claim_duplicates
-- Record the first message of each duplicate window (rows sorted by digest: one lock order);
-- a window that has expired is taken over, a live one is left to its first message. The
-- outbox_id assignment reads the old expire_at: it is assigned first.
INSERT INTO sms_duplicate (digest, outbox_id, expire_at)
SELECT u.digest, u.outbox_id, u.expire_at
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         digest VARCHAR(64) PATH '$.digest', outbox_id BIGINT PATH '$.outbox_id',
         expire_at DATETIME(3) PATH '$.expire_at')) AS u
ON DUPLICATE KEY UPDATE
    outbox_id = IF(sms_duplicate.expire_at <= %(now)s, VALUES(outbox_id), sms_duplicate.outbox_id),
    expire_at = IF(sms_duplicate.expire_at <= %(now)s, VALUES(expire_at), sms_duplicate.expire_at)

-- name: duplicate_owners
-- The first message of each of these duplicate windows.
SELECT d.digest, d.outbox_id
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (digest VARCHAR(64) PATH '$.digest')) AS u
JOIN sms_duplicate d ON d.digest = u.digest

-- name: purge_duplicates
-- Forget duplicate windows that ended before a time. Run by every engine.
DELETE FROM sms_duplicate WHERE expire_at < %(before)s

-- name: inbox_reply
-- The number, service number and source system of a stored reply (an unsubscribe's scope).
SELECT phone, service_number, source_system, blacklist_id FROM sms_inbox WHERE id = %(id)s

-- name: unsubscribe_entry
-- The entry an earlier unsubscribe reply of this number added for this scope, if it is
-- still there: a redelivered reply shows it instead of adding another (and its confirmation).
SELECT min(id) AS id FROM sms_blacklist
WHERE phone = %(phone)s AND prefix = 0 AND inbox_id IS NOT NULL
  AND source_system <=> %(source_system)s AND categories = %(categories)s

-- name: mark_unsubscribed
-- Show on a reply the blacklist entry its unsubscribe keyword added.
UPDATE sms_inbox SET blacklist_id = %(blacklist_id)s, updated_at = UTC_TIMESTAMP(3), updated_by = %(worker)s WHERE id = %(id)s

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
FROM sms_alarm_rule WHERE name = %(name)s

-- name: delete_alarm_rule
-- Remove an alarm rule (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_alarm_rule WHERE name = %(name)s

-- name: insert_alarm_rule
-- Add an alarm rule.
INSERT INTO sms_alarm_rule (name, enabled, thresholds, repeat_seconds, created_by, updated_by)
VALUES (%(name)s, %(enabled)s, %(thresholds)s, %(repeat_seconds)s, %(actor)s, %(actor)s)

-- name: purge_alarms
-- Forget alarm events older than a time (engine.alarm_days). Run by every engine.
DELETE FROM sms_alarm WHERE event_at < %(before)s

-- ---------------------------------------------------------------------------
-- The socket intake (schema 13): reports and replies sent back over a client's link.

-- name: socket_events
-- Reports (final statuses) and replies of one source system its socket client has not
-- answered yet, recorded since a time, oldest first.
SELECT id, source_system, kind, outbox_id, inbox_id, source_ref, status, report_stat,
       error_code, error_text, phone, content, service_number, event_at
FROM sms_event
WHERE source_system = %(source_system)s AND socket_acked_at IS NULL
  AND event_at >= %(since)s AND (kind = 'MO' OR status >= 3)
ORDER BY id LIMIT %(limit)s

-- name: ack_socket_event
-- The source system's socket client answered this report or reply: never sent again.
UPDATE sms_event
SET socket_acked_at = UTC_TIMESTAMP(3), socket_acked_by = %(worker)s, updated_at = UTC_TIMESTAMP(3),
    updated_by = %(worker)s
WHERE id = %(id)s AND socket_acked_at IS NULL

-- name: get_setting
-- One setting the views read (sms_setting), e.g. the time zone `hisms db upgrade` recorded.
SELECT value FROM sms_setting WHERE name = %(name)s

-- name: database_clock
-- The database server's clock in UTC, for `hisms doctor`'s skew check.
SELECT UTC_TIMESTAMP(6) AS now

-- name: has_privilege
-- Whether the connected account holds `privilege` on `table_name` of this database, granted
-- globally, on the database or on the table (roles are not followed: grant to the account).
SELECT COUNT(*) AS allowed FROM (
    SELECT privilege_type, grantee FROM information_schema.user_privileges
    UNION ALL
    SELECT privilege_type, grantee FROM information_schema.schema_privileges
    WHERE table_schema = DATABASE()
    UNION ALL
    SELECT privilege_type, grantee FROM information_schema.table_privileges
    WHERE table_schema = DATABASE() AND table_name = %(table_name)s
) granted
WHERE privilege_type = %(privilege)s
  AND grantee = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                       SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')

-- name: data_directory
-- Where the server keeps its files.
SELECT @@datadir AS path


-- ---------------------------------------------------------------------------
-- Accounts, quotas, the report rollup and billing (issue 17).

-- name: account_rows
-- Every billing account.
SELECT account, name, dept_code, price, prices, daily_quota, monthly_quota, over_quota, enabled
FROM sms_account ORDER BY account

-- name: get_account
-- One billing account, if there is one.
SELECT account, name, dept_code, price, prices, daily_quota, monthly_quota, over_quota, enabled
FROM sms_account WHERE account = %(account)s

-- name: delete_account
-- Remove a billing account (a change is a delete and an insert, audited by the caller).
DELETE FROM sms_account WHERE account = %(account)s

-- name: insert_account
-- Add a billing account.
INSERT INTO sms_account (account, name, dept_code, price, prices, daily_quota, monthly_quota,
                         over_quota, enabled, created_by, updated_by)
VALUES (%(account)s, %(name)s, %(dept_code)s, %(price)s, %(prices)s, %(daily_quota)s,
        %(monthly_quota)s, %(over_quota)s, %(enabled)s, %(actor)s, %(actor)s)

-- name: account_version
-- What changes when an account is added, deleted or updated.
SELECT count(*) AS accounts, max(updated_at) AS accounts_at FROM sms_account

-- name: open_usage
-- The quota counter of an account's day or month, created at 0 when missing.
INSERT IGNORE INTO sms_account_usage (account, period, starts)
VALUES (%(account)s, %(period)s, %(starts)s)

-- name: take_usage
-- Charge segments to a quota counter only if they fit (the row lock orders the engines).
UPDATE sms_account_usage
SET segments = segments + %(segments)s, updated_at = UTC_TIMESTAMP(3)
WHERE account = %(account)s AND period = %(period)s AND starts = %(starts)s
  AND segments + %(segments)s <= %(quota)s

-- name: give_usage
-- Give back segments charged to a counter (the month refused what the day took).
UPDATE sms_account_usage
SET segments = segments - %(segments)s, updated_at = UTC_TIMESTAMP(3)
WHERE account = %(account)s AND period = %(period)s AND starts = %(starts)s

-- name: mark_charged
-- Record on a message what its quotas were charged; a message charged before is not again.
UPDATE sms_outbox SET charged_segments = %(segments)s
WHERE id = %(id)s AND charged_segments IS NULL

-- name: usage_rows
-- Quota counters from a day on (`hisms account usage`).
SELECT account, period, starts, segments FROM sms_account_usage
WHERE starts >= %(since)s ORDER BY account, period, starts

-- name: rollup_take
-- The rollup step's work: final messages not rolled up yet, oldest first, locked so that
-- two engines never count one message twice (SKIP LOCKED: each takes other rows).
SELECT id, status, created_at, account, dept_code, source_system, channel, phone, segments,
       submitted_at, created_by, template_code
FROM sms_outbox FORCE INDEX (ix_sms_outbox_unrolled)
WHERE rolled_status IS NULL AND status >= 3
ORDER BY id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED

-- name: rollup_add
-- Add counts to the rollup (one row per hour and dimensions).
INSERT INTO sms_rollup (hour, day, account, dept_code, source_system, channel, operator, status,
                        intake, template_code, messages, segments, submitted, submitted_segments)
SELECT u.hour, u.day, u.account, u.dept_code, u.source_system, u.channel, u.operator, u.status,
       u.intake, u.template_code, u.messages, u.segments, u.submitted, u.submitted_segments
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         hour DATETIME PATH '$.hour', day DATE PATH '$.day',
         account VARCHAR(32) PATH '$.account', dept_code VARCHAR(32) PATH '$.dept_code',
         source_system VARCHAR(32) PATH '$.source_system', channel VARCHAR(32) PATH '$.channel',
         operator VARCHAR(16) PATH '$.operator', status SMALLINT PATH '$.status',
         intake VARCHAR(16) PATH '$.intake', template_code VARCHAR(64) PATH '$.template_code',
         messages BIGINT PATH '$.messages', segments BIGINT PATH '$.segments',
         submitted BIGINT PATH '$.submitted',
         submitted_segments BIGINT PATH '$.submitted_segments')) AS u
ON DUPLICATE KEY UPDATE
    messages = sms_rollup.messages + VALUES(messages),
    segments = sms_rollup.segments + VALUES(segments),
    submitted = sms_rollup.submitted + VALUES(submitted),
    submitted_segments = sms_rollup.submitted_segments + VALUES(submitted_segments)

-- name: rollup_mark
-- Messages now counted: their status, and the account and department they were counted
-- under when the row had none (the profile's, the default).
UPDATE JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
           id BIGINT PATH '$.id', account VARCHAR(32) PATH '$.account',
           dept_code VARCHAR(32) PATH '$.dept_code')) AS u
STRAIGHT_JOIN sms_outbox o FORCE INDEX (PRIMARY) ON o.id = u.id
SET o.rolled_status = o.status, o.account = COALESCE(o.account, u.account),
    o.dept_code = COALESCE(o.dept_code, u.dept_code)

-- name: rollup_clear
-- `hisms report rebuild`: forget the rollup ...
DELETE FROM sms_rollup

-- name: rollup_reset
-- ... and mark every message not rolled up.
UPDATE sms_outbox SET rolled_status = NULL WHERE rolled_status IS NOT NULL

-- name: rollup_days
-- Report rows: the rollup per local day, one dimension (`by`) and status, days [since, until);
-- one account's, or one department's (its dept_code or one of its accounts), or all.
SELECT day, CASE %(by)s WHEN 'account' THEN account WHEN 'dept' THEN dept_code
                        WHEN 'source' THEN source_system WHEN 'channel' THEN channel
                        WHEN 'operator' THEN operator WHEN 'template' THEN template_code
                        WHEN 'intake' THEN intake ELSE '-' END AS dim,
       status, SUM(messages) AS messages, SUM(segments) AS segments,
       SUM(submitted) AS submitted, SUM(submitted_segments) AS submitted_segments
FROM sms_rollup
WHERE day >= %(since)s AND day < %(until)s AND (%(account)s IS NULL OR account = %(account)s)
  AND (%(dept)s IS NULL OR dept_code = %(dept)s
       OR account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = %(dept)s))
GROUP BY 1, 2, 3

-- name: rollup_hours
-- The console's day chart: final messages per hour (UTC) and status from local day `since`
-- on (the primary key's leading day: a range, never the whole rollup).
SELECT hour, status, SUM(messages) AS messages
FROM sms_rollup WHERE day >= %(since)s
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
WHERE status IN (0, 1, 2) AND created_at >= %(since)s AND created_at < %(until)s

-- name: mo_hours
-- Replies (MO) received in [since, until) per hour, source system and channel.
SELECT DATE_FORMAT(received_at, '%%Y-%%m-%%d %%H:00:00') AS hour,
       COALESCE(source_system, '-') AS source_system, channel, COUNT(*) AS messages
FROM sms_inbox
WHERE received_at >= %(since)s AND received_at < %(until)s
GROUP BY 1, 2, 3

-- name: mo_hours_of
-- mo_hours of the replies answering one account's or one department's messages (the
-- department's dept_code or one of its accounts): each reply's message by its key.
SELECT DATE_FORMAT(i.received_at, '%%Y-%%m-%%d %%H:00:00') AS hour,
       COALESCE(i.source_system, '-') AS source_system, i.channel, COUNT(*) AS messages
FROM sms_inbox i JOIN sms_outbox o ON o.id = i.outbox_id
WHERE i.received_at >= %(since)s AND i.received_at < %(until)s
  AND (%(account)s IS NULL OR o.account = %(account)s)
  AND (%(dept)s IS NULL OR o.dept_code = %(dept)s
       OR o.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = %(dept)s))
GROUP BY 1, 2, 3

-- name: statement_rows
-- The reconciliation of one account's submitted messages created in [since, until), with the
-- part rows and the largest total (as on PostgreSQL).
SELECT o.id, o.status, o.segments, o.channel, o.phone, o.submitted_at,
       SUM(s.submit_result = '0') AS accepted,
       SUM(UPPER(s.report_stat) = 'DELIVRD') AS delivered,
       COUNT(s.id) AS parts, MAX(s.total) AS billed
FROM sms_outbox o LEFT JOIN sms_segment s ON s.outbox_id = o.id
WHERE o.account = %(account)s AND o.created_at >= %(since)s AND o.created_at < %(until)s
  AND o.submitted_at IS NOT NULL
GROUP BY o.id, o.status, o.segments, o.channel, o.phone, o.submitted_at
ORDER BY o.id

-- name: unmark_charged
-- A message whose segments did not fit its quotas: not charged after all.
UPDATE sms_outbox SET charged_segments = NULL WHERE id = %(id)s

-- name: rollup_day_add
-- Add counts to the daily rollup (one row per local day, dimension, value and status).
INSERT INTO sms_rollup_day (day, dim_name, dim_value, status, messages, segments, submitted,
                            submitted_segments)
SELECT u.day, u.dim_name, u.dim_value, u.status, u.messages, u.segments, u.submitted,
       u.submitted_segments
FROM JSON_TABLE(%(rows)s, '$[*]' COLUMNS (
         day DATE PATH '$.day', dim_name VARCHAR(16) PATH '$.dim_name',
         dim_value VARCHAR(64) PATH '$.dim_value', status SMALLINT PATH '$.status',
         messages BIGINT PATH '$.messages', segments BIGINT PATH '$.segments',
         submitted BIGINT PATH '$.submitted',
         submitted_segments BIGINT PATH '$.submitted_segments')) AS u
ON DUPLICATE KEY UPDATE
    messages = sms_rollup_day.messages + VALUES(messages),
    segments = sms_rollup_day.segments + VALUES(segments),
    submitted = sms_rollup_day.submitted + VALUES(submitted),
    submitted_segments = sms_rollup_day.submitted_segments + VALUES(submitted_segments)

-- name: rollup_day_clear
-- `hisms report rebuild`: forget the daily rollup too.
DELETE FROM sms_rollup_day

-- name: rollup_day_read
-- Report rows: the daily rollup of one dimension (`by`; none: totals), days [since, until).
SELECT day, dim_value AS dim, status, messages, segments, submitted, submitted_segments
FROM sms_rollup_day
WHERE dim_name = %(by)s AND day >= %(since)s AND day < %(until)s

-- name: take_nonce
-- Remember a request nonce unless an engine already has (no row changed = a replay; the
-- no-op update changes nothing, and INSERT IGNORE would hide other errors).
INSERT INTO sms_nonce (nonce_key, expires_at) VALUES (%(nonce_key)s, %(expires_at)s)
ON DUPLICATE KEY UPDATE nonce_key = nonce_key

-- name: purge_nonces
-- Forget nonces whose request could no longer pass the clock-skew check.
DELETE FROM sms_nonce WHERE expires_at < %(before)s

-- name: claim_mo_id
-- Remember the gateway id of a reply (or part) being stored, unless the channel already has
-- it: no row changed = a copy the gateway sent again, skipped (sms_mo_id; the no-op update
-- changes nothing, and INSERT IGNORE would hide other errors).
INSERT INTO sms_mo_id (channel, gateway_msg_id, received_at)
VALUES (%(channel)s, %(gateway_msg_id)s, %(received_at)s)
ON DUPLICATE KEY UPDATE channel = channel

-- name: purge_mo_ids
-- Forget the gateway ids of replies received before a time (engine.mo_id_days).
DELETE FROM sms_mo_id WHERE received_at < %(before)s

-- name: trim_events
-- Forget up to `batch` pushed events older than a time (history.event_retention_days).
DELETE FROM sms_event WHERE pushed_at IS NOT NULL AND event_at < %(before)s
ORDER BY event_at LIMIT %(batch)s

-- name: create_partitions
-- The tables are not partitioned here: none to create (`hisms db archive` deletes old
-- months in batches).
SELECT NULL AS name FROM DUAL WHERE %(ahead)s < 0

-- ---------------------------------------------------------------------------
-- The web console (issue 19): its users, and the searches of its pages.

-- name: user_get
-- One console user, if there is one.
SELECT username, password_hash, user_role, dept_code, display_name, disabled, failed_logins,
       locked_until, password_changed_at, last_login_at
FROM sms_user WHERE username = %(username)s

-- name: user_rows
-- Every console user.
SELECT username, password_hash, user_role, dept_code, display_name, disabled, failed_logins,
       locked_until, password_changed_at, last_login_at, updated_at, updated_by
FROM sms_user ORDER BY username

-- name: insert_user
-- Add a console user (`hisms user add`, the users page; audited by the caller).
INSERT INTO sms_user (username, password_hash, user_role, dept_code, display_name, disabled,
    failed_logins, locked_until, password_changed_at, last_login_at, created_by, updated_by)
VALUES (%(username)s, %(password_hash)s, %(user_role)s, %(dept_code)s, %(display_name)s, %(disabled)s,
        %(failed_logins)s, %(locked_until)s, %(password_changed_at)s, %(last_login_at)s, %(actor)s, %(actor)s)

-- name: update_user
-- Write a console user's row back: a login, a wrong password, a new password, a new role.
UPDATE sms_user SET password_hash = %(password_hash)s, user_role = %(user_role)s,
    dept_code = %(dept_code)s, display_name = %(display_name)s, disabled = %(disabled)s,
    failed_logins = %(failed_logins)s, locked_until = %(locked_until)s,
    password_changed_at = %(password_changed_at)s, last_login_at = %(last_login_at)s,
    updated_at = UTC_TIMESTAMP(3), updated_by = %(actor)s
WHERE username = %(username)s

-- name: console_messages
-- The messages page: newest first, each filter NULL for any; before_id pages on.
SELECT r.id, r.source_system, r.account, r.dept_code, r.phone, r.content, r.priority,
       r.status, r.status_name, r.attempts, r.channel, r.segments, r.created_at, r.send_at,
       r.submitted_at, r.report_stat, r.report_at, r.error_code, r.error_text, o.batch_id
FROM v_sms_result r JOIN sms_outbox o ON o.id = r.id
WHERE (%(phone)s IS NULL OR r.phone = %(phone)s)
  AND (%(status)s IS NULL OR r.status = %(status)s)
  AND (%(source_system)s IS NULL OR r.source_system = %(source_system)s)
  AND (%(batch_id)s IS NULL OR o.batch_id = %(batch_id)s)
  AND (%(channel)s IS NULL OR r.channel = %(channel)s)
  AND (%(dept_code)s IS NULL OR r.dept_code = %(dept_code)s)
  AND (%(account)s IS NULL OR r.account = %(account)s)
  AND (%(scope)s IS NULL OR r.dept_code = %(scope)s
       OR r.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = %(scope)s))
  AND (%(since)s IS NULL OR r.created_at >= %(since)s)
  AND (%(until)s IS NULL OR r.created_at < %(until)s)
  AND (%(before_id)s IS NULL OR r.id < %(before_id)s)
ORDER BY r.id DESC
LIMIT %(limit)s

-- name: console_replies
-- The replies page: MO newest first, with the MT each answers (NULL filters: any).
SELECT i.id, i.channel, i.phone, i.service_number, i.content, i.received_at, i.outbox_id,
       i.source_system, i.status, i.blacklist_id, o.content AS mt_content, o.dept_code,
       o.account
FROM sms_inbox i LEFT JOIN sms_outbox o ON o.id = i.outbox_id
WHERE (%(phone)s IS NULL OR i.phone = %(phone)s)
  AND (%(scope)s IS NULL OR o.dept_code = %(scope)s
       OR o.account IN (SELECT a.account FROM sms_account a WHERE a.dept_code = %(scope)s))
  AND (%(since)s IS NULL OR i.received_at >= %(since)s)
  AND (%(until)s IS NULL OR i.received_at < %(until)s)
ORDER BY i.id DESC
LIMIT %(limit)s

-- name: message_pin
-- The channel a message is pinned to (NULL: routing decides), for its console page.
SELECT pinned_channel FROM sms_outbox WHERE id = %(id)s

-- name: message_replies
-- The replies that answer one message.
SELECT id, phone, service_number, content, received_at, blacklist_id
FROM sms_inbox WHERE outbox_id = %(id)s ORDER BY id

-- name: save_mo_part
-- Store one part of a long reply (MO) until its siblings arrive (sms_mo_part).
INSERT INTO sms_mo_part (channel, phone, service_number, extension, ref, total, seq, content,
                         received_at, created_by)
VALUES (%(channel)s, %(phone)s, %(service_number)s, %(extension)s, %(ref)s, %(total)s, %(seq)s,
        %(content)s, %(received_at)s, %(worker)s)

-- name: mo_part_set
-- The stored parts of one long reply, whichever link or engine received them.
SELECT id, channel, phone, service_number, extension, ref, total, seq, content, received_at
FROM sms_mo_part
WHERE channel = %(channel)s AND phone = %(phone)s
  AND service_number = %(service_number)s AND ref = %(ref)s AND total = %(total)s
ORDER BY seq, id

-- name: mo_parts
-- Every stored part, for the sweep that joins sets completed by two engines at once and
-- stores sets left incomplete.
SELECT id, channel, phone, service_number, extension, ref, total, seq, content, received_at
FROM sms_mo_part ORDER BY channel, phone, service_number, ref, total, seq, id

-- name: take_mo_part
-- Delete one part as its set is stored; a part another engine took first deletes nothing.
DELETE FROM sms_mo_part WHERE id = %(id)s

-- name: mark_mo_partial
-- A reply stored without some of its parts: how many never arrived.
UPDATE sms_inbox SET parts_missing = %(missing)s WHERE id = %(id)s

-- name: contact_rows
-- The address book page: contacts by name, each filter NULL for any (name and phone are
-- LIKE patterns, ! escaping); a page of limit rows after the first skip.
SELECT c.id, c.dept_code, c.name, c.phone, c.note, c.updated_at, c.updated_by
FROM sms_contact c
WHERE (%(dept_code)s IS NULL OR c.dept_code = %(dept_code)s)
  AND (%(name)s IS NULL OR c.name LIKE %(name)s ESCAPE '!')
  AND (%(phone)s IS NULL OR c.phone LIKE %(phone)s ESCAPE '!')
  AND (%(group_id)s IS NULL OR EXISTS (SELECT 1 FROM sms_contact_member m
       WHERE m.contact_id = c.id AND m.group_id = %(group_id)s))
ORDER BY c.name, c.id
LIMIT %(limit)s OFFSET %(skip)s

-- name: contact_count
-- How many contacts the address book page's filters match (as contact_rows).
SELECT COUNT(*) AS n
FROM sms_contact c
WHERE (%(dept_code)s IS NULL OR c.dept_code = %(dept_code)s)
  AND (%(name)s IS NULL OR c.name LIKE %(name)s ESCAPE '!')
  AND (%(phone)s IS NULL OR c.phone LIKE %(phone)s ESCAPE '!')
  AND (%(group_id)s IS NULL OR EXISTS (SELECT 1 FROM sms_contact_member m
       WHERE m.contact_id = c.id AND m.group_id = %(group_id)s))

-- name: get_contact
-- One contact by id.
SELECT id, dept_code, name, phone, note, updated_at, updated_by FROM sms_contact WHERE id = %(id)s

-- name: contact_phones
-- A department's contacts (every one when dept_code is NULL), for an import to match numbers.
SELECT id, dept_code, name, phone, note FROM sms_contact
WHERE (%(dept_code)s IS NULL OR dept_code = %(dept_code)s)

-- name: contact_with_phone
-- The contact holding a number in a department, if any.
SELECT id, name FROM sms_contact WHERE dept_code = %(dept_code)s AND phone = %(phone)s

-- name: insert_contact
-- Add a contact (audited by the caller); its id.
INSERT INTO sms_contact (dept_code, name, phone, note, created_by, updated_by)
VALUES (%(dept_code)s, %(name)s, %(phone)s, %(note)s, %(actor)s, %(actor)s);
SELECT LAST_INSERT_ID() AS id

-- name: update_contact
-- Change a contact's department, name, number and note.
UPDATE sms_contact SET dept_code = %(dept_code)s, name = %(name)s, phone = %(phone)s,
    note = %(note)s, updated_at = UTC_TIMESTAMP(3), updated_by = %(actor)s
WHERE id = %(id)s

-- name: delete_contact
-- Remove a contact (its memberships first: delete_contact_members).
DELETE FROM sms_contact WHERE id = %(id)s

-- name: contact_group_rows
-- A department's groups (every one when dept_code is NULL) with their member counts.
SELECT g.id, g.dept_code, g.name, g.updated_at, g.updated_by,
       (SELECT COUNT(*) FROM sms_contact_member m WHERE m.group_id = g.id) AS members
FROM sms_contact_group g
WHERE (%(dept_code)s IS NULL OR g.dept_code = %(dept_code)s)
ORDER BY g.dept_code, g.name

-- name: get_contact_group
-- One group by id.
SELECT id, dept_code, name, updated_at, updated_by FROM sms_contact_group WHERE id = %(id)s

-- name: contact_group_named
-- The group of a department with this name, if any.
SELECT id, dept_code, name FROM sms_contact_group
WHERE dept_code = %(dept_code)s AND name = %(name)s

-- name: insert_contact_group
-- Add a group (audited by the caller); its id.
INSERT INTO sms_contact_group (dept_code, name, created_by, updated_by)
VALUES (%(dept_code)s, %(name)s, %(actor)s, %(actor)s);
SELECT LAST_INSERT_ID() AS id

-- name: rename_contact_group
-- Rename a group.
UPDATE sms_contact_group SET name = %(name)s, updated_at = UTC_TIMESTAMP(3), updated_by = %(actor)s
WHERE id = %(id)s

-- name: delete_contact_group
-- Remove a group (its memberships first: delete_group_members).
DELETE FROM sms_contact_group WHERE id = %(id)s

-- name: member_rows
-- Group memberships with the group's name: one contact's, or every one of a department
-- (NULL: any), for the address book page and its export.
SELECT m.contact_id, m.group_id, g.name
FROM sms_contact_member m JOIN sms_contact_group g ON g.id = m.group_id
WHERE (%(contact_id)s IS NULL OR m.contact_id = %(contact_id)s)
  AND (%(dept_code)s IS NULL OR g.dept_code = %(dept_code)s)
ORDER BY g.name

-- name: insert_contact_member
-- Put a contact in a group (the caller checks it is not there yet).
INSERT INTO sms_contact_member (group_id, contact_id, created_by)
VALUES (%(group_id)s, %(contact_id)s, %(actor)s)

-- name: delete_member
-- Take a contact out of a group.
DELETE FROM sms_contact_member WHERE group_id = %(group_id)s AND contact_id = %(contact_id)s

-- name: delete_contact_members
-- Take a contact out of every group (before it is deleted).
DELETE FROM sms_contact_member WHERE contact_id = %(contact_id)s

-- name: delete_group_members
-- Empty a group (before it is deleted).
DELETE FROM sms_contact_member WHERE group_id = %(group_id)s

-- name: group_phones
-- The numbers of a group's members, to send to.
SELECT c.phone
FROM sms_contact_member m JOIN sms_contact c ON c.id = m.contact_id
WHERE m.group_id = %(group_id)s
ORDER BY c.id

-- name: analyze_outbox
-- The planner's statistics of the outbox, after a bench inserted many rows at once.
ANALYZE TABLE sms_outbox
