-- hisms schema, version 14: the web console's address book (issue 19). Contacts, contact
-- groups and who is in which group, each in a department ('*': the whole hospital); changed
-- by the console's 通讯录 page, every change in sms_audit (objects 'contact' and
-- 'contact_group').

-- A person to send to. A number is in a department's book once (an import updates it).
CREATE TABLE sms_contact (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    dept_code       NVARCHAR(32)  NOT NULL,       -- sms_user.dept_code of who may see it; '*': the whole hospital
    name            NVARCHAR(64)  NOT NULL,
    phone           NVARCHAR(32)  NOT NULL,       -- 11 digits, as hisms.engine.phone normalises it
    note            NVARCHAR(200),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    CONSTRAINT uq_sms_contact_phone UNIQUE (dept_code, phone)
);
CREATE INDEX ix_sms_contact_name ON sms_contact (dept_code, name);

-- A named list of contacts of one department, to send to at once.
CREATE TABLE sms_contact_group (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    dept_code       NVARCHAR(32)  NOT NULL,       -- as sms_contact.dept_code; its members are of this department
    name            NVARCHAR(64)  NOT NULL,
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    CONSTRAINT uq_sms_contact_group_name UNIQUE (dept_code, name)
);

-- Who is in which group (deleted with the contact or the group, by the store).
CREATE TABLE sms_contact_member (
    group_id        BIGINT       NOT NULL,       -- sms_contact_group.id
    contact_id      BIGINT       NOT NULL,       -- sms_contact.id
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX ix_sms_contact_member_contact ON sms_contact_member (contact_id);
