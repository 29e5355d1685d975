-- hisms schema, version 17: the web console's users (issue 19). Created with `hisms user add`,
-- changed with `hisms user passwd|disable` and the console's users page; every login and
-- change is in sms_audit (object 'user').

-- A console user: an argon2 hash (never the password), a role and, for a department user,
-- the department (sms_outbox.dept_code) it sees and sends for.
CREATE TABLE sms_user (
    username            NVARCHAR(64) PRIMARY KEY,                      -- the login name
    password_hash       NVARCHAR(200) NOT NULL,                        -- argon2id, as argon2-cffi writes it
    user_role           NVARCHAR(16) NOT NULL CHECK (user_role IN ('admin', 'operator', 'dept', 'auditor')), -- auditor: reads only
    dept_code           NVARCHAR(32),                                  -- a department user's department; NULL: every one
    display_name        NVARCHAR(64),
    disabled            INT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins       INT NOT NULL DEFAULT 0,                        -- wrong passwords in a row
    locked_until        DATETIME2(3),                                  -- refused until then after too many wrong passwords
    password_changed_at DATETIME2(3) NOT NULL,                         -- the password expires [console] password_days after
    last_login_at       DATETIME2(3),
    created_at          DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by          NVARCHAR(64) NOT NULL DEFAULT SUSER_SNAME(),
    updated_at          DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by          NVARCHAR(64) NOT NULL DEFAULT SUSER_SNAME()
);
