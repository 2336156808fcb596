"""Engines and transactions: SQLite (WAL, ``BEGIN IMMEDIATE`` writers, busy retried) or PostgreSQL (psycopg 3).

Migrations: :func:`upgrade` runs the Alembic revisions shipped in ``chipdx/store/migrations`` up to head on the
given engine, so an empty database gets every table and trigger.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from chipdx.errors import InvalidParameterError

__all__ = ["DEFAULT_URL", "make_engine", "read_session", "upgrade", "write_transaction"]

DEFAULT_URL = "sqlite:///chipdx.db"
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 30.0
RETRIES = 6
T = TypeVar("T")


def _sqlite_events(engine: Engine) -> None:
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read = connection.get_execution_options().get("chipdx_read", False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read else "BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default ``sqlite:///chipdx.db``); only SQLite and PostgreSQL are accepted."""
    text = url or DEFAULT_URL
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise InvalidParameterError("store", "--db", "a database URL such as sqlite:///chipdx.db or "
                                    "postgresql+psycopg://user@host/db", repr(text)) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        connect_args = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):  # one shared in-memory database for every connection
            engine = create_engine(parsed, connect_args=connect_args, poolclass=StaticPool)
        else:
            engine = create_engine(parsed, connect_args=connect_args)
        _sqlite_events(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise InvalidParameterError("store", "--db", "a sqlite:/// or postgresql+psycopg:// URL", repr(text))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the shipped Alembic migrations on ``engine`` up to ``revision``."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None)
    return ("database is locked" in text or "database is busy" in text
            or code in ("40001", "40P01"))  # PostgreSQL serialization failure, deadlock


def write_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one write transaction, retried when SQLite is busy or PostgreSQL must serialise."""
    for attempt in range(RETRIES):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)
        except (OperationalError, DBAPIError) as exc:
            if attempt == RETRIES - 1 or not _retryable(exc):
                raise
            time.sleep(0.02 * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only session (``BEGIN DEFERRED`` on SQLite, so readers never wait for a writer in WAL)."""
    with Session(engine.execution_options(chipdx_read=True)) as session, session.begin():
        yield session
