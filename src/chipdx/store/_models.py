"""SQLAlchemy 2.0 tables of the lab service: users, runs, reactions, samples with result versions,
reviews, releases, durable jobs and the append-only audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "JOB_STATES",
    "ROLES",
    "RUN_STATES",
    "AuditEvent",
    "Base",
    "Job",
    "Reaction",
    "Release",
    "ResultVersion",
    "Review",
    "Run",
    "Sample",
    "User",
    "utcnow",
]

ROLES = ("technician", "reviewer", "releaser", "admin")
RUN_STATES = ("queued", "running", "done", "failed", "released")
JOB_STATES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    """Now in UTC, microseconds kept (every stored time is UTC)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(40), default="")
    instrument: Mapped[str] = mapped_column(String(120), default="")
    assay: Mapped[str] = mapped_column(String(120), default="")
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    stored_path: Mapped[str] = mapped_column(String(500), default="")


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("run_id", "well", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    well: Mapped[str] = mapped_column(String(20))
    sample: Mapped[str] = mapped_column(String(120), default="")
    target: Mapped[str] = mapped_column(String(120), default="")
    dye: Mapped[str] = mapped_column(String(40), default="")
    cq: Mapped[float | None] = mapped_column(Float, nullable=True)
    copies_per_ul: Mapped[float | None] = mapped_column(Float, nullable=True)
    call: Mapped[str] = mapped_column(String(20), default="")
    flags: Mapped[str] = mapped_column(Text, default="")  # ';'-joined codes, as in the CSV contract
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)


class Sample(Base):
    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("run_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sample_type: Mapped[str] = mapped_column(String(40), default="")


class ResultVersion(Base):
    """One interpretation of a sample; a correction is a new version with a reason, never an overwrite."""

    __tablename__ = "result_versions"
    __table_args__ = (UniqueConstraint("sample_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(Text, default="")
    reason_codes: Mapped[str] = mapped_column(Text, default="")
    rule_ids: Mapped[str] = mapped_column(Text, default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="analysis")  # analysis | override | correction
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("result_versions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    old_result: Mapped[str] = mapped_column(String(40))
    new_result: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Release(Base):
    """The e-signature of a release: who, when and what the signature means."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meaning: Mapped[str] = mapped_column(Text, default="released: results reviewed and approved for reporting")


class Job(Base):
    """A durable analysis job; a worker claims it atomically, a restart re-queues running ones."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); each hash covers the previous hash."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO-8601 UTC text: hashed exactly as stored
    user: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
