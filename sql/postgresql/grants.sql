-- Least privilege for PostgreSQL (also KingbaseES). Run as the schema owner after `hisms db init`.
-- hisms_engine: the engine (claims, writes results); hisms_his: a source system (HIS, LIS...)
-- that inserts messages and reads results and replies, nothing else. Passwords are the DBA's.
CREATE ROLE hisms_engine LOGIN;
CREATE ROLE hisms_his LOGIN;

GRANT USAGE ON SCHEMA public TO hisms_engine, hisms_his;

GRANT SELECT, INSERT, UPDATE ON sms_outbox, sms_segment, sms_report_unmatched, sms_inbox,
    sms_source_mode, sms_event TO hisms_engine;
GRANT SELECT ON sms_status, sms_schema_version, v_sms_result, v_sms_stats_daily TO hisms_engine;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hisms_engine;

-- The HIS inserts messages and reads what became of them; it never updates or deletes.
GRANT INSERT ON sms_outbox TO hisms_his;
GRANT USAGE ON SEQUENCE sms_outbox_id_seq TO hisms_his;
GRANT SELECT ON v_sms_result, v_sms_stats_daily, sms_status, sms_inbox TO hisms_his;

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
