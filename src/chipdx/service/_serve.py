"""Serving: the first admin of an empty store, and uvicorn on the given address."""

from __future__ import annotations

import os
import secrets
from typing import Any

__all__ = ["FIRST_ADMIN", "first_admin", "serve"]

FIRST_ADMIN = "admin"
PASSWORD_ENV = "CHIPDX_PASSWORD"


def first_admin(store: Any) -> tuple[str, str | None] | None:
    """Create the first admin when the store has no user: ``(name, password)`` with the password made here
    (None when it came from ``$CHIPDX_PASSWORD``); None when users exist."""
    if store.users():
        return None
    given = os.environ.get(PASSWORD_ENV, "")
    password = given or secrets.token_urlsafe(12)
    store.add_user(FIRST_ADMIN, "admin", password)
    return FIRST_ADMIN, None if given else password


def serve(app: Any, host: str, port: int) -> None:
    """Run ``app`` with uvicorn until interrupted (one process; the app runs its worker threads)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                proxy_headers=False)
