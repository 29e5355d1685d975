-- hisms schema, version 17: the web console's users (issue 19). Created with `hisms user add`,
-- changed with `hisms user passwd|disable` and the console's users page; every login and
-- change is in sms_audit (object 'user').

-- A console user: an argon2 hash (never the password), a role and, for a department user,
-- the department (sms_outbox.dept_code) it sees and sends for.
CREATE TABLE sms_user (
    username            VARCHAR2(64) PRIMARY KEY,                      -- the login name
    password_hash       VARCHAR2(200) NOT NULL,                        -- argon2id, as argon2-cffi writes it
    user_role           VARCHAR2(16) NOT NULL CHECK (user_role IN ('admin', 'operator', 'dept', 'auditor')), -- auditor: reads only
    dept_code           VARCHAR2(32),                                  -- a department user's department; NULL: every one
    display_name        VARCHAR2(64),
    disabled            NUMBER(10) DEFAULT 0 NOT NULL CHECK (disabled IN (0, 1)),
    failed_logins       NUMBER(10) DEFAULT 0 NOT NULL,                 -- wrong passwords in a row
    locked_until        TIMESTAMP(3),                                  -- refused until then after too many wrong passwords
    password_changed_at TIMESTAMP(3) NOT NULL,                         -- the password expires [console] password_days after
    last_login_at       TIMESTAMP(3),
    created_at          TIMESTAMP(3) DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    created_by          VARCHAR2(64) DEFAULT USER NOT NULL,
    updated_at          TIMESTAMP(3) DEFAULT SYS_EXTRACT_UTC(SYSTIMESTAMP) NOT NULL,
    updated_by          VARCHAR2(64) DEFAULT USER NOT NULL
);
