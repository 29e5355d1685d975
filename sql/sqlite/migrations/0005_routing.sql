-- hisms schema, version 5: routing rules, channel groups, number overrides, channel health.
-- Engines read the first four every few seconds (a change is picked up when count(*) or
-- max(updated_at) of a table changes: a DBA who UPDATEs a row sets updated_at = now()).
-- `hisms route apply` and `hisms channel disable|enable|drain` write sms_route_audit in the
-- same transaction; a DBA editing by hand inserts the audit row too (docs/dba.md).

-- Rules, tried in position order (then name); the first that matches names a group. A list
-- condition is comma-separated values, NULL or '' for any; a rule without conditions is the
-- default. templates is ready for template ids (no message carries one yet).
CREATE TABLE sms_route_rule (
    name            TEXT  PRIMARY KEY,
    position        INTEGER      NOT NULL,
    group_name      TEXT  NOT NULL,
    operators       TEXT,                -- mobile, unicom, telecom, broadnet, unknown
    provinces       TEXT,                -- 广东省, 北京市
    cities          TEXT,                -- 深圳市
    sources         TEXT,                -- source_system
    accounts        TEXT,
    depts           TEXT,                -- dept_code
    signatures      TEXT,                -- without 【】
    templates       TEXT,
    min_priority    INTEGER     NOT NULL DEFAULT 0 CHECK (min_priority BETWEEN 0 AND 9),
    max_priority    INTEGER     NOT NULL DEFAULT 9 CHECK (max_priority BETWEEN 0 AND 9),
    enabled         INTEGER     NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- The channels of each group: weight shares the traffic among the weighted channels that take
-- traffic; weight 0 is a backup, used in position order when no weighted one takes traffic.
CREATE TABLE sms_channel_group (
    group_name      TEXT  NOT NULL,
    channel         TEXT  NOT NULL,
    weight          INTEGER      NOT NULL DEFAULT 100 CHECK (weight >= 0),
    position        INTEGER      NOT NULL DEFAULT 0,
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms',
    PRIMARY KEY (group_name, channel)
);

-- Numbers ported to another operator (携号转网), or whose segment data is wrong: these win
-- over the segment's operator and region.
CREATE TABLE sms_number_override (
    phone           TEXT  PRIMARY KEY,    -- 11 digits, as normalised
    operator        TEXT  NOT NULL
        CHECK (operator IN ('mobile', 'unicom', 'telecom', 'broadnet', 'unknown')),
    province        TEXT,
    city            TEXT,
    note            TEXT,
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- An operator's mode of a channel (no row: ENABLED). DISABLED: no traffic, its queue moves
-- to the next channel of the group; DRAINING: no new traffic.
CREATE TABLE sms_channel_admin (
    channel         TEXT  PRIMARY KEY,
    admin_mode      TEXT  NOT NULL CHECK (admin_mode IN ('DISABLED', 'DRAINING')),
    reason          TEXT,
    changed_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    changed_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

-- Every change of the four tables above: who, when, and the row before and after (JSON).
CREATE TABLE sms_route_audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    changed_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    changed_by      TEXT  NOT NULL,
    object          TEXT  NOT NULL CHECK (object IN ('rule', 'group', 'override', 'channel')),
    name            TEXT NOT NULL,
    before_json     TEXT,                        -- NULL: created
    after_json      TEXT                         -- NULL: deleted
);
CREATE INDEX ix_sms_route_audit_at ON sms_route_audit (changed_at);

-- Each engine's view of each channel: UP, DEGRADED, DOWN or DISABLED, with the reason;
-- written when it changes and every 15 s (an old updated_at: that engine is gone).
CREATE TABLE sms_channel_state (
    channel         TEXT  NOT NULL,
    worker          TEXT  NOT NULL,
    state           TEXT  NOT NULL CHECK (state IN ('UP', 'DEGRADED', 'DOWN', 'DISABLED')),
    reason          TEXT,
    takes_new       INTEGER     NOT NULL CHECK (takes_new IN (0, 1)),
    since           TEXT  NOT NULL,
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (channel, worker)
);
