"""Storage of the lab service (SPEC §8): SQLAlchemy 2.0 over SQLite (default) or PostgreSQL, Alembic migrations,
argon2 users, runs with durable jobs, result versions, reviews, e-signed releases and a hash-chained audit trail.

Layer: ``store <- model`` (+ errors). The web app (``chipdx.service``) and the CLI use :class:`Store`;
see ``docs/service.md``.

Examples
--------
>>> from chipdx.store import Store
>>> store = Store.open("sqlite://")
>>> tech = store.add_user("tess", "technician", "a long password")
>>> run, job = store.add_run("demo.rdml", b"<rdml/>", by=tech.id, assay="cdc-2019-ncov")
>>> (run.status, job.state, len(run.sha256))
('queued', 'queued', 64)
"""

from __future__ import annotations

from chipdx.store._audit import GENESIS, AuditReport
from chipdx.store._core import ROLES, permits
from chipdx.store._deliveries import MAX_DELIVERY_ATTEMPTS, control_id
from chipdx.store._engine import DEFAULT_URL, upgrade
from chipdx.store._records import (
    AssayInfo,
    AuditEventInfo,
    JobInfo,
    ReactionInfo,
    ReleasedRun,
    ReleaseInfo,
    ResultVersionInfo,
    ReviewInfo,
    RunInfo,
    SampleInfo,
    UserInfo,
)
from chipdx.store._results import DEFAULT_MEANING, RESULT_VALUES
from chipdx.store._runs import MAX_ATTEMPTS, RUN_STATES
from chipdx.store._store import Store
from chipdx.store._users import LOCKOUT_AFTER, MIN_PASSWORD

__all__ = [
    "DEFAULT_MEANING",
    "DEFAULT_URL",
    "GENESIS",
    "LOCKOUT_AFTER",
    "MAX_ATTEMPTS",
    "MAX_DELIVERY_ATTEMPTS",
    "MIN_PASSWORD",
    "RESULT_VALUES",
    "ROLES",
    "RUN_STATES",
    "AssayInfo",
    "AuditEventInfo",
    "AuditReport",
    "JobInfo",
    "ReactionInfo",
    "ReleaseInfo",
    "ReleasedRun",
    "ResultVersionInfo",
    "ReviewInfo",
    "RunInfo",
    "SampleInfo",
    "Store",
    "UserInfo",
    "control_id",
    "permits",
    "upgrade",
]
