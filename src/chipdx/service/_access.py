"""Who is asking, and may they: sessions and bearer tokens, the role matrix, CSRF on every change.

Roles are levels (:data:`chipdx.store.ROLES`, after CFX Maestro Security Edition user levels): a
*technician* views and uploads; a *reviewer* also reviews, overrides and changes analysis settings;
a *releaser* also releases with an e-signature and corrects released results; an *admin* also
manages users. Four eyes (SENAITE LIMS verification): nobody releases a run they uploaded, reviewed
or re-set (the store checks the review side, :func:`chipdx.service._actions.release` the upload).

A session cookie and an API bearer token are the same thing: an opaque token kept (as its SHA-256)
by :mod:`chipdx.store`. A cookie-carried request that changes something must also carry the CSRF
token of its session, ``HMAC-SHA256(secret, token)`` (OWASP "signed double-submit" pattern), in the
form field ``csrf`` or the header ``X-CSRF-Token``; a bearer request cannot be forged cross-site and
needs none.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from chipdx.store import ROLES, permits

__all__ = ["PERMISSIONS", "SESSION_COOKIE", "Identity", "csrf_token", "permission_of", "require"]

_LEVEL = {"view": "technician", "upload": "technician", "review": "reviewer", "release": "releaser",
          "admin": "admin"}
#: permission -> the roles that have it
PERMISSIONS: dict[str, frozenset[str]] = {
    permission: frozenset(role for role in ROLES if permits(role, level)) for permission, level in _LEVEL.items()}
SESSION_COOKIE = "chipdx_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Identity:
    """The user behind a request and how they proved it (``session`` cookie or bearer ``token``)."""

    user_id: int
    name: str
    role: str
    token: str
    via: str

    def may(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def csrf_token(secret: str, token: str) -> str:
    """The CSRF token of the session ``token``."""
    return hmac.new(secret.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), "token"
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return (cookie, "session") if cookie else None


def identity(request: Request) -> Identity | None:
    """The user of a request, or None without a valid (unexpired, unrevoked, unlocked) token."""
    found = _credentials(request)
    if found is None:
        return None
    token, via = found
    user = request.app.state.store.token_user(token)
    if user is None:
        return None
    return Identity(user.id, user.name, user.role, token, via)


async def _check_csrf(request: Request, who: Identity) -> None:
    if who.via != "session" or request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    expected = csrf_token(request.app.state.secret, who.token)
    if not hmac.compare_digest(expected.encode(), (sent or "").encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def require(permission: str) -> Callable[[Request], Awaitable[Identity]]:
    """A FastAPI dependency: 401 without a valid session or token, 403 for a role without ``permission``
    or a cookie request without its CSRF token."""
    roles = PERMISSIONS[permission]

    async def dependency(request: Request) -> Identity:
        who = await run_in_threadpool(identity, request)
        if who is None:
            raise HTTPException(401, "log in first (session) or send a bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        if who.role not in roles:
            raise HTTPException(403, f"role {who.role} may not {permission}")
        await _check_csrf(request, who)
        request.state.identity = who
        return who

    dependency.__name__ = f"require_{permission}"
    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def permission_of(dependency: object) -> str | None:
    """The permission a :func:`require` dependency checks (for the route x role test and the docs)."""
    value = getattr(dependency, "permission", None)
    return value if isinstance(value, str) else None
