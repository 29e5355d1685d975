-- hisms schema, version 9: alarm rules in the database (issue 15). Seeded from [alarms] by
-- hisms db init and upgrade while the table is empty; engines read it every
-- alarms.every_seconds (a change is picked up when count(*) or max(updated_at) changes);
-- `hisms alarm set` changes a rule, audited in sms_audit (object 'alarm_rule'). Every
-- rule without a row keeps the configuration's thresholds.

-- One built-in rule (docs/ops.md#alarms): whether it runs, its thresholds and how often
-- a lasting alarm is notified again.
CREATE TABLE sms_alarm_rule (
    name            TEXT     PRIMARY KEY,        -- channel_down, backlog, ... (docs/ops.md#alarms)
    enabled         INTEGER  NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    thresholds      TEXT     NOT NULL,           -- JSON object of the [alarms] keys the rule reads
    repeat_seconds  INTEGER  NOT NULL CHECK (repeat_seconds > 0),
    created_at      TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT     NOT NULL DEFAULT 'hisms',
    updated_at      TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT     NOT NULL DEFAULT 'hisms'
);
