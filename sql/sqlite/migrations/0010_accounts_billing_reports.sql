-- hisms schema, version 10 (issue 17): billing accounts (子账户) with prices and quotas, the
-- quota counters, and the report rollup the engine keeps up to date. Columns and comments
-- as in sql/postgresql/migrations/0010_accounts_billing_reports.sql.

CREATE TABLE sms_account (
    account         TEXT     PRIMARY KEY,
    name            TEXT,
    dept_code       TEXT,
    price           NUMERIC  NOT NULL DEFAULT 0,   -- per billed segment (yuan)
    prices          TEXT,              -- per operator, JSON: {"mobile": 0.045, "unicom": 0.04}
    daily_quota     INTEGER,           -- segments per local day; NULL: none
    monthly_quota   INTEGER,           -- segments per calendar month; NULL: none
    over_quota      TEXT     NOT NULL DEFAULT 'HOLD' CHECK (over_quota IN ('HOLD', 'REJECT')),
    enabled         INTEGER  NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at      TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT     NOT NULL DEFAULT 'hisms',
    updated_at      TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT     NOT NULL DEFAULT 'hisms'
);

CREATE TABLE sms_account_usage (
    account         TEXT     NOT NULL,
    period          TEXT     NOT NULL CHECK (period IN ('D', 'M')),
    starts          TEXT     NOT NULL,   -- YYYY-MM-DD: the day, or the month's first day
    segments        INTEGER  NOT NULL DEFAULT 0,
    updated_at      TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (account, period, starts)
);

ALTER TABLE sms_outbox ADD COLUMN charged_segments INTEGER;
ALTER TABLE sms_outbox ADD COLUMN rolled_status INTEGER;
CREATE INDEX ix_sms_outbox_unrolled ON sms_outbox (id)
    WHERE status >= 3 AND rolled_status IS NULL;

CREATE TABLE sms_rollup (
    hour            TEXT     NOT NULL,   -- YYYY-MM-DD HH:00:00 (UTC)
    day             TEXT     NOT NULL,   -- YYYY-MM-DD in the hospital's zone
    account         TEXT     NOT NULL,
    dept_code       TEXT     NOT NULL,
    source_system   TEXT     NOT NULL,
    channel         TEXT     NOT NULL,
    operator        TEXT     NOT NULL,
    status          INTEGER  NOT NULL,
    intake          TEXT     NOT NULL,
    template_code   TEXT     NOT NULL,
    messages        INTEGER  NOT NULL DEFAULT 0,
    segments        INTEGER  NOT NULL DEFAULT 0,
    submitted       INTEGER  NOT NULL DEFAULT 0,
    submitted_segments INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, hour, account, dept_code, source_system, channel, operator, status,
                 intake, template_code)
);
CREATE INDEX ix_sms_rollup_account ON sms_rollup (account, day);

CREATE TABLE sms_rollup_day (
    day             TEXT NOT NULL,
    dim_name        TEXT NOT NULL,
    dim_value       TEXT NOT NULL,
    status          INTEGER NOT NULL,
    messages        INTEGER NOT NULL DEFAULT 0,
    segments        INTEGER NOT NULL DEFAULT 0,
    submitted       INTEGER NOT NULL DEFAULT 0,
    submitted_segments INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim_name, dim_value, status)
);
