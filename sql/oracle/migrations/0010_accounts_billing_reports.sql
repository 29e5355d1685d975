-- hisms schema, version 10 (issue 17): billing accounts (子账户) with prices and quotas, the
-- quota counters, and the report rollup the engine keeps up to date. Columns and comments
-- as in sql/postgresql/migrations/0010_accounts_billing_reports.sql.

CREATE TABLE sms_account (
    account         VARCHAR2(32)   PRIMARY KEY,
    name            VARCHAR2(100),
    dept_code       VARCHAR2(32),
    price           NUMBER(10,4)  DEFAULT 0 NOT NULL,
    prices          VARCHAR2(200),
    daily_quota     NUMBER(10),
    monthly_quota   NUMBER(10),
    over_quota      VARCHAR2(8)    DEFAULT 'HOLD' NOT NULL CHECK (over_quota IN ('HOLD', 'REJECT')),
    enabled         NUMBER(1)     DEFAULT 1 NOT NULL CHECK (enabled IN (0, 1)),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR2(64)   DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR2(64)   DEFAULT USER NOT NULL
);

CREATE TABLE sms_account_usage (
    account         VARCHAR2(32)   NOT NULL,
    period          CHAR(1)       NOT NULL CHECK (period IN ('D', 'M')),
    starts          DATE          NOT NULL,
    segments        NUMBER(10)    DEFAULT 0 NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    PRIMARY KEY (account, period, starts)
);

ALTER TABLE sms_outbox ADD (charged_segments NUMBER(5));
ALTER TABLE sms_outbox ADD (rolled_status NUMBER(5));
-- A function-based index holds only final messages not rolled up (its
-- key is NULL for the others, and entirely NULL keys are not indexed).
CREATE INDEX ix_sms_outbox_unrolled ON sms_outbox (
    CASE WHEN status >= 3 AND rolled_status IS NULL THEN id END);

CREATE TABLE sms_rollup (
    hour            TIMESTAMP(0)  NOT NULL,
    day             DATE          NOT NULL,
    account         VARCHAR2(32)   NOT NULL,
    dept_code       VARCHAR2(32)   NOT NULL,
    source_system   VARCHAR2(32)   NOT NULL,
    channel         VARCHAR2(32)   NOT NULL,
    operator        VARCHAR2(16)   NOT NULL,
    status          NUMBER(5)     NOT NULL,
    intake          VARCHAR2(16)   NOT NULL,
    template_code   VARCHAR2(64)   NOT NULL,
    messages        NUMBER(19)    DEFAULT 0 NOT NULL,
    segments        NUMBER(19)    DEFAULT 0 NOT NULL,
    submitted       NUMBER(19)    DEFAULT 0 NOT NULL,
    submitted_segments NUMBER(19) DEFAULT 0 NOT NULL,
    PRIMARY KEY (day, hour, account, dept_code, source_system, channel, operator, status,
                 intake, template_code)
);
CREATE INDEX ix_sms_rollup_account ON sms_rollup (account, day);

CREATE TABLE sms_rollup_day (
    day             DATE NOT NULL,
    dim_name        VARCHAR2(16) NOT NULL,
    dim_value       VARCHAR2(64) NOT NULL,
    status          NUMBER(5) NOT NULL,
    messages        NUMBER(19) DEFAULT 0 NOT NULL,
    segments        NUMBER(19) DEFAULT 0 NOT NULL,
    submitted       NUMBER(19) DEFAULT 0 NOT NULL,
    submitted_segments NUMBER(19) DEFAULT 0 NOT NULL,
    PRIMARY KEY (day, dim_name, dim_value, status)
);
