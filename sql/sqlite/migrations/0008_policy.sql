-- hisms schema, version 8: content policy and source profiles (issue 16): the audit trail,
-- source profiles, per-account signatures, templates, the blacklist, sensitive words and
-- the duplicate window. Engines read the policy tables every health.poll_seconds (a change
-- is picked up when count(*) or max(updated_at) of a table changes).

-- Every change to profiles, templates, the blacklist, words, signatures, routing, channel
-- modes and source modes, and every manual send, cancel and export. Append-only: the
-- triggers refuse UPDATE and DELETE, and the grants give nobody those rights.
CREATE TABLE sms_audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    changed_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    actor           TEXT  NOT NULL,       -- the person or system: cli:alice, ws:HIS, a worker id
    caller          TEXT,                 -- the program: hisms-cli, webservice, engine
    db_role         TEXT  NOT NULL DEFAULT 'hisms',
    client_ip       TEXT,                 -- the caller's address (the database's view when not given)
    action          TEXT  NOT NULL,       -- create, update, delete, send, cancel, export, unsubscribe
    object          TEXT  NOT NULL,       -- profile, template, blacklist, word, signature, rule, ...
    name            TEXT NOT NULL,       -- which one: its key
    before_json     TEXT,                        -- NULL: created
    after_json      TEXT                         -- NULL: deleted
);
CREATE INDEX ix_sms_audit_at ON sms_audit (changed_at);
CREATE INDEX ix_sms_audit_object ON sms_audit (object, name);

CREATE TRIGGER trg_sms_audit_no_update BEFORE UPDATE ON sms_audit
BEGIN
    SELECT RAISE(ABORT, 'sms_audit is append-only: UPDATE refused');
END;
CREATE TRIGGER trg_sms_audit_no_delete BEFORE DELETE ON sms_audit
BEGIN
    SELECT RAISE(ABORT, 'sms_audit is append-only: DELETE refused');
END;

-- A source system's profile (seeded from [sources.X] of the configuration by hisms db init
-- and upgrade; edited with `hisms source set`). A source without a row keeps the
-- configuration's profile, else the defaults.
CREATE TABLE sms_source_profile (
    source_system   TEXT  PRIMARY KEY,
    ext             TEXT,                  -- sender extension: replies to it belong here
    signature       TEXT,                 -- without 【】; NULL: [validation] default_signature
    signature_at    TEXT   NOT NULL DEFAULT 'start' CHECK (signature_at IN ('start', 'end')),
    priority        INTEGER     CHECK (priority BETWEEN 0 AND 9),  -- for SendSms/hisms send without one
    account         TEXT,                 -- for rows without one (statistics, routing)
    dept_code       TEXT,
    category        TEXT  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    blacklist       INTEGER     NOT NULL DEFAULT 1 CHECK (blacklist IN (0, 1)),
    words           TEXT   NOT NULL DEFAULT 'reject' CHECK (words IN ('reject', 'mask', 'off')),
    duplicate_seconds INTEGER    NOT NULL DEFAULT 0 CHECK (duplicate_seconds >= 0),  -- 0: off
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- The signature of an account (sms_outbox.account): over its source system's.
CREATE TABLE sms_account_signature (
    account         TEXT  PRIMARY KEY,
    signature       TEXT  NOT NULL,       -- without 【】
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- Registered templates: a row gives template_code and params (JSON) instead of content.
CREATE TABLE sms_template (
    code            TEXT  PRIMARY KEY,
    body            TEXT         NOT NULL,       -- with {named} variables
    category        TEXT  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    state           TEXT  NOT NULL DEFAULT 'APPROVED'
        CHECK (state IN ('DRAFT', 'APPROVED', 'DISABLED')),  -- only APPROVED ones are sent
    note            TEXT,
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- Blocked numbers. An entry applies to a message when every scope it gives matches: the
-- source system, the categories (comma-separated); NULL scopes match anything, so an entry
-- without scope is hard (blocks everything, critical values too). An unsubscribe reply adds
-- one scoped to the replied-to service number's source system and its non-transactional
-- categories. Deleted by `hisms blacklist remove` (audited); past expire_at it is ignored.
CREATE TABLE sms_blacklist (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    phone           TEXT  NOT NULL,       -- 11 digits, or the leading digits of a prefix
    prefix          INTEGER     NOT NULL DEFAULT 0 CHECK (prefix IN (0, 1)),
    source_system   TEXT,                 -- NULL: every source system
    service_number  TEXT,                 -- the number an unsubscribe reply went to (for the record)
    categories      TEXT,                 -- NULL: every category
    reason          TEXT,
    inbox_id        INTEGER,                      -- the unsubscribe reply that added it
    expire_at       TEXT,                 -- NULL: never
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_blacklist_phone ON sms_blacklist (phone);

-- The sensitive-word list; allow = 1 marks a term (medical vocabulary) inside which a
-- sensitive word is not one.
CREATE TABLE sms_sensitive_word (
    word            TEXT  PRIMARY KEY,    -- as written; matched after normalising
    allow           INTEGER     NOT NULL DEFAULT 0 CHECK (allow IN (0, 1)),
    note            TEXT,
    created_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by      TEXT  NOT NULL DEFAULT 'hisms',
    updated_at      TEXT  NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by      TEXT  NOT NULL DEFAULT 'hisms'
);

-- The first message of each (source system, number, rendered content) within its source's
-- duplicate window, shared by every engine; rows past expire_at are taken over, then purged.
CREATE TABLE sms_duplicate (
    digest          TEXT  PRIMARY KEY,    -- sha256 hex of source, number and TEXT
    outbox_id       INTEGER       NOT NULL,
    expire_at       TEXT  NOT NULL
);

ALTER TABLE sms_outbox ADD COLUMN template_code TEXT;
ALTER TABLE sms_outbox ADD COLUMN params TEXT;
ALTER TABLE sms_inbox ADD COLUMN blacklist_id INTEGER;
