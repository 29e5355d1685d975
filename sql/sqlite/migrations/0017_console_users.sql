-- hisms schema, version 17: the web console's users (issue 19). Created with `hisms user add`,
-- changed with `hisms user passwd|disable` and the console's users page; every login and
-- change is in sms_audit (object 'user').

-- A console user: an argon2 hash (never the password), a role and, for a department user,
-- the department (sms_outbox.dept_code) it sees and sends for.
CREATE TABLE sms_user (
    username            TEXT PRIMARY KEY,                              -- the login name
    password_hash       TEXT NOT NULL,                                 -- argon2id, as argon2-cffi writes it
    user_role           TEXT NOT NULL CHECK (user_role IN ('admin', 'operator', 'dept', 'auditor')), -- auditor: reads only
    dept_code           TEXT,                                          -- a department user's department; NULL: every one
    display_name        TEXT,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins       INTEGER NOT NULL DEFAULT 0,                    -- wrong passwords in a row
    locked_until        TEXT,                                          -- refused until then after too many wrong passwords
    password_changed_at TEXT NOT NULL,                                 -- the password expires [console] password_days after
    last_login_at       TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    created_by          TEXT NOT NULL DEFAULT 'hisms',
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_by          TEXT NOT NULL DEFAULT 'hisms'
);
