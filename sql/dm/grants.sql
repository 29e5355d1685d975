-- Least privilege for Dameng DM8: the Oracle script (DM accepts it). Run as SYSDBA; HISMS owns
-- the schema (`hisms db init` connected as HISMS). HISMS_ENGINE runs the engine; HISMS_HIS is a source system (HIS, LIS...)
-- that inserts messages and reads results and replies, nothing else. Set real passwords.
CREATE USER hisms_engine IDENTIFIED BY "change-me";
CREATE USER hisms_his IDENTIFIED BY "change-me";
GRANT CREATE SESSION TO hisms_engine, hisms_his;

GRANT SELECT, INSERT, UPDATE ON hisms.sms_outbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_segment TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_report_unmatched TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_inbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_source_mode TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON hisms.sms_event TO hisms_engine;
GRANT SELECT ON hisms.sms_status TO hisms_engine;
GRANT SELECT ON hisms.sms_schema_version TO hisms_engine;
GRANT SELECT ON hisms.v_sms_result TO hisms_engine;
GRANT SELECT ON hisms.v_sms_stats_daily TO hisms_engine;

-- The HIS inserts messages and reads what became of them; it never updates or deletes.
GRANT INSERT ON hisms.sms_outbox TO hisms_his;
GRANT SELECT ON hisms.v_sms_result TO hisms_his;
GRANT SELECT ON hisms.v_sms_stats_daily TO hisms_his;
GRANT SELECT ON hisms.sms_status TO hisms_his;
GRANT SELECT ON hisms.sms_inbox TO hisms_his;

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
