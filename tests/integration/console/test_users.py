"""Console users on every live database: hashes, lock-out, expiry, disabling, the audit rows."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta

import pytest

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, UserError, Users
from hisms.carrier.base import utcnow
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import AuditFilter, Who

ADMIN = Who("cli:root", "hisms-cli")
BROWSER = Who("console:alice", "console", "10.0.0.7")
GOOD = "Ward-7-night"


def users(store: Store) -> Users:
    return Users(store, ConsoleConfig(max_failed_logins=3))


def test_a_user_logs_in_with_its_password_and_never_by_its_hash(store: Store) -> None:
    added = users(store).add("alice", GOOD, Role.DEPT, "ICU", ADMIN)
    assert added.password_hash.startswith("$argon2id$") and GOOD not in added.password_hash
    user = users(store).login("alice", GOOD, BROWSER)
    assert (user.role, user.scope, user.last_login_at is not None) == (Role.DEPT, "ICU", True)
    rows = store.audit_trail(AuditFilter(object="user", name="alice"))
    assert [r["action"] for r in rows] == ["login", "create"]
    assert all(GOOD not in str(r) and "argon2" not in str(r) for r in rows)
    assert rows[0]["client_ip"] == "10.0.0.7"


def test_wrong_passwords_lock_the_user_out_even_from_the_right_one(store: Store) -> None:
    users(store).add("alice", GOOD, Role.OPERATOR, None, ADMIN)
    for _ in range(3):
        with pytest.raises(UserError, match="用户名或密码错误"):
            users(store).login("alice", "Wrong-pass-1", BROWSER)
    with pytest.raises(UserError, match="锁定"):
        users(store).login("alice", GOOD, BROWSER)
    actions = [r["action"] for r in store.audit_trail(AuditFilter(object="user"))]
    assert actions[:3] == ["login-refused", "lock", "login-failed"]
    with pytest.raises(UserError, match="不能与原密码相同"):
        users(store).set_password("alice", GOOD, ADMIN)
    users(store).set_password("alice", "Another-pass-2", ADMIN)  # lifts the lock
    assert users(store).login("alice", "Another-pass-2", BROWSER).failed_logins == 0


def test_unknown_and_disabled_users_are_refused(store: Store) -> None:
    with pytest.raises(UserError, match="用户名或密码错误"):
        users(store).login("nobody", GOOD, BROWSER)
    with pytest.raises(UserError, match="没有用户 nobody"):
        users(store).set_disabled("nobody", True, ADMIN)
    users(store).add("bob", GOOD, Role.AUDITOR, None, ADMIN)
    users(store).set_disabled("bob", True, ADMIN)
    with pytest.raises(UserError, match="停用"):
        users(store).login("bob", GOOD, BROWSER)


def test_a_password_expires_after_password_days(store: Store) -> None:
    user = users(store).add("carol", GOOD, Role.ADMIN, None, ADMIN)
    assert not users(store).expired(user)
    old = replace(user, password_changed_at=utcnow() - timedelta(days=91))
    with store.transaction() as tx:
        tx.changed("update_user", actor="test", **asdict(old))
    assert users(store).expired(users(store).get("carol"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "password", "role", "dept", "why"),
    [
        ("dave", "short1A!", Role.ADMIN, None, "至少 10 位"),
        ("dave", "alllowercase1", Role.ADMIN, None, "至少三类"),
        ("d", GOOD, Role.ADMIN, None, "用户名"),
        ("dave", GOOD, Role.DEPT, None, "科室"),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(
    store: Store, name: str, password: str, role: Role, dept: str | None, why: str
) -> None:
    with pytest.raises(UserError, match=why):
        users(store).add(name, password, role, dept, ADMIN)
    assert users(store).all() == []
