"""Users, passwords (argon2id), lock-out and tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import suppress
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chipdx.errors import AccessRefusedError, ConflictError, InvalidParameterError, NotFoundError, StoreError
from chipdx.store._core import ROLES, SYSTEM, StoreCore
from chipdx.store._models import ApiToken, User, utcnow
from chipdx.store._records import UserInfo

__all__ = ["LOCKOUT_AFTER", "MIN_PASSWORD", "ROLES", "UserStore", "user_info"]

LOCKOUT_AFTER = 5
MIN_PASSWORD = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")


def user_info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, user.role, user.locked, user.failed_logins, user.created_at)


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidParameterError("users", "name", "1-80 letters, digits or . _ @ - (starting with a letter "
                                    "or digit)", repr(name[:80]))
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidParameterError("users", "role", " | ".join(ROLES), repr(role))
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidParameterError("users", "password", f"at least {MIN_PASSWORD} characters",
                                    f"{len(password)}")
    return password


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserStore(StoreCore):
    """Users and sign-in; every change is audited."""

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(16))
        return self._dummy

    def _admin_name(self, session: Session, by: int | None) -> str:
        return SYSTEM if by is None else self._actor(session, by, "admin").name

    @staticmethod
    def _user_named(session: Session, name: str) -> User:
        user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise NotFoundError(f"user {name!r}: no such user")
        return user

    def add_user(self, name: str, role: str, password: str, *, by: int | None = None) -> UserInfo:
        """Create a user (``by`` an admin's id; ``None`` for the command line / first admin)."""
        _check_name(name)
        _check_role(role)
        digest = self.hasher.hash(_check_password(password))

        def work(session: Session) -> UserInfo:
            actor = self._admin_name(session, by)
            if session.execute(select(User.id).where(User.name == name)).first() is not None:
                raise ConflictError(f"user {name!r}: already exists")
            user = User(name=name, role=role, password_hash=digest, failed_logins=0, locked=False)
            session.add(user)
            session.flush()
            self._event(session, actor, "user.add", f"user:{name}", new=role)
            return user_info(user)

        return self._write(work)

    def users(self) -> list[UserInfo]:
        """Every user, by name."""
        with self._reading() as session:
            return [user_info(u) for u in session.execute(select(User).order_by(User.name)).scalars()]

    def user(self, user_id: int) -> UserInfo:
        with self._reading() as session:
            return user_info(self._user_row(session, user_id))

    def user_by_name(self, name: str) -> UserInfo:
        with self._reading() as session:
            return user_info(self._user_named(session, name))

    def set_password(self, name: str, password: str, *, by: int | None = None) -> None:
        """Set a new password (clears a lock-out)."""
        digest = self.hasher.hash(_check_password(password))

        def work(session: Session) -> None:
            actor = self._admin_name(session, by)
            user = self._user_named(session, name)
            user.password_hash, user.failed_logins, user.locked = digest, 0, False
            self._event(session, actor, "user.password", f"user:{name}")

        self._write(work)

    def unlock(self, name: str, *, by: int | None = None) -> None:
        def work(session: Session) -> None:
            actor = self._admin_name(session, by)
            user = self._user_named(session, name)
            user.failed_logins, user.locked = 0, False
            self._event(session, actor, "user.unlock", f"user:{name}")

        self._write(work)

    def _password_refusal(self, session: Session, user: User, password: str, what: str) -> StoreError | None:
        """``None`` when ``password`` is the user's; otherwise count the failure (locking at the limit)."""
        if user.locked:
            self._event(session, user.name, f"{what}.refused", f"user:{user.name}", reason="account locked")
            return AccessRefusedError(f"user {user.name}: the account is locked; an admin must unlock it")
        try:
            self.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            self._event(session, user.name, f"{what}.fail", f"user:{user.name}", new=str(user.failed_logins))
            if user.failed_logins >= LOCKOUT_AFTER:
                user.locked = True
                self._event(session, SYSTEM, "user.lock", f"user:{user.name}",
                            reason=f"{LOCKOUT_AFTER} failed password attempts")
            return AccessRefusedError(f"user {user.name}: wrong password")
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
        user.failed_logins = 0
        return None

    def authenticate(self, name: str, password: str) -> UserInfo:
        """The user when ``password`` is theirs; :class:`AccessRefusedError` otherwise (failures are counted and
        :data:`LOCKOUT_AFTER` in a row lock the account)."""

        def work(session: Session) -> UserInfo | StoreError:
            user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
            if user is None:
                with suppress(VerificationError):  # same work as for a real user: timing hides which names exist
                    self.hasher.verify(self._dummy_hash(), password)
                return AccessRefusedError("unknown user or wrong password")
            refusal = self._password_refusal(session, user, password, "login")
            if refusal is not None:
                return refusal
            self._event(session, user.name, "login", f"user:{user.name}")
            return user_info(user)

        return self._write_then_raise(work)

    def create_token(self, user_id: int, *, ttl_s: float = 8 * 3600) -> str:
        """A new random bearer/session token for ``user_id``; only its SHA-256 is stored."""
        token = secrets.token_urlsafe(32)

        def work(session: Session) -> None:
            self._actor(session, user_id, "technician")
            session.add(ApiToken(token_sha256=_token_digest(token), user_id=user_id, revoked=False,
                                 expires_at=utcnow() + timedelta(seconds=ttl_s)))

        self._write(work)
        return token

    def token_user(self, token: str) -> UserInfo | None:
        """The user of a live token; ``None`` when it is unknown, expired, revoked or the user is locked."""
        with self._reading() as session:
            row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                                  .where(ApiToken.token_sha256 == _token_digest(token))).first()
            if row is None:
                return None
            api_token, user = row
            if api_token.revoked or api_token.expires_at <= utcnow() or user.locked:
                return None
            return user_info(user)

    def revoke_token(self, token: str) -> None:
        def work(session: Session) -> None:
            row = session.execute(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))
            api_token = row.scalar_one_or_none()
            if api_token is not None:
                api_token.revoked = True

        self._write(work)
