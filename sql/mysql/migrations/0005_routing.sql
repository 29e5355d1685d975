-- hisms schema, version 5: routing rules, channel groups, number overrides, channel health.
-- Engines read the first four every few seconds (a change is picked up when count(*) or
-- max(updated_at) of a table changes: a DBA who UPDATEs a row sets updated_at = now()).
-- `hisms route apply` and `hisms channel disable|enable|drain` write sms_route_audit in the
-- same transaction; a DBA editing by hand inserts the audit row too (docs/dba.md).

-- Rules, tried in position order (then name); the first that matches names a group. A list
-- condition is comma-separated values, NULL or '' for any; a rule without conditions is the
-- default. templates is ready for template ids (no message carries one yet).
CREATE TABLE sms_route_rule (
    name            varchar(64)  PRIMARY KEY,
    position        integer      NOT NULL,
    group_name      varchar(32)  NOT NULL,
    operators       varchar(200),                -- mobile, unicom, telecom, broadnet, unknown
    provinces       varchar(500),                -- 广东省, 北京市
    cities          varchar(500),                -- 深圳市
    sources         varchar(500),                -- source_system
    accounts        varchar(500),
    depts           varchar(500),                -- dept_code
    signatures      varchar(500),                -- without 【】
    templates       varchar(500),
    min_priority    smallint     NOT NULL DEFAULT 0 CHECK (min_priority BETWEEN 0 AND 9),
    max_priority    smallint     NOT NULL DEFAULT 9 CHECK (max_priority BETWEEN 0 AND 9),
    enabled         smallint     NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The channels of each group: weight shares the traffic among the weighted channels that take
-- traffic; weight 0 is a backup, used in position order when no weighted one takes traffic.
CREATE TABLE sms_channel_group (
    group_name      varchar(32)  NOT NULL,
    channel         varchar(32)  NOT NULL,
    weight          integer      NOT NULL DEFAULT 100 CHECK (weight >= 0),
    position        integer      NOT NULL DEFAULT 0,
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    PRIMARY KEY (group_name, channel)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Numbers ported to another operator (携号转网), or whose segment data is wrong: these win
-- over the segment's operator and region.
CREATE TABLE sms_number_override (
    phone           varchar(32)  PRIMARY KEY,    -- 11 digits, as normalised
    operator        varchar(16)  NOT NULL
        CHECK (operator IN ('mobile', 'unicom', 'telecom', 'broadnet', 'unknown')),
    province        varchar(32),
    city            varchar(32),
    note            varchar(200),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- An operator's mode of a channel (no row: ENABLED). DISABLED: no traffic, its queue moves
-- to the next channel of the group; DRAINING: no new traffic.
CREATE TABLE sms_channel_admin (
    channel         varchar(32)  PRIMARY KEY,
    admin_mode      varchar(16)  NOT NULL CHECK (admin_mode IN ('DISABLED', 'DRAINING')),
    reason          varchar(200),
    changed_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    changed_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every change of the four tables above: who, when, and the row before and after (JSON).
CREATE TABLE sms_route_audit (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    changed_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    changed_by      varchar(64)  NOT NULL,
    object          varchar(16)  NOT NULL CHECK (object IN ('rule', 'group', 'override', 'channel')),
    name            varchar(100) NOT NULL,
    before_json     text,                        -- NULL: created
    after_json      text                         -- NULL: deleted
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_sms_route_audit_at ON sms_route_audit (changed_at);

-- Each engine's view of each channel: UP, DEGRADED, DOWN or DISABLED, with the reason;
-- written when it changes and every 15 s (an old updated_at: that engine is gone).
CREATE TABLE sms_channel_state (
    channel         varchar(32)  NOT NULL,
    worker          varchar(64)  NOT NULL,
    state           varchar(16)  NOT NULL CHECK (state IN ('UP', 'DEGRADED', 'DOWN', 'DISABLED')),
    reason          varchar(500),
    takes_new       smallint     NOT NULL CHECK (takes_new IN (0, 1)),
    since           DATETIME(3)  NOT NULL,
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    PRIMARY KEY (channel, worker)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
