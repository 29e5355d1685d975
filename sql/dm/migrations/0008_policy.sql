-- hisms schema, version 8: content policy and source profiles (issue 16): the audit trail,
-- source profiles, per-account signatures, templates, the blacklist, sensitive words and
-- the duplicate window. Engines read the policy tables every health.poll_seconds (a change
-- is picked up when count(*) or max(updated_at) of a table changes).

-- Every change to profiles, templates, the blacklist, words, signatures, routing, channel
-- modes and source modes, and every manual send, cancel and export. Append-only: the
-- trigger refuses UPDATE and DELETE, and the grants give nobody those rights.
CREATE TABLE sms_audit (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    changed_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    actor           VARCHAR(64)  NOT NULL,       -- the person or system: cli:alice, ws:HIS, a worker id
    caller          VARCHAR(64),                 -- the program: hisms-cli, webservice, engine
    db_role         VARCHAR(64)  DEFAULT USER NOT NULL,
    client_ip       VARCHAR(64),                 -- the caller's address (the database's view when not given)
    action          VARCHAR(16)  NOT NULL,       -- create, update, delete, send, cancel, export, unsubscribe
    object          VARCHAR(32)  NOT NULL,       -- profile, template, blacklist, word, signature, rule, ...
    name            VARCHAR(200) NOT NULL,       -- which one: its key
    before_json     CLOB,                        -- NULL: created
    after_json      CLOB                         -- NULL: deleted
);
CREATE INDEX ix_sms_audit_at ON sms_audit (changed_at);
CREATE INDEX ix_sms_audit_object ON sms_audit (object, name);

CREATE OR REPLACE TRIGGER trg_sms_audit_append_only BEFORE UPDATE OR DELETE ON sms_audit
FOR EACH ROW
BEGIN
    RAISE_APPLICATION_ERROR(-20002, 'sms_audit is append-only');
END;
/

-- A source system's profile (seeded from [sources.X] of the configuration by hisms db init
-- and upgrade; edited with `hisms source set`). A source without a row keeps the
-- configuration's profile, else the defaults.
CREATE TABLE sms_source_profile (
    source_system   VARCHAR(32)  PRIMARY KEY,
    ext             VARCHAR(8),                  -- sender extension: replies to it belong here
    signature       VARCHAR(32),                 -- without 【】; NULL: [validation] default_signature
    signature_at    VARCHAR(8)   DEFAULT 'start' NOT NULL CHECK (signature_at IN ('start', 'end')),
    priority        SMALLINT     CHECK (priority BETWEEN 0 AND 9),  -- for SendSms/hisms send without one
    account         VARCHAR(32),                 -- for rows without one (statistics, routing)
    dept_code       VARCHAR(32),
    category        VARCHAR(16)  DEFAULT 'notice' NOT NULL
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    blacklist       SMALLINT     DEFAULT 1 NOT NULL CHECK (blacklist IN (0, 1)),
    words           VARCHAR(8)   DEFAULT 'reject' NOT NULL CHECK (words IN ('reject', 'mask', 'off')),
    duplicate_seconds INTEGER    DEFAULT 0 NOT NULL CHECK (duplicate_seconds >= 0),  -- 0: off
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- The signature of an account (sms_outbox.account): over its source system's.
CREATE TABLE sms_account_signature (
    account         VARCHAR(32)  PRIMARY KEY,
    signature       VARCHAR(32)  NOT NULL,       -- without 【】
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- Registered templates: a row gives template_code and params (JSON) instead of content.
CREATE TABLE sms_template (
    code            VARCHAR(64)  PRIMARY KEY,
    body            CLOB         NOT NULL,       -- with {named} variables
    category        VARCHAR(16)  DEFAULT 'notice' NOT NULL
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    state           VARCHAR(16)  DEFAULT 'APPROVED' NOT NULL
        CHECK (state IN ('DRAFT', 'APPROVED', 'DISABLED')),  -- only APPROVED ones are sent
    note            VARCHAR(200),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- Blocked numbers. An entry applies to a message when every scope it gives matches: the
-- source system, the categories (comma-separated); NULL scopes match anything, so an entry
-- without scope is hard (blocks everything, critical values too). An unsubscribe reply adds
-- one scoped to the replied-to service number's source system and its non-transactional
-- categories. Deleted by `hisms blacklist remove` (audited); past expire_at it is ignored.
CREATE TABLE sms_blacklist (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    phone           VARCHAR(32)  NOT NULL,       -- 11 digits, or the leading digits of a prefix
    prefix          SMALLINT     DEFAULT 0 NOT NULL CHECK (prefix IN (0, 1)),
    source_system   VARCHAR(32),                 -- NULL: every source system
    service_number  VARCHAR(32),                 -- the number an unsubscribe reply went to (for the record)
    categories      VARCHAR(64),                 -- NULL: every category
    reason          VARCHAR(200),
    inbox_id        BIGINT,                      -- the unsubscribe reply that added it
    expire_at       TIMESTAMP(3),                 -- NULL: never
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_blacklist_phone ON sms_blacklist (phone);

-- The sensitive-word list; allow = 1 marks a term (medical vocabulary) inside which a
-- sensitive word is not one.
CREATE TABLE sms_sensitive_word (
    word            VARCHAR(64)  PRIMARY KEY,    -- as written; matched after normalising
    allow           SMALLINT     DEFAULT 0 NOT NULL CHECK (allow IN (0, 1)),
    note            VARCHAR(200),
    created_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by      VARCHAR(64)  DEFAULT USER NOT NULL,
    updated_at      TIMESTAMP(3)  DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by      VARCHAR(64)  DEFAULT USER NOT NULL
);

-- The first message of each (source system, number, rendered content) within its source's
-- duplicate window, shared by every engine; rows past expire_at are taken over, then purged.
CREATE TABLE sms_duplicate (
    digest          VARCHAR(64)  PRIMARY KEY,    -- sha256 hex of source, number and CLOB
    outbox_id       BIGINT       NOT NULL,
    expire_at       TIMESTAMP(3)  NOT NULL
);

ALTER TABLE sms_outbox ADD (template_code VARCHAR(64));
ALTER TABLE sms_outbox ADD (params CLOB);
ALTER TABLE sms_inbox ADD (blacklist_id BIGINT);
