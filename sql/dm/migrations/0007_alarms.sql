-- hisms schema, version 7, Dameng DM8 (Oracle's, with IDENTITY(1, 1) and VARCHAR in characters): the alarm journal (issue 15). Versions 5 and 6 belong to
-- the routing rules and the resend policy.

-- Every alarm event an engine saw: raised, repeated while it lasts, cleared, a test
-- notification (`hisms alarm test`) or the daily summary, with the notifications sent and
-- their results. Written when the database is reachable (buffered in memory while it is
-- not), read by DBAs and `hisms alarm list`; never updated.
CREATE TABLE sms_alarm (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    event_at        TIMESTAMP(3) NOT NULL,  -- when the engine saw the event (UTC)
    worker          VARCHAR2(64) NOT NULL,  -- the engine's worker id
    alarm           VARCHAR2(32) NOT NULL,  -- channel_down, database_down, ... (docs/ops.md#alarms)
    subject         VARCHAR(64),  -- the channel, operator, lane or source; NULL for none
    event           VARCHAR2(16) NOT NULL CHECK (event IN ('RAISED', 'REPEATED', 'CLEARED', 'TEST',
                                                      'SUMMARY')),
    message         VARCHAR(1000) NOT NULL,  -- what the notification said
    notified        VARCHAR(1000),  -- each SMS and email sent and its result
    created_at      TIMESTAMP(3) DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL
);
CREATE INDEX ix_sms_alarm_at ON sms_alarm (event_at);
