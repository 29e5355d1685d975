"""Console users: argon2 hashes, roles and a department scope, the password rules, the
lock-out after failed logins; every login and change in ``sms_audit`` (object 'user')."""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hisms.adapters.console.settings import ConsoleConfig
from hisms.engine.store.policystore import PolicyStore, Who, audit

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Checked against a missing user too, so a wrong name takes as long as a wrong
    password (made on first use: a hash costs tens of milliseconds and 64 MiB)."""
    return _HASHER.hash("not a password of anybody")


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything, users included
    OPERATOR = "operator"  # sends, searches, edits the policy tables and channels
    DEPT = "dept"  # sends and searches for its department only
    AUDITOR = "auditor"  # reads everything, the audit trail included; changes nothing


ROLE_NAMES = {
    Role.ADMIN: "管理员",
    Role.OPERATOR: "操作员",
    Role.DEPT: "科室用户",
    Role.AUDITOR: "审计员",
}


class UserError(Exception):
    """A refused user change or login; the message is for the person at the screen."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    password_hash: str
    user_role: str
    dept_code: str | None
    display_name: str | None
    disabled: int
    failed_logins: int
    locked_until: datetime | None
    password_changed_at: datetime
    last_login_at: datetime | None

    @property
    def role(self) -> Role:
        return Role(self.user_role)

    @property
    def scope(self) -> str | None:
        """The department this user sees and sends for; None: every one."""
        return self.dept_code if self.role is Role.DEPT else None

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> User:
        times = ("locked_until", "password_changed_at", "last_login_at")
        values = {k: _utc(row[k]) if k in times else row[k] for k in cls.__slots__}
        return cls(**values)


def password_problem(password: str, cfg: ConsoleConfig) -> str | None:
    """Why ``password`` breaks the rules (等保三级: length and three kinds of character)."""
    if len(password) < cfg.password_min_length:
        return f"密码至少 {cfg.password_min_length} 位"
    kinds = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^a-zA-Z\d]"))
    if kinds < 3:
        return "密码须含大写字母、小写字母、数字、符号中的至少三类"
    return None


class Users:
    """The ``sms_user`` table through a store's transactions."""

    def __init__(self, store: PolicyStore, cfg: ConsoleConfig) -> None:
        self._store = store
        self._cfg = cfg

    def get(self, username: str) -> User | None:
        with self._store.transaction() as tx:
            rows = tx.run("user_get", username=username)
        return User.of_row(rows[0]) if rows else None

    def all(self) -> list[User]:
        with self._store.transaction() as tx:
            return [User.of_row(r) for r in tx.run("user_rows")]

    def add(self, username: str, password: str, role: Role, dept: str | None, who: Who) -> User:
        if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", username):
            raise UserError("用户名须为 2-64 位字母、数字或 _.@-")
        if role is Role.DEPT and not dept:
            raise UserError("科室用户须指定科室")
        self._check(password)
        user = User(username, _HASHER.hash(password), role.value, dept or None, None, 0, 0,
                    None, _now(), None)  # fmt: skip
        with self._store.transaction() as tx:
            if tx.run("user_get", username=username):
                raise UserError(f"用户 {username} 已存在")
            tx.changed("insert_user", actor=who.actor, **asdict(user))
            audit(tx, who, "create", "user", username, None, _shown(user))
        return user

    def set_password(self, username: str, password: str, who: Who) -> None:
        user = self._existing(username)
        self._check(password)
        if _matches(user.password_hash, password):
            raise UserError("新密码不能与原密码相同")
        changed = replace(user, password_hash=_HASHER.hash(password), password_changed_at=_now(),
                          failed_logins=0, locked_until=None)  # fmt: skip
        self._save(changed, who, "passwd", user)

    def set_disabled(self, username: str, disabled: bool, who: Who) -> None:
        user = self._existing(username)
        action = "disable" if disabled else "enable"
        self._save(replace(user, disabled=int(disabled)), who, action, user)

    def login(self, username: str, password: str, who: Who) -> User:
        """The user, or UserError saying why not; a wrong password counts toward the
        lock-out. Every attempt is audited."""
        user = self.get(username)
        now = _now()
        if user is None:
            _matches(_dummy_hash(), password)
            self._store.audit(who, "login-failed", "user", username, None, {"why": "unknown"})
            raise UserError("用户名或密码错误")
        if user.locked_until and user.locked_until > now:
            self._store.audit(who, "login-refused", "user", username, None, {"why": "locked"})
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            raise UserError(f"连续登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试")
        if not _matches(user.password_hash, password):
            self._failed(user, who, now)
            raise UserError("用户名或密码错误")
        if user.disabled:
            self._store.audit(who, "login-refused", "user", username, None, {"why": "disabled"})
            raise UserError("账户已停用")
        done = replace(user, failed_logins=0, locked_until=None, last_login_at=now)
        self._save(done, who, "login", None)
        return done

    def expired(self, user: User) -> bool:
        return _now() - user.password_changed_at > timedelta(days=self._cfg.password_days)

    def _failed(self, user: User, who: Who, now: datetime) -> None:
        failed = user.failed_logins + 1
        locked = None
        if failed >= self._cfg.max_failed_logins:
            locked, failed = now + timedelta(minutes=self._cfg.lockout_minutes), 0
        self._save(replace(user, failed_logins=failed, locked_until=locked), who,
                   "lock" if locked else "login-failed", None)  # fmt: skip

    def _existing(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise UserError(f"没有用户 {username}")
        return user

    def _check(self, password: str) -> None:
        if problem := password_problem(password, self._cfg):
            raise UserError(problem)

    def _save(self, user: User, who: Who, action: str, before: User | None) -> None:
        with self._store.transaction() as tx:
            tx.changed("update_user", actor=who.actor, **asdict(user))
            after = _shown(user) if before else {"failed_logins": user.failed_logins}
            shown = _shown(before) if before else None
            audit(tx, who, action, "user", user.username, shown, after)


def _shown(user: User) -> dict[str, Any]:
    """A user as the audit trail keeps it: never the hash."""
    return {"role": user.user_role, "dept_code": user.dept_code, "disabled": user.disabled}


def _matches(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: Any) -> Any:
    """A stored time as an aware UTC datetime (SQLite answers text, MySQL naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
