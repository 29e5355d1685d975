-- Least privilege for SQL Server. Run in the hisms database as db_owner after `hisms db init`;
-- create the logins first (CREATE LOGIN ... WITH PASSWORD = ...) or map Windows accounts.
-- hisms_engine runs the engine; hisms_his is a source system (HIS, LIS...) that inserts
-- messages and reads results and replies, nothing else.
CREATE USER hisms_engine FOR LOGIN hisms_engine;
CREATE USER hisms_his FOR LOGIN hisms_his;

GRANT SELECT, INSERT, UPDATE ON dbo.sms_outbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON dbo.sms_segment TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON dbo.sms_report_unmatched TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON dbo.sms_inbox TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON dbo.sms_source_mode TO hisms_engine;
GRANT SELECT, INSERT, UPDATE ON dbo.sms_event TO hisms_engine;
GRANT SELECT ON dbo.sms_status TO hisms_engine;
GRANT SELECT ON dbo.sms_schema_version TO hisms_engine;
GRANT SELECT ON dbo.v_sms_result TO hisms_engine;
GRANT SELECT ON dbo.v_sms_stats_daily TO hisms_engine;

-- The HIS inserts messages and reads what became of them; it never updates or deletes.
GRANT INSERT ON dbo.sms_outbox TO hisms_his;
GRANT SELECT ON dbo.v_sms_result TO hisms_his;
GRANT SELECT ON dbo.v_sms_stats_daily TO hisms_his;
GRANT SELECT ON dbo.sms_status TO hisms_his;
GRANT SELECT ON dbo.sms_inbox TO hisms_his;

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
