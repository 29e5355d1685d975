-- hisms schema, version 8: content policy and source profiles (issue 16): the audit trail,
-- source profiles, per-account signatures, templates, the blacklist, sensitive words and
-- the duplicate window. Engines read the policy tables every health.poll_seconds (a change
-- is picked up when count(*) or max(updated_at) of a table changes).

-- Every change to profiles, templates, the blacklist, words, signatures, routing, channel
-- modes and source modes, and every manual send, cancel and export. Append-only: the
-- trigger refuses UPDATE and DELETE, and the grants give nobody those rights.
CREATE TABLE sms_audit (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    changed_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    actor           NVARCHAR(64)  NOT NULL,       -- the person or system: cli:alice, ws:HIS, a worker id
    caller          NVARCHAR(64),                 -- the program: hisms-cli, webservice, engine
    db_role         NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    client_ip       NVARCHAR(64),                 -- the caller's address (the database's view when not given)
    action          NVARCHAR(16)  NOT NULL,       -- create, update, delete, send, cancel, export, unsubscribe
    object          NVARCHAR(32)  NOT NULL,       -- profile, template, blacklist, word, signature, rule, ...
    name            NVARCHAR(200) NOT NULL,       -- which one: its key
    before_json     NVARCHAR(MAX),                        -- NULL: created
    after_json      NVARCHAR(MAX)                         -- NULL: deleted
);
CREATE INDEX ix_sms_audit_at ON sms_audit (changed_at);
CREATE INDEX ix_sms_audit_object ON sms_audit (object, name);

GO
CREATE TRIGGER trg_sms_audit_append_only ON sms_audit INSTEAD OF UPDATE, DELETE AS
BEGIN
    THROW 50002, 'sms_audit is append-only', 1;
END;
GO

-- A source system's profile (seeded from [sources.X] of the configuration by hisms db init
-- and upgrade; edited with `hisms source set`). A source without a row keeps the
-- configuration's profile, else the defaults.
CREATE TABLE sms_source_profile (
    source_system   NVARCHAR(32)  PRIMARY KEY,
    ext             NVARCHAR(8),                  -- sender extension: replies to it belong here
    signature       NVARCHAR(32),                 -- without 【】; NULL: [validation] default_signature
    signature_at    NVARCHAR(8)   NOT NULL DEFAULT 'start' CHECK (signature_at IN ('start', 'end')),
    priority        SMALLINT     CHECK (priority BETWEEN 0 AND 9),  -- for SendSms/hisms send without one
    account         NVARCHAR(32),                 -- for rows without one (statistics, routing)
    dept_code       NVARCHAR(32),
    category        NVARCHAR(16)  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    blacklist       SMALLINT     NOT NULL DEFAULT 1 CHECK (blacklist IN (0, 1)),
    words           NVARCHAR(8)   NOT NULL DEFAULT 'reject' CHECK (words IN ('reject', 'mask', 'off')),
    duplicate_seconds INT    NOT NULL DEFAULT 0 CHECK (duplicate_seconds >= 0),  -- 0: off
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- The signature of an account (sms_outbox.account): over its source system's.
CREATE TABLE sms_account_signature (
    account         NVARCHAR(32)  PRIMARY KEY,
    signature       NVARCHAR(32)  NOT NULL,       -- without 【】
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- Registered templates: a row gives template_code and params (JSON) instead of content.
CREATE TABLE sms_template (
    code            NVARCHAR(64)  PRIMARY KEY,
    body            NVARCHAR(MAX)         NOT NULL,       -- with {named} variables
    category        NVARCHAR(16)  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    state           NVARCHAR(16)  NOT NULL DEFAULT 'APPROVED'
        CHECK (state IN ('DRAFT', 'APPROVED', 'DISABLED')),  -- only APPROVED ones are sent
    note            NVARCHAR(200),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- Blocked numbers. An entry applies to a message when every scope it gives matches: the
-- source system, the categories (comma-separated); NULL scopes match anything, so an entry
-- without scope is hard (blocks everything, critical values too). An unsubscribe reply adds
-- one scoped to the replied-to service number's source system and its non-transactional
-- categories. Deleted by `hisms blacklist remove` (audited); past expire_at it is ignored.
CREATE TABLE sms_blacklist (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    phone           NVARCHAR(32)  NOT NULL,       -- 11 digits, or the leading digits of a prefix
    prefix          SMALLINT     NOT NULL DEFAULT 0 CHECK (prefix IN (0, 1)),
    source_system   NVARCHAR(32),                 -- NULL: every source system
    service_number  NVARCHAR(32),                 -- the number an unsubscribe reply went to (for the record)
    categories      NVARCHAR(64),                 -- NULL: every category
    reason          NVARCHAR(200),
    inbox_id        BIGINT,                      -- the unsubscribe reply that added it
    expire_at       DATETIME2(3),                 -- NULL: never
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
CREATE INDEX ix_sms_blacklist_phone ON sms_blacklist (phone);

-- The sensitive-word list; allow = 1 marks a term (medical vocabulary) inside which a
-- sensitive word is not one.
CREATE TABLE sms_sensitive_word (
    word            NVARCHAR(64)  PRIMARY KEY,    -- as written; matched after normalising
    allow           SMALLINT     NOT NULL DEFAULT 0 CHECK (allow IN (0, 1)),
    note            NVARCHAR(200),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

-- The first message of each (source system, number, rendered content) within its source's
-- duplicate window, shared by every engine; rows past expire_at are taken over, then purged.
CREATE TABLE sms_duplicate (
    digest          NVARCHAR(64)  PRIMARY KEY,    -- sha256 hex of source, number and NVARCHAR(MAX)
    outbox_id       BIGINT       NOT NULL,
    expire_at       DATETIME2(3)  NOT NULL
);

ALTER TABLE sms_outbox ADD template_code NVARCHAR(64);
ALTER TABLE sms_outbox ADD params NVARCHAR(MAX);
ALTER TABLE sms_inbox ADD blacklist_id BIGINT;
