-- Least privilege for MySQL / MariaDB. Run as an administrator after `hisms db init`;
-- replace hisms_db with the database name and set the passwords.
-- hisms_engine: the engine; hisms_his: the account of one source system (HIS) that inserts its
-- messages and reads their results and replies, nothing else. Another source system gets an
-- account like hisms_his: see "An account per source system" in DATABASES.md.
CREATE USER IF NOT EXISTS 'hisms_engine'@'%' IDENTIFIED BY 'change-me';
CREATE USER IF NOT EXISTS 'hisms_his'@'%' IDENTIFIED BY 'change-me';

GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_outbox TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_segment TO 'hisms_engine'@'%';
-- DELETE: the engine's hourly purge of parked reports (engine.unmatched_report_days).
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_report_unmatched TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_inbox TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_source_mode TO 'hisms_engine'@'%';
-- DELETE: the engines trim pushed events older than history.event_retention_days.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_event TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_setting TO 'hisms_engine'@'%';
-- Reports and replies the database refused: parked, read by a DBA, purged after engine.parked_days.
GRANT SELECT, INSERT, DELETE ON hisms_db.sms_parked TO 'hisms_engine'@'%';
-- Routing: the engine reads rules, groups, overrides and operators' modes, and writes its
-- view of each channel's health. (Changing routing is the schema owner's: `hisms route`.)
GRANT SELECT ON hisms_db.sms_route_rule TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_channel_group TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_number_override TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_channel_admin TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, DELETE ON hisms_db.sms_channel_state TO 'hisms_engine'@'%';
-- Connection slots and rate shared by the engines of a channel.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_channel_member TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_channel_slot TO 'hisms_engine'@'%';
-- Alarm events (raised, repeated, cleared, tests, summaries): written, read by `hisms alarm list`,
-- purged after engine.alarm_days.
GRANT SELECT, INSERT, DELETE ON hisms_db.sms_alarm TO 'hisms_engine'@'%';
-- Alarm rules: read by every engine; changed by `hisms alarm set` (the owner).
GRANT SELECT ON hisms_db.sms_alarm_rule TO 'hisms_engine'@'%';

-- Billing accounts (read), the quota counters (charged) and the report rollup (kept);
-- accounts and `hisms report rebuild` are the schema owner's.
GRANT SELECT ON hisms_db.sms_account TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_account_usage TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_rollup TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_rollup_day TO 'hisms_engine'@'%';

-- Request nonces of the JSON API and the WebService: taken once (INSERT ... ON DUPLICATE KEY
-- UPDATE, which needs UPDATE), purged once expired.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_nonce TO 'hisms_engine'@'%';
-- The gateway ids of stored replies: claimed as each is stored (UPDATE: the claim is an
-- ON DUPLICATE KEY no-op), purged after engine.mo_id_days.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_mo_id TO 'hisms_engine'@'%';
-- The parts of long replies waiting for their siblings (any engine joins them).
GRANT SELECT, INSERT, DELETE ON hisms_db.sms_mo_part TO 'hisms_engine'@'%';
-- Console users: the console (in hisms run or hisms console) logs them in and changes them.
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_user TO 'hisms_engine'@'%';
-- The console's address book: its pages and imports add, change and delete contacts, groups
-- and memberships (each change audited).
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_contact TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_contact_group TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_contact_member TO 'hisms_engine'@'%';
-- UPDATE only so that MySQL 8 allows SELECT ... FOR UPDATE on it (the report fence);
-- the engine never changes sms_status.
GRANT SELECT, UPDATE ON hisms_db.sms_status TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_schema_version TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.v_sms_result TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.v_sms_stats_daily TO 'hisms_engine'@'%';

-- Content policy: the engine reads profiles, signatures, templates and words, adds the
-- blacklist entries of unsubscribe replies, keeps the duplicate window, and appends to the
-- audit trail. Nobody is granted UPDATE or DELETE on sms_audit (a trigger refuses them too);
-- policy changes are the schema owner's.
GRANT SELECT, INSERT ON hisms_db.sms_audit TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_source_profile TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_account_signature TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_template TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_sensitive_word TO 'hisms_engine'@'%';
GRANT SELECT, INSERT ON hisms_db.sms_blacklist TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms_db.sms_duplicate TO 'hisms_engine'@'%';

-- A source system inserts only the columns it may set (the engine's columns keep their
-- defaults) and only for its own source systems (sms_source_account); its id is
-- LAST_INSERT_ID(). It reads its own rows through the v_my_ views, never updates or deletes.
GRANT INSERT (source_system, source_ref, account, dept_code, phone, content, signature,
              priority, send_at, expire_at, template_code, params) ON hisms_db.sms_outbox TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.v_my_sms_result TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.v_my_sms_inbox TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.v_sms_stats_daily TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.sms_status TO 'hisms_his'@'%';
INSERT INTO hisms_db.sms_source_account (db_user, source_system) VALUES ('hisms_his', 'HIS');

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
