-- hisms schema, version 5: routing rules, channel groups, number overrides, channel health.
-- Engines read the first four every few seconds (a change is picked up when count(*) or
-- max(updated_at) of a table changes: a DBA who UPDATEs a row sets updated_at = now()).
-- `hisms route apply` and `hisms channel disable|enable|drain` write sms_route_audit in the
-- same transaction; a DBA editing by hand inserts the audit row too (docs/dba.md).

-- Rules, tried in position order (then name); the first that matches names a group. A list
-- condition is comma-separated values, NULL or '' for any; a rule without conditions is the
-- default. templates is ready for template ids (no message carries one yet).
CREATE TABLE sms_route_rule (
    name            VARCHAR(64)  PRIMARY KEY,
    position        INTEGER      NOT NULL,
    group_name      VARCHAR(32)  NOT NULL,
    operators       VARCHAR(200),                -- mobile, unicom, telecom, broadnet, unknown
    provinces       VARCHAR(500),                -- 广东省, 北京市
    cities          VARCHAR(500),                -- 深圳市
    sources         VARCHAR(500),                -- source_system
    accounts        VARCHAR(500),
    depts           VARCHAR(500),                -- dept_code
    signatures      VARCHAR(500),                -- without 【】
    templates       VARCHAR(500),
    min_priority    SMALLINT     DEFAULT 0 NOT NULL CHECK (min_priority BETWEEN 0 AND 9),
    max_priority    SMALLINT     DEFAULT 9 NOT NULL CHECK (max_priority BETWEEN 0 AND 9),
    enabled         SMALLINT     DEFAULT 1 NOT NULL CHECK (enabled IN (0, 1)),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- The channels of each group: weight shares the traffic among the weighted channels that take
-- traffic; weight 0 is a backup, used in position order when no weighted one takes traffic.
CREATE TABLE sms_channel_group (
    group_name      VARCHAR(32)  NOT NULL,
    channel         VARCHAR(32)  NOT NULL,
    weight          INTEGER      DEFAULT 100 NOT NULL CHECK (weight >= 0),
    position        INTEGER      DEFAULT 0 NOT NULL,
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    PRIMARY KEY (group_name, channel)
);

-- Numbers ported to another operator (携号转网), or whose segment data is wrong: these win
-- over the segment's operator and region.
CREATE TABLE sms_number_override (
    phone           VARCHAR(32)  PRIMARY KEY,    -- 11 digits, as normalised
    operator        VARCHAR(16)  NOT NULL
        CHECK (operator IN ('mobile', 'unicom', 'telecom', 'broadnet', 'unknown')),
    province        VARCHAR(32),
    city            VARCHAR(32),
    note            VARCHAR(200),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- An operator's mode of a channel (no row: ENABLED). DISABLED: no traffic, its queue moves
-- to the next channel of the group; DRAINING: no new traffic.
CREATE TABLE sms_channel_admin (
    channel         VARCHAR(32)  PRIMARY KEY,
    admin_mode      VARCHAR(16)  NOT NULL CHECK (admin_mode IN ('DISABLED', 'DRAINING')),
    reason          VARCHAR(200),
    changed_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    changed_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL
);

-- Every change of the four tables above: who, when, and the row before and after (JSON).
CREATE TABLE sms_route_audit (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    changed_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    changed_by      VARCHAR(64)  NOT NULL,
    object          VARCHAR(16)  NOT NULL CHECK (object IN ('rule', 'group', 'override', 'channel')),
    name            VARCHAR(100) NOT NULL,
    before_json     CLOB,                        -- NULL: created
    after_json      CLOB                         -- NULL: deleted
);
CREATE INDEX ix_sms_route_audit_at ON sms_route_audit (changed_at);

-- Each engine's view of each channel: UP, DEGRADED, DOWN or DISABLED, with the reason;
-- written when it changes and every 15 s (an old updated_at: that engine is gone).
CREATE TABLE sms_channel_state (
    channel         VARCHAR(32)  NOT NULL,
    worker          VARCHAR(64)  NOT NULL,
    state           VARCHAR(16)  NOT NULL CHECK (state IN ('UP', 'DEGRADED', 'DOWN', 'DISABLED')),
    reason          VARCHAR(500),
    takes_new       SMALLINT     NOT NULL CHECK (takes_new IN (0, 1)),
    since           TIMESTAMP(3)  NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    PRIMARY KEY (channel, worker)
);
