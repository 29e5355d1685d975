-- Least privilege for MySQL / MariaDB. Run as an administrator after `hisms db init`;
-- replace hisms_db with the database name and set the passwords.
-- hisms_engine: the engine; hisms_his: a source system (HIS, LIS...) that inserts messages and
-- reads results and replies, nothing else.
CREATE USER IF NOT EXISTS 'hisms_engine'@'%' IDENTIFIED BY 'change-me';
CREATE USER IF NOT EXISTS 'hisms_his'@'%' IDENTIFIED BY 'change-me';

GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_outbox TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_segment TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_report_unmatched TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_inbox TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_source_mode TO 'hisms_engine'@'%';
GRANT SELECT, INSERT, UPDATE ON hisms_db.sms_event TO 'hisms_engine'@'%';
-- UPDATE only so that MySQL 8 allows SELECT ... FOR UPDATE on it (the report fence);
-- the engine never changes sms_status.
GRANT SELECT, UPDATE ON hisms_db.sms_status TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.sms_schema_version TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.v_sms_result TO 'hisms_engine'@'%';
GRANT SELECT ON hisms_db.v_sms_stats_daily TO 'hisms_engine'@'%';

-- The HIS inserts messages and reads what became of them; it never updates or deletes.
GRANT INSERT ON hisms_db.sms_outbox TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.v_sms_result TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.v_sms_stats_daily TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.sms_status TO 'hisms_his'@'%';
GRANT SELECT ON hisms_db.sms_inbox TO 'hisms_his'@'%';

-- With a legacy HIS table polled through a mapping ([dbtable] mappings), the engine account
-- also needs SELECT and UPDATE on that table (it writes only the mapped status/result columns).
