"""Storage of the lab service (SPEC §8): SQLAlchemy 2.0 tables and the hash-chained audit trail.

Layer: ``store <- model`` (+ errors). API for ``chipdx.service`` (work in progress, see docs when merged):

* tables: :class:`User`, :class:`Run`, :class:`Reaction`, :class:`Sample`, :class:`ResultVersion`
  (corrections are a new version with a reason), :class:`Review`, :class:`Release` (e-signature: user, at,
  meaning), :class:`Job` (queued/running/done/failed), :class:`AuditEvent`; ``Base.metadata`` holds them.
* :func:`append_event` adds the next hash-chained audit event in the caller's session;
  :func:`verify_chain` returns ``(n_checked, AuditBreak | None)``.

Not yet here: the ``Store`` factory from a URL (SQLite WAL/busy retry, PostgreSQL), the UPDATE/DELETE
triggers, Alembic migrations, argon2 users.
"""

from __future__ import annotations

from chipdx.store._audit import GENESIS, AuditBreak, append_event, event_hash, verify_chain
from chipdx.store._models import (
    JOB_STATES,
    ROLES,
    RUN_STATES,
    AuditEvent,
    Base,
    Job,
    Reaction,
    Release,
    ResultVersion,
    Review,
    Run,
    Sample,
    User,
    utcnow,
)

__all__ = [
    "GENESIS", "JOB_STATES", "ROLES", "RUN_STATES", "AuditBreak", "AuditEvent", "Base", "Job", "Reaction",
    "Release", "ResultVersion", "Review", "Run", "Sample", "User", "append_event", "event_hash", "utcnow",
    "verify_chain",
]
