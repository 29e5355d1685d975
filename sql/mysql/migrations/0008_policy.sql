-- hisms schema, version 8: content policy and source profiles (issue 16): the audit trail,
-- source profiles, per-account signatures, templates, the blacklist, sensitive words and
-- the duplicate window. Engines read the policy tables every health.poll_seconds (a change
-- is picked up when count(*) or max(updated_at) of a table changes).

-- Every change to profiles, templates, the blacklist, words, signatures, routing, channel
-- modes and source modes, and every manual send, cancel and export. Append-only: the
-- triggers refuse UPDATE and DELETE (TRUNCATE needs DROP, which nobody is granted), and the grants give nobody those rights.
CREATE TABLE sms_audit (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    changed_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    actor           varchar(64)  NOT NULL,       -- the person or system: cli:alice, ws:HIS, a worker id
    caller          varchar(64),                 -- the program: hisms-cli, webservice, engine
    db_role         varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    client_ip       varchar(64),                 -- the caller's address (the database's view when not given)
    action          varchar(16)  NOT NULL,       -- create, update, delete, send, cancel, export, unsubscribe
    object          varchar(32)  NOT NULL,       -- profile, template, blacklist, word, signature, rule, ...
    name            varchar(200) NOT NULL,       -- which one: its key
    before_json     text,                        -- NULL: created
    after_json      text                         -- NULL: deleted
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_sms_audit_at ON sms_audit (changed_at);
CREATE INDEX ix_sms_audit_object ON sms_audit (object, name);

CREATE TRIGGER trg_sms_audit_no_update BEFORE UPDATE ON sms_audit FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sms_audit is append-only: UPDATE refused';

CREATE TRIGGER trg_sms_audit_no_delete BEFORE DELETE ON sms_audit FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sms_audit is append-only: DELETE refused';

-- A source system's profile (seeded from [sources.X] of the configuration by hisms db init
-- and upgrade; edited with `hisms source set`). A source without a row keeps the
-- configuration's profile, else the defaults.
CREATE TABLE sms_source_profile (
    source_system   varchar(32)  PRIMARY KEY,
    ext             varchar(8),                  -- sender extension: replies to it belong here
    signature       varchar(32),                 -- without 【】; NULL: [validation] default_signature
    signature_at    varchar(8)   NOT NULL DEFAULT 'start' CHECK (signature_at IN ('start', 'end')),
    priority        smallint     CHECK (priority BETWEEN 0 AND 9),  -- for SendSms/hisms send without one
    account         varchar(32),                 -- for rows without one (statistics, routing)
    dept_code       varchar(32),
    category        varchar(16)  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    blacklist       smallint     NOT NULL DEFAULT 1 CHECK (blacklist IN (0, 1)),
    words           varchar(8)   NOT NULL DEFAULT 'reject' CHECK (words IN ('reject', 'mask', 'off')),
    duplicate_seconds integer    NOT NULL DEFAULT 0 CHECK (duplicate_seconds >= 0),  -- 0: off
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The signature of an account (sms_outbox.account): over its source system's.
CREATE TABLE sms_account_signature (
    account         varchar(32)  PRIMARY KEY,
    signature       varchar(32)  NOT NULL,       -- without 【】
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Registered templates: a row gives template_code and params (JSON) instead of content.
CREATE TABLE sms_template (
    code            varchar(64)  PRIMARY KEY,
    body            text         NOT NULL,       -- with {named} variables
    category        varchar(16)  NOT NULL DEFAULT 'notice'
        CHECK (category IN ('transactional', 'notice', 'marketing')),
    state           varchar(16)  NOT NULL DEFAULT 'APPROVED'
        CHECK (state IN ('DRAFT', 'APPROVED', 'DISABLED')),  -- only APPROVED ones are sent
    note            varchar(200),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Blocked numbers. An entry applies to a message when every scope it gives matches: the
-- source system, the categories (comma-separated); NULL scopes match anything, so an entry
-- without scope is hard (blocks everything, critical values too). An unsubscribe reply adds
-- one scoped to the replied-to service number's source system and its non-transactional
-- categories. Deleted by `hisms blacklist remove` (audited); past expire_at it is ignored.
CREATE TABLE sms_blacklist (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    phone           varchar(32)  NOT NULL,       -- 11 digits, or the leading digits of a prefix
    prefix          smallint     NOT NULL DEFAULT 0 CHECK (prefix IN (0, 1)),
    source_system   varchar(32),                 -- NULL: every source system
    service_number  varchar(32),                 -- the number an unsubscribe reply went to (for the record)
    categories      varchar(64),                 -- NULL: every category
    reason          varchar(200),
    inbox_id        bigint,                      -- the unsubscribe reply that added it
    expire_at       DATETIME(3),                 -- NULL: never
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_sms_blacklist_phone ON sms_blacklist (phone);

-- The sensitive-word list; allow = 1 marks a term (medical vocabulary) inside which a
-- sensitive word is not one.
CREATE TABLE sms_sensitive_word (
    word            varchar(64)  PRIMARY KEY,    -- as written; matched after normalising
    allow           smallint     NOT NULL DEFAULT 0 CHECK (allow IN (0, 1)),
    note            varchar(200),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The first message of each (source system, number, rendered content) within its source's
-- duplicate window, shared by every engine; rows past expire_at are taken over, then purged.
CREATE TABLE sms_duplicate (
    digest          varchar(64)  PRIMARY KEY,    -- sha256 hex of source, number and text
    outbox_id       bigint       NOT NULL,
    expire_at       DATETIME(3)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE sms_outbox ADD COLUMN template_code varchar(64);
ALTER TABLE sms_outbox ADD COLUMN params text;
ALTER TABLE sms_inbox ADD COLUMN blacklist_id bigint;
