"""The :class:`Store`: one object for the lab service's storage, opened from a database URL."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from chipdx.store._assays import AssayStore
from chipdx.store._engine import make_engine, upgrade
from chipdx.store._results import ResultStore

__all__ = ["Store"]


class Store(ResultStore, AssayStore):
    """Users, runs, jobs, results, reviews, releases and the audit trail in SQLite or PostgreSQL.

    Open one per process with :meth:`open` and share it (thread-safe: every call is its own transaction).

    Examples
    --------
    >>> store = Store.open("sqlite://")          # an in-memory database, migrated to head
    >>> admin = store.add_user("ada", "admin", "correct horse battery")
    >>> store.authenticate("ada", "correct horse battery").role
    'admin'
    >>> store.verify_audit().intact
    True
    """

    @classmethod
    def open(cls, url: str | None = None, *, anchor_path: Path | None = None, migrate: bool = True,
             hasher: PasswordHasher | None = None) -> Store:
        """Connect to ``url`` (default ``sqlite:///chipdx.db``) and run the migrations to head.

        ``anchor_path``: a file outside the database that keeps the audit chain head, so that cutting events
        off the end of the chain is detected even when the database's own head row was rewritten too.
        ``hasher``: the argon2 :class:`~argon2.PasswordHasher` (default: argon2-cffi's RFC 9106 low-memory
        profile, t=3, m=64 MiB, p=4); tests pass a cheaper argon2id profile to stay fast.
        """
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, anchor_path=anchor_path, hasher=hasher)
