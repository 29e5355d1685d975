-- hisms schema, version 10 (issue 17): billing accounts (子账户) with prices and quotas, the
-- quota counters, and the report rollup the engine keeps up to date. Columns and comments
-- as in sql/postgresql/migrations/0010_accounts_billing_reports.sql.

CREATE TABLE sms_account (
    account         VARCHAR(32)    NOT NULL PRIMARY KEY,
    name            VARCHAR(100),
    dept_code       VARCHAR(32),
    price           DECIMAL(10,4)  NOT NULL DEFAULT 0,
    prices          VARCHAR(200),
    daily_quota     INTEGER,
    monthly_quota   INTEGER,
    over_quota      VARCHAR(8)     NOT NULL DEFAULT 'HOLD' CHECK (over_quota IN ('HOLD', 'REJECT')),
    enabled         SMALLINT       NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      DATETIME(3)    NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      VARCHAR(64)    NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)    NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      VARCHAR(64)    NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE sms_account_usage (
    account         VARCHAR(32)  NOT NULL,
    period          CHAR(1)      NOT NULL CHECK (period IN ('D', 'M')),
    starts          DATE         NOT NULL,
    segments        INTEGER      NOT NULL DEFAULT 0,
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    PRIMARY KEY (account, period, starts)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE sms_outbox ADD COLUMN charged_segments SMALLINT;
ALTER TABLE sms_outbox ADD COLUMN rolled_status SMALLINT;
-- No partial indexes here: the rollup's work list is found by rolled_status (NULL: not rolled
-- up yet) then status, which leaves out the rolled-up history.
CREATE INDEX ix_sms_outbox_unrolled ON sms_outbox (rolled_status, status, id);

CREATE TABLE sms_rollup (
    hour            DATETIME     NOT NULL,
    day             DATE         NOT NULL,
    account         VARCHAR(32)  NOT NULL,
    dept_code       VARCHAR(32)  NOT NULL,
    source_system   VARCHAR(32)  NOT NULL,
    channel         VARCHAR(32)  NOT NULL,
    operator        VARCHAR(16)  NOT NULL,
    status          SMALLINT     NOT NULL,
    intake          VARCHAR(16)  NOT NULL,
    template_code   VARCHAR(64)  NOT NULL,
    messages        BIGINT       NOT NULL DEFAULT 0,
    segments        BIGINT       NOT NULL DEFAULT 0,
    submitted       BIGINT       NOT NULL DEFAULT 0,
    submitted_segments BIGINT    NOT NULL DEFAULT 0,
    PRIMARY KEY (day, hour, account, dept_code, source_system, channel, operator, status,
                 intake, template_code),
    INDEX ix_sms_rollup_account (account, day)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE sms_rollup_day (
    day             DATE NOT NULL,
    dim_name        VARCHAR(16) NOT NULL,
    dim_value       VARCHAR(64) NOT NULL,
    status          SMALLINT NOT NULL,
    messages        BIGINT NOT NULL DEFAULT 0,
    segments        BIGINT NOT NULL DEFAULT 0,
    submitted       BIGINT NOT NULL DEFAULT 0,
    submitted_segments BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim_name, dim_value, status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
