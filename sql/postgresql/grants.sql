-- Least privilege for PostgreSQL (also KingbaseES). Run as the schema owner after `hisms db init`.
-- hisms_engine: the engine (claims, writes results); hisms_his: the account of one source system
-- (HIS) that inserts its messages and reads their results and replies, nothing else.
-- Passwords are the DBA's. Another source system gets an account like hisms_his: see
-- "An account per source system" in DATABASES.md.
CREATE ROLE hisms_engine LOGIN;
CREATE ROLE hisms_his LOGIN;

GRANT USAGE ON SCHEMA public TO hisms_engine, hisms_his;

GRANT SELECT, INSERT, UPDATE ON sms_outbox, sms_segment, sms_inbox, sms_source_mode, sms_event,
    sms_setting TO hisms_engine;
-- DELETE on sms_event: the engines trim pushed events (history.event_retention_days).
-- sms_outbox_ref: intake answers a repeated reference with the original id; the engines
-- create the coming months' partitions through sms_create_partitions (SECURITY DEFINER).
GRANT DELETE ON sms_event TO hisms_engine;
GRANT SELECT ON sms_outbox_ref, sms_partitioned, v_sms_partition TO hisms_engine;
GRANT EXECUTE ON FUNCTION sms_create_partitions(integer, timestamptz) TO hisms_engine;
-- DELETE: the engine's hourly purge of parked reports (engine.unmatched_report_days).
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_report_unmatched TO hisms_engine;
GRANT SELECT ON sms_status, sms_schema_version, v_sms_result, v_sms_stats_daily TO hisms_engine;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hisms_engine;
-- Reports and replies the database refused: parked, read by a DBA, purged after engine.parked_days.
GRANT SELECT, INSERT, DELETE ON sms_parked TO hisms_engine;
-- Routing: the engine reads rules, groups, overrides and operators' modes, and writes its
-- view of each channel's health. (Changing routing is the schema owner's: `hisms route`.)
GRANT SELECT ON sms_route_rule, sms_channel_group, sms_number_override, sms_channel_admin TO hisms_engine;
GRANT SELECT, INSERT, DELETE ON sms_channel_state TO hisms_engine;
-- Connection slots and rate shared by the engines of a channel.
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_channel_member, sms_channel_slot TO hisms_engine;
-- Alarm events (raised, repeated, cleared, tests, summaries): written, read by `hisms alarm list`,
-- purged after engine.alarm_days.
GRANT SELECT, INSERT, DELETE ON sms_alarm TO hisms_engine;
-- Alarm rules: read by every engine; changed by `hisms alarm set` (the owner).
GRANT SELECT ON sms_alarm_rule TO hisms_engine;
-- Request nonces of the JSON API and the WebService: taken once, purged once expired.
GRANT SELECT, INSERT, DELETE ON sms_nonce TO hisms_engine;
-- The gateway ids of stored replies: claimed as each is stored, purged after engine.mo_id_days.
GRANT SELECT, INSERT, DELETE ON sms_mo_id TO hisms_engine;
-- The parts of long replies waiting for their siblings (any engine joins them).
GRANT SELECT, INSERT, DELETE ON sms_mo_part TO hisms_engine;
-- Console users: the console (in hisms run or hisms console) logs them in and changes them.
GRANT SELECT, INSERT, UPDATE ON sms_user TO hisms_engine;
-- The console's address book: its pages and imports add, change and delete contacts, groups
-- and memberships (each change audited).
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_contact, sms_contact_group, sms_contact_member TO hisms_engine;

-- Billing accounts (read), the quota counters (charged) and the report rollup (kept);
-- accounts and `hisms report rebuild` are the schema owner's.
GRANT SELECT ON sms_account TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON sms_account_usage, sms_rollup, sms_rollup_day TO hisms_engine;

-- Content policy: the engine reads profiles, signatures, templates and words, adds the
-- blacklist entries of unsubscribe replies, keeps the duplicate window, and appends to the
-- audit trail. Nobody is granted UPDATE or DELETE on sms_audit (a trigger refuses them too);
-- policy changes are the schema owner's.
GRANT SELECT, INSERT ON sms_audit TO hisms_engine;
GRANT SELECT ON sms_source_profile, sms_account_signature, sms_template, sms_sensitive_word TO hisms_engine;
GRANT SELECT, INSERT ON sms_blacklist TO hisms_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_duplicate TO hisms_engine;

-- A source system inserts only the columns it may set (the engine's columns keep their
-- defaults) and only for its own source systems (sms_source_account); `RETURNING id` needs
-- SELECT on id. It reads its own rows through the v_my_ views, never updates or deletes.
GRANT INSERT (source_system, source_ref, account, dept_code, phone, content, signature,
              priority, send_at, expire_at, template_code, params) ON sms_outbox TO hisms_his;
GRANT SELECT (id) ON sms_outbox TO hisms_his;
GRANT USAGE ON SEQUENCE sms_outbox_id_seq TO hisms_his;
GRANT SELECT ON v_my_sms_result, v_my_sms_inbox, v_sms_stats_daily, sms_status TO hisms_his;
INSERT INTO sms_source_account (db_user, source_system) VALUES ('hisms_his', 'HIS');

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
