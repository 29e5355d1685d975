-- hisms schema, version 7, SQL Server: the alarm journal (issue 15). Versions 5 and 6 belong to
-- the routing rules and the resend policy.

-- Every alarm event an engine saw: raised, repeated while it lasts, cleared, a test
-- notification (`hisms alarm test`) or the daily summary, with the notifications sent and
-- their results. Written when the database is reachable (buffered in memory while it is
-- not), read by DBAs and `hisms alarm list`; never updated.
CREATE TABLE sms_alarm (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    event_at        DATETIME2(3) NOT NULL,  -- when the engine saw the event (UTC)
    worker          NVARCHAR(64) NOT NULL,  -- the engine's worker id
    alarm           NVARCHAR(32) NOT NULL,  -- channel_down, database_down, ... (docs/ops.md#alarms)
    subject         NVARCHAR(64) NOT NULL,  -- the channel, operator, lane or source; '' for none
    event           NVARCHAR(16) NOT NULL CHECK (event IN ('RAISED', 'REPEATED', 'CLEARED', 'TEST',
                                                      'SUMMARY')),
    message         NVARCHAR(1000) NOT NULL,  -- what the notification said
    notified        NVARCHAR(1000) NOT NULL,  -- each SMS and email sent and its result
    created_at      DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()
);
CREATE INDEX ix_sms_alarm_at ON sms_alarm (event_at);
