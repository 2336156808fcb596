"""The service's handle on the store: one engine, short sessions, the data directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "open_database"]

T = TypeVar("T")
_RETRIES = 8


def _transient(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("locked", "busy", "audit_events", "unique", "duplicate key",
                                         "could not serialize", "deadlock"))


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    data_dir: Path

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together at the end, or not at all."""
        with self.sessions.begin() as session:
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; retried when the database was busy or another writer won a race
        (SQLite busy, a concurrent audit append), so no change is lost and none is applied twice."""
        for attempt in range(_RETRIES):
            try:
                with self.sessions.begin() as session:
                    return work(session)
            except (OperationalError, IntegrityError) as exc:
                if attempt == _RETRIES - 1 or not _transient(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def run_dir(self, run_id: int) -> Path:
        return self.data_dir / "runs" / str(run_id)


def open_database(url: str, data_dir: Path) -> Database:
    """Connect to ``url`` (migrated to the current schema) and keep files under ``data_dir``."""
    engine = _engine(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    return Database(engine, sessionmaker(engine, expire_on_commit=False), data_dir)


def _engine(url: str) -> Engine:
    try:
        from chipdx.store import open_store  # type: ignore[attr-defined]
    except ImportError:  # TEMPORARY until the store's migrations land
        from sqlalchemy import create_engine, event

        from chipdx.store._models import Base

        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _wal(connection: Any, record: object) -> None:
            connection.isolation_level = None  # pysqlite: let the begin event below say BEGIN
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        Base.metadata.create_all(engine)
        return engine
    return open_store(url)  # type: ignore[no-any-return]
