-- Least privilege for Dameng DM8: the Oracle script (DM accepts it). Run as SYSDBA; HISMS owns
-- the schema (`hisms db init` connected as HISMS). HISMS_ENGINE runs the engine; HISMS_HIS is a source system (HIS, LIS...)
-- that inserts messages and reads results and replies, nothing else. Set real passwords.
CREATE USER hisms_engine IDENTIFIED BY "change-me";
CREATE USER hisms_his IDENTIFIED BY "change-me";
GRANT CREATE SESSION TO hisms_engine, hisms_his;

GRANT SELECT, INSERT, UPDATE ON hisms.sms_outbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_segment TO hisms_engine;
-- DELETE: the engine's hourly purge of parked reports (engine.unmatched_report_days).
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_report_unmatched TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_inbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_source_mode TO hisms_engine;
-- DELETE: the engines trim pushed events older than history.event_retention_days.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_event TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_setting TO hisms_engine;
-- Reports and replies the database refused: parked, read by a DBA, purged after engine.parked_days.
GRANT SELECT, INSERT, DELETE ON hisms.sms_parked TO hisms_engine;
-- Routing: the engine reads rules, groups, overrides and operators' modes, and writes its
-- view of each channel's health. (Changing routing is the schema owner's: `hisms route`.)
GRANT SELECT ON hisms.sms_route_rule TO hisms_engine;
GRANT SELECT ON hisms.sms_channel_group TO hisms_engine;
GRANT SELECT ON hisms.sms_number_override TO hisms_engine;
GRANT SELECT ON hisms.sms_channel_admin TO hisms_engine;
GRANT SELECT, INSERT, DELETE ON hisms.sms_channel_state TO hisms_engine;
-- Connection slots and rate shared by the engines of a channel.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_channel_member TO hisms_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_channel_slot TO hisms_engine;
-- Alarm events (raised, repeated, cleared, tests, summaries): written, read by `hisms alarm list`,
-- purged after engine.alarm_days.
GRANT SELECT, INSERT, DELETE ON hisms.sms_alarm TO hisms_engine;
-- Alarm rules: read by every engine; changed by `hisms alarm set` (the owner).
GRANT SELECT ON hisms.sms_alarm_rule TO hisms_engine;

-- Billing accounts (read), the quota counters (charged) and the report rollup (kept);
-- accounts and `hisms report rebuild` are the schema owner's.
GRANT SELECT ON hisms.sms_account TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_account_usage TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_rollup TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_rollup_day TO hisms_engine;

-- Request nonces of the JSON API and the WebService: taken once, purged once expired.
GRANT SELECT, INSERT, DELETE ON hisms.sms_nonce TO hisms_engine;
-- The gateway ids of stored replies: claimed as each is stored (UPDATE: the claim is a
-- MERGE), purged after engine.mo_id_days.
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_mo_id TO hisms_engine;
-- The parts of long replies waiting for their siblings (any engine joins them).
GRANT SELECT, INSERT, DELETE ON hisms.sms_mo_part TO hisms_engine;
-- Console users: the console (in hisms run or hisms console) logs them in and changes them.
GRANT SELECT, INSERT, UPDATE ON hisms.sms_user TO hisms_engine;
-- The console's address book: its pages and imports add, change and delete contacts, groups
-- and memberships (each change audited).
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_contact TO hisms_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_contact_group TO hisms_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_contact_member TO hisms_engine;
GRANT SELECT ON hisms.sms_status TO hisms_engine;
GRANT SELECT ON hisms.sms_schema_version TO hisms_engine;
GRANT SELECT ON hisms.v_sms_result TO hisms_engine;
GRANT SELECT ON hisms.v_sms_stats_daily TO hisms_engine;

-- Content policy: the engine reads profiles, signatures, templates and words, adds the
-- blacklist entries of unsubscribe replies, keeps the duplicate window, and appends to the
-- audit trail. Nobody is granted UPDATE or DELETE on sms_audit (a trigger refuses them too);
-- policy changes are the schema owner's.
GRANT SELECT, INSERT ON hisms.sms_audit TO hisms_engine;
GRANT SELECT ON hisms.sms_source_profile TO hisms_engine;
GRANT SELECT ON hisms.sms_account_signature TO hisms_engine;
GRANT SELECT ON hisms.sms_template TO hisms_engine;
GRANT SELECT ON hisms.sms_sensitive_word TO hisms_engine;
GRANT SELECT, INSERT ON hisms.sms_blacklist TO hisms_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON hisms.sms_duplicate TO hisms_engine;

-- A source system inserts only the columns it may set (the engine's columns keep their
-- defaults) and only for its own source systems (sms_source_account, names in upper case);
-- `RETURNING id INTO :id` gives its id. It reads its own rows through the v_my_ views,
-- never updates or deletes. Another source system: see DATABASES.md.
GRANT INSERT (source_system, source_ref, account, dept_code, phone, content, signature,
              priority, send_at, expire_at, template_code, params) ON hisms.sms_outbox TO hisms_his;
GRANT SELECT ON hisms.v_my_sms_result TO hisms_his;
GRANT SELECT ON hisms.v_my_sms_inbox TO hisms_his;
GRANT SELECT ON hisms.v_sms_stats_daily TO hisms_his;
GRANT SELECT ON hisms.sms_status TO hisms_his;
INSERT INTO hisms.sms_source_account (db_user, source_system) VALUES ('HISMS_HIS', 'HIS');
COMMIT;

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
