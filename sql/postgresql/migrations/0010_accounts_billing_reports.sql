-- hisms schema, version 10 (issue 17): billing accounts (子账户) with prices and quotas, the
-- quota counters, and the report rollup the engine keeps up to date.

-- A billing account: belongs to a department, priced per billed segment, limited per day
-- and per month in segments. A message's account is its row's, else its source profile's,
-- else [billing] default_account; the engine writes it on the row when it rolls it up.
CREATE TABLE sms_account (
    account         varchar(32)   PRIMARY KEY,
    name            varchar(100),
    dept_code       varchar(32),
    price           numeric(10,4) NOT NULL DEFAULT 0,   -- per billed segment (yuan)
    prices          varchar(200),          -- per operator, JSON: {"mobile": 0.045, "unicom": 0.04}
    daily_quota     integer,               -- segments per day in the hospital's zone; NULL: none
    monthly_quota   integer,               -- segments per calendar month; NULL: none
    over_quota      varchar(8)    NOT NULL DEFAULT 'HOLD' CHECK (over_quota IN ('HOLD', 'REJECT')),
    enabled         smallint      NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),  -- 0: REJECTED
    created_at      timestamptz   NOT NULL DEFAULT now(),
    created_by      varchar(64)   NOT NULL DEFAULT current_user,
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    updated_by      varchar(64)   NOT NULL DEFAULT current_user
);

-- Segments charged against an account's quotas: one row per account and day ('D') or month
-- ('M'), raised by a guarded UPDATE (segments + n <= quota), so engines never overshoot.
CREATE TABLE sms_account_usage (
    account         varchar(32)  NOT NULL,
    period          char(1)      NOT NULL CHECK (period IN ('D', 'M')),
    starts          date         NOT NULL,   -- the day, or the month's first day (local)
    segments        integer      NOT NULL DEFAULT 0,
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (account, period, starts)
);

-- The segments a quota charged for this message (NULL: not charged): charged once only,
-- whatever its attempts.
ALTER TABLE sms_outbox ADD COLUMN charged_segments smallint;
-- The final status the rollup counts this message under (NULL: not rolled up yet).
ALTER TABLE sms_outbox ADD COLUMN rolled_status smallint;
-- The rollup step's work list: final messages not rolled up yet (a final status never changes; a
-- status changed by hand is recounted by `hisms report rebuild`).
CREATE INDEX ix_sms_outbox_unrolled ON sms_outbox (id)
    WHERE status >= 3 AND rolled_status IS NULL;

-- Final messages counted per hour and every dimension reports group by. A missing value
-- is '-'. Kept by the engine (a batched step over ix_sms_outbox_unrolled); rebuilt by
-- `hisms report rebuild`. Messages not final yet (PENDING, SENDING, SUBMITTED) are not here.
CREATE TABLE sms_rollup (
    hour            timestamptz  NOT NULL,   -- created_at truncated to the hour (UTC)
    day             date         NOT NULL,   -- that hour's day in the hospital's zone
    account         varchar(32)  NOT NULL,
    dept_code       varchar(32)  NOT NULL,
    source_system   varchar(32)  NOT NULL,
    channel         varchar(32)  NOT NULL,
    operator        varchar(16)  NOT NULL,   -- mobile, unicom, telecom, broadnet, unknown
    status          smallint     NOT NULL,   -- 3 .. 8 (sms_status)
    intake          varchar(16)  NOT NULL,   -- table, legacy_table, soap, http, console
    template_code   varchar(64)  NOT NULL,
    messages        bigint       NOT NULL DEFAULT 0,
    segments        bigint       NOT NULL DEFAULT 0,   -- sms_outbox.segments
    submitted       bigint       NOT NULL DEFAULT 0,   -- messages with submitted_at
    submitted_segments bigint    NOT NULL DEFAULT 0,
    PRIMARY KEY (day, hour, account, dept_code, source_system, channel, operator, status,
                 intake, template_code)
);
CREATE INDEX ix_sms_rollup_account ON sms_rollup (account, day);

-- The same counts per local day and one dimension at a time (dim_name: none, account,
-- dept, source, channel, operator, template, intake; dim_value '-' for none): what a
-- month's report reads, a few thousand rows whatever the traffic. Kept by the same
-- step, in the same transaction, as sms_rollup.
CREATE TABLE sms_rollup_day (
    day             date NOT NULL,
    dim_name        varchar(16) NOT NULL,
    dim_value       varchar(64) NOT NULL,
    status          smallint NOT NULL,
    messages        bigint NOT NULL DEFAULT 0,
    segments        bigint NOT NULL DEFAULT 0,
    submitted       bigint NOT NULL DEFAULT 0,
    submitted_segments bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim_name, dim_value, status)
);
