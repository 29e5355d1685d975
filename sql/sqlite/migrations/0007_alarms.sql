-- hisms schema, version 7: the alarm journal (issue 15). Versions 5 and 6 belong to
-- the routing rules and the resend policy.

-- Every alarm event an engine saw: raised, repeated while it lasts, cleared, a test
-- notification (`hisms alarm test`) or the daily summary, with the notifications sent and
-- their results. Written when the database is reachable (buffered in memory while it is
-- not), read by DBAs and `hisms alarm list`; never updated.
CREATE TABLE sms_alarm (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_at        TEXT NOT NULL,  -- when the engine saw the event (UTC)
    worker          TEXT NOT NULL,  -- the engine's worker id
    alarm           TEXT NOT NULL,  -- channel_down, database_down, ... (docs/ops.md#alarms)
    subject         TEXT NOT NULL,  -- the channel, operator, lane or source; '' for none
    event           TEXT NOT NULL CHECK (event IN ('RAISED', 'REPEATED', 'CLEARED', 'TEST',
                                                      'SUMMARY')),
    message         TEXT NOT NULL,  -- what the notification said
    notified        TEXT NOT NULL,  -- each SMS and email sent and its result
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX ix_sms_alarm_at ON sms_alarm (event_at);
