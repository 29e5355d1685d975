-- hisms schema, version 10 (issue 17): billing accounts (子账户) with prices and quotas, the
-- quota counters, and the report rollup the engine keeps up to date. Columns and comments
-- as in sql/postgresql/migrations/0010_accounts_billing_reports.sql.

CREATE TABLE sms_account (
    account         NVARCHAR(32)   PRIMARY KEY,
    name            NVARCHAR(100),
    dept_code       NVARCHAR(32),
    price           DECIMAL(10,4)  NOT NULL DEFAULT 0,
    prices          NVARCHAR(200),
    daily_quota     INT,
    monthly_quota   INT,
    over_quota      NVARCHAR(8)    NOT NULL DEFAULT 'HOLD' CHECK (over_quota IN ('HOLD', 'REJECT')),
    enabled         SMALLINT       NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      DATETIME2(3)   NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)   NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)   NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)   NOT NULL DEFAULT SUSER_SNAME()
);

CREATE TABLE sms_account_usage (
    account         NVARCHAR(32)  NOT NULL,
    period          CHAR(1)       NOT NULL CHECK (period IN ('D', 'M')),
    starts          DATE          NOT NULL,
    segments        INT           NOT NULL DEFAULT 0,
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    PRIMARY KEY (account, period, starts)
);

ALTER TABLE sms_outbox ADD charged_segments SMALLINT;
ALTER TABLE sms_outbox ADD rolled_status SMALLINT;
GO
CREATE INDEX ix_sms_outbox_unrolled ON sms_outbox (id) WHERE status >= 3 AND rolled_status IS NULL;

CREATE TABLE sms_rollup (
    hour            DATETIME2(0)  NOT NULL,
    day             DATE          NOT NULL,
    account         NVARCHAR(32)  NOT NULL,
    dept_code       NVARCHAR(32)  NOT NULL,
    source_system   NVARCHAR(32)  NOT NULL,
    channel         NVARCHAR(32)  NOT NULL,
    operator        NVARCHAR(16)  NOT NULL,
    status          SMALLINT      NOT NULL,
    intake          NVARCHAR(16)  NOT NULL,
    template_code   NVARCHAR(64)  NOT NULL,
    messages        BIGINT        NOT NULL DEFAULT 0,
    segments        BIGINT        NOT NULL DEFAULT 0,
    submitted       BIGINT        NOT NULL DEFAULT 0,
    submitted_segments BIGINT     NOT NULL DEFAULT 0,
    PRIMARY KEY (day, hour, account, dept_code, source_system, channel, operator, status,
                 intake, template_code)
);
CREATE INDEX ix_sms_rollup_account ON sms_rollup (account, day);

CREATE TABLE sms_rollup_day (
    day             DATE NOT NULL,
    dim_name        NVARCHAR(16) NOT NULL,
    dim_value       NVARCHAR(64) NOT NULL,
    status          SMALLINT NOT NULL,
    messages        BIGINT NOT NULL DEFAULT 0,
    segments        BIGINT NOT NULL DEFAULT 0,
    submitted       BIGINT NOT NULL DEFAULT 0,
    submitted_segments BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim_name, dim_value, status)
);
