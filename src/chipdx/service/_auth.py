"""Who is asking and may they: argon2 passwords, lock-out, signed session cookies with a CSRF token,
bearer tokens for the API, and the role matrix.

Roles (issue 14, after CFX Maestro Security Edition user levels and SENAITE's four-eyes
verification): a *technician* uploads and views, a *reviewer* also reviews and overrides, a
*releaser* views and releases (never a run in which they reviewed or overrode a result), an
*admin* manages users.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from chipdx.store._models import ROLES, User

__all__ = ["MAX_FAILED_LOGINS", "PERMISSIONS", "SESSION_COOKIE", "Identity", "Signer", "authenticate",
           "check_csrf", "hash_password", "identity", "require", "verify_password"]

PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "upload": frozenset({"technician", "reviewer", "admin"}),
    "review": frozenset({"reviewer"}),
    "release": frozenset({"releaser"}),
    "admin": frozenset({"admin"}),
}
MAX_FAILED_LOGINS = 5
SESSION_COOKIE = "chipdx_session"
SESSION_SECONDS = 8 * 3600
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class LoginRefused(Exception):
    """Wrong name or password, or a locked account (the message says which is safe to say)."""


def authenticate(session: Session, name: str, password: str) -> User:
    """The user ``name`` when ``password`` is right; counts failures and locks after too many."""
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        _HASHER.hash(password)  # same work as a real check: no timing hint that the name is unknown
        raise LoginRefused("wrong user name or password")
    if user.locked:
        raise LoginRefused("account locked after repeated failed log-ins; an admin can unlock it")
    if not verify_password(user, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked = True
        raise LoginRefused("wrong user name or password")
    user.failed_logins = 0
    return user


@dataclass(frozen=True)
class Identity:
    user_id: int
    name: str
    role: str
    csrf: str  # "" for bearer-token requests (no cookie, no CSRF risk)
    via: str  # "session" | "token"


class Signer:
    """Signs session cookies and API tokens with the server's secret key."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="chipdx-session")
        self._token = URLSafeTimedSerializer(secret, salt="chipdx-api-token")

    def session_cookie(self, user_id: int) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        return self._session.dumps({"u": user_id, "c": csrf}), csrf

    def token(self, user_id: int) -> str:
        return self._token.dumps({"u": user_id})

    def read_session(self, value: str) -> tuple[int, str] | None:
        data = self._load(self._session, value)
        return None if data is None else (int(data["u"]), str(data["c"]))

    def read_token(self, value: str) -> int | None:
        data = self._load(self._token, value)
        return None if data is None else int(data["u"])

    @staticmethod
    def _load(serializer: URLSafeTimedSerializer, value: str) -> dict[str, Any] | None:
        try:
            data = serializer.loads(value, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and "u" in data else None


def identity(request: Request) -> Identity | None:
    """The user of a request from its bearer token or its session cookie; None when neither is valid."""
    signer: Signer = request.app.state.signer
    header = request.headers.get("authorization", "")
    user_id: int | None
    csrf, via = "", "token"
    if header.lower().startswith("bearer "):
        user_id = signer.read_token(header[7:].strip())
    else:
        found = signer.read_session(request.cookies.get(SESSION_COOKIE, ""))
        user_id, csrf = found if found else (None, "")
        via = "session"
    if user_id is None:
        return None
    with request.app.state.db.sessions() as session:
        user = session.get(User, user_id)
        if user is None or user.locked:
            return None
        return Identity(user.id, user.name, user.role, csrf, via)


def require(permission: str) -> Any:
    """A FastAPI dependency: 401 without a valid session or token, 403 for a role without ``permission``."""
    roles = PERMISSIONS[permission]

    async def dependency(request: Request) -> Identity:
        who = await run_in_threadpool(identity, request)
        if who is None:
            raise HTTPException(401, "log in first (session) or send a bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        if who.role not in roles:
            raise HTTPException(403, f"role {who.role} may not {permission}")
        if request.method not in {"GET", "HEAD"} and who.via == "session":
            token = request.headers.get("x-csrf-token")
            if token is None and _is_form(request):
                token = str((await request.form()).get("csrf", ""))
            check_csrf(who, token or "")
        request.state.identity = who
        return who

    dependency.__name__ = f"require_{permission}"
    return dependency


def check_csrf(who: Identity, token: str) -> None:
    """Refuse (403) a cookie-authenticated change whose CSRF token is not the session's."""
    if who.via == "session" and not hmac.compare_digest(who.csrf.encode(), token.encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
