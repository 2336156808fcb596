"""The store's core: engine, transactions that write their audit event, the anchor file, look-ups."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chipdx.errors import AccessRefusedError, InvalidParameterError, NotFoundError, StoreError
from chipdx.store._audit import AuditReport, append_event, verify_chain, write_anchor
from chipdx.store._engine import read_session, write_transaction
from chipdx.store._models import AuditEvent, Run, User
from chipdx.store._records import AuditEventInfo

__all__ = ["ROLES", "StoreCore", "permits"]

# user levels, each including the ones before it (as CFX Maestro Security Edition's user levels):
# technician uploads and views; reviewer also reviews, overrides and re-sets analyses; releaser also
# releases and corrects (never a run they reviewed: four eyes); admin also manages users.
ROLES = ("technician", "reviewer", "releaser", "admin")


def permits(role: str, needed: str) -> bool:
    """Whether a user of ``role`` may do what needs ``needed``.

    >>> permits("releaser", "reviewer"), permits("reviewer", "releaser")
    (True, False)
    """
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)

T = TypeVar("T")
SYSTEM = "system"
_HEAD_KEY = "chipdx_audit_head"


class StoreCore:
    """Engine, transactions and audit; the subject mixins (users, runs, results) build on it."""

    def __init__(self, engine: Engine, *, anchor_path: Path | None = None,
                 hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.anchor_path = anchor_path
        # argon2id with argon2-cffi's defaults (RFC 9106 "low memory" profile: t=3, m=64 MiB, p=4)
        self.hasher = hasher if hasher is not None else PasswordHasher()
        self._dummy: str | None = None

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction; then move the file anchor to the new audit head."""
        heads: list[tuple[int, str]] = []

        def run(session: Session) -> T:
            result = work(session)
            session.flush()
            if _HEAD_KEY in session.info:
                heads.append(session.info.pop(_HEAD_KEY))
            return result

        result = write_transaction(self.engine, run)
        if self.anchor_path is not None and heads:
            write_anchor(self.anchor_path, *heads[-1])
        return result

    def _write_then_raise(self, work: Callable[[Session], T | StoreError]) -> T:
        """Like :meth:`_write`, but a returned error is raised after the commit (a failed login is kept)."""
        result = self._write(work)
        if isinstance(result, StoreError):
            raise result
        return result

    def _event(self, session: Session, actor: str, action: str, target: str, *, run_id: int | None = None,
               old: str = "", new: str = "", reason: str = "") -> None:
        event = append_event(session, actor, action, target, run_id=run_id, old=old, new=new, reason=reason)
        session.info[_HEAD_KEY] = (event.seq, event.hash)

    def _reading(self) -> AbstractContextManager[Session]:
        return read_session(self.engine)

    # -- look-ups -----------------------------------------------------------------------------------------
    @staticmethod
    def _user_row(session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id}: no such user")
        return user

    def _actor(self, session: Session, user_id: int, needed: str) -> User:
        """The acting user, refused when locked or below the ``needed`` role."""
        user = self._user_row(session, user_id)
        if user.locked:
            raise AccessRefusedError(f"user {user.name}: the account is locked")
        if not permits(user.role, needed):
            raise AccessRefusedError(f"user {user.name}: role {user.role} may not do this; needs {needed} or above")
        return user

    @staticmethod
    def _run_row(session: Session, run_id: int, *, lock: bool = False) -> Run:
        statement = select(Run).where(Run.id == run_id)
        run = session.execute(statement.with_for_update() if lock else statement).scalar_one_or_none()
        if run is None:
            raise NotFoundError(f"run {run_id}: no such run")
        return run

    @staticmethod
    def _reason(reason: str, owner: str) -> str:
        text = " ".join(reason.split())
        if not text:
            raise InvalidParameterError(owner, "reason", "a non-empty reason", "an empty one")
        if len(text) > 2000:
            raise InvalidParameterError(owner, "reason", "at most 2000 characters", f"{len(text)}")
        return text

    # -- audit --------------------------------------------------------------------------------------------
    def audit(self, run_id: int | None = None) -> list[AuditEventInfo]:
        """Audit events oldest first; with ``run_id``, only those about that run (its samples, jobs, release)."""
        statement = select(AuditEvent).order_by(AuditEvent.seq)
        if run_id is not None:
            statement = statement.where(AuditEvent.run_id == run_id)
        with self._reading() as session:
            return [AuditEventInfo(e.seq, e.at, e.user, e.action, e.target, e.run_id, e.old, e.new, e.reason,
                                   e.hash) for e in session.execute(statement).scalars()]

    def verify_audit(self) -> AuditReport:
        """Check the whole chain, the stored head and the anchor file (when the store has one)."""
        with self._reading() as session:
            return verify_chain(session, self.anchor_path)
