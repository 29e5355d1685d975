-- hisms schema, version 5: routing rules, channel groups, number overrides, channel health.
-- Engines read the first four every few seconds (a change is picked up when count(*) or
-- max(updated_at) of a table changes: a DBA who UPDATEs a row sets updated_at = now()).
-- `hisms route apply` and `hisms channel disable|enable|drain` write sms_route_audit in the
-- same transaction; a DBA editing by hand inserts the audit row too (docs/dba.md).

-- Rules, tried in position order (then name); the first that matches names a group. A list
-- condition is comma-separated values, NULL or '' for any; a rule without conditions is the
-- default. templates is ready for template ids (no message carries one yet).
CREATE TABLE sms_route_rule (
    name            NVARCHAR(64)  PRIMARY KEY,
    position        INT      NOT NULL,
    group_name      NVARCHAR(32)  NOT NULL,
    operators       NVARCHAR(200),                -- mobile, unicom, telecom, broadnet, unknown
    provinces       NVARCHAR(500),                -- 广东省, 北京市
    cities          NVARCHAR(500),                -- 深圳市
    sources         NVARCHAR(500),                -- source_system
    accounts        NVARCHAR(500),
    depts           NVARCHAR(500),                -- dept_code
    signatures      NVARCHAR(500),                -- without 【】
    templates       NVARCHAR(500),
    min_priority    SMALLINT     NOT NULL DEFAULT 0 CHECK (min_priority BETWEEN 0 AND 9),
    max_priority    SMALLINT     NOT NULL DEFAULT 9 CHECK (max_priority BETWEEN 0 AND 9),
    enabled         SMALLINT     NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- The channels of each group: weight shares the traffic among the weighted channels that take
-- traffic; weight 0 is a backup, used in position order when no weighted one takes traffic.
CREATE TABLE sms_channel_group (
    group_name      NVARCHAR(32)  NOT NULL,
    channel         NVARCHAR(32)  NOT NULL,
    weight          INT      NOT NULL DEFAULT 100 CHECK (weight >= 0),
    position        INT      NOT NULL DEFAULT 0,
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    PRIMARY KEY (group_name, channel)
);

-- Numbers ported to another operator (携号转网), or whose segment data is wrong: these win
-- over the segment's operator and region.
CREATE TABLE sms_number_override (
    phone           NVARCHAR(32)  PRIMARY KEY,    -- 11 digits, as normalised
    operator        NVARCHAR(16)  NOT NULL
        CHECK (operator IN ('mobile', 'unicom', 'telecom', 'broadnet', 'unknown')),
    province        NVARCHAR(32),
    city            NVARCHAR(32),
    note            NVARCHAR(200),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- An operator's mode of a channel (no row: ENABLED). DISABLED: no traffic, its queue moves
-- to the next channel of the group; DRAINING: no new traffic.
CREATE TABLE sms_channel_admin (
    channel         NVARCHAR(32)  PRIMARY KEY,
    admin_mode      NVARCHAR(16)  NOT NULL CHECK (admin_mode IN ('DISABLED', 'DRAINING')),
    reason          NVARCHAR(200),
    changed_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    changed_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME()
);

-- Every change of the four tables above: who, when, and the row before and after (JSON).
CREATE TABLE sms_route_audit (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    changed_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    changed_by      NVARCHAR(64)  NOT NULL,
    object          NVARCHAR(16)  NOT NULL CHECK (object IN ('rule', 'group', 'override', 'channel')),
    name            NVARCHAR(100) NOT NULL,
    before_json     NVARCHAR(MAX),                        -- NULL: created
    after_json      NVARCHAR(MAX)                         -- NULL: deleted
);
CREATE INDEX ix_sms_route_audit_at ON sms_route_audit (changed_at);

-- Each engine's view of each channel: UP, DEGRADED, DOWN or DISABLED, with the reason;
-- written when it changes and every 15 s (an old updated_at: that engine is gone).
CREATE TABLE sms_channel_state (
    channel         NVARCHAR(32)  NOT NULL,
    worker          NVARCHAR(64)  NOT NULL,
    state           NVARCHAR(16)  NOT NULL CHECK (state IN ('UP', 'DEGRADED', 'DOWN', 'DISABLED')),
    reason          NVARCHAR(500),
    takes_new       SMALLINT     NOT NULL CHECK (takes_new IN (0, 1)),
    since           DATETIME2(3)  NOT NULL,
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    PRIMARY KEY (channel, worker)
);
