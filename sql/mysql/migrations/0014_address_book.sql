-- hisms schema, version 14: the web console's address book (issue 19). Contacts, contact
-- groups and who is in which group, each in a department ('*': the whole hospital); changed
-- by the console's 通讯录 page, every change in sms_audit (objects 'contact' and
-- 'contact_group').

-- A person to send to. A number is in a department's book once (an import updates it).
CREATE TABLE sms_contact (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dept_code       varchar(32)  NOT NULL,       -- sms_user.dept_code of who may see it; '*': the whole hospital
    name            varchar(64)  NOT NULL,
    phone           varchar(32)  NOT NULL,       -- 11 digits, as hisms.engine.phone normalises it
    note            varchar(200),
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    CONSTRAINT uq_sms_contact_phone UNIQUE (dept_code, phone)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_sms_contact_name ON sms_contact (dept_code, name);

-- A named list of contacts of one department, to send to at once.
CREATE TABLE sms_contact_group (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dept_code       varchar(32)  NOT NULL,       -- as sms_contact.dept_code; its members are of this department
    name            varchar(64)  NOT NULL,
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    updated_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    updated_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    CONSTRAINT uq_sms_contact_group_name UNIQUE (dept_code, name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Who is in which group (deleted with the contact or the group, by the store).
CREATE TABLE sms_contact_member (
    group_id        BIGINT       NOT NULL,       -- sms_contact_group.id
    contact_id      BIGINT       NOT NULL,       -- sms_contact.id
    created_at      DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
    created_by      varchar(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    PRIMARY KEY (group_id, contact_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX ix_sms_contact_member_contact ON sms_contact_member (contact_id);
