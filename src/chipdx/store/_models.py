"""SQLAlchemy 2.0 tables of the lab service: users and tokens, runs with their analyses, reactions, dPCR
wells, samples with result versions, reviews, releases, durable jobs and the append-only audit trail.

The Alembic migrations in ``chipdx/store/migrations`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Analysis", "ApiToken", "Assay", "AuditEvent", "AuditHead", "Base", "DpcrWell", "Job", "Reaction", "Release",
    "ResultVersion", "Review", "Run", "Sample", "User", "UtcDateTime", "utcnow",
]


def utcnow() -> datetime:
    """Now in UTC, microseconds kept (every stored time is UTC)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone: stored naive UTC, read back aware)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiToken(Base):
    """A bearer/session token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


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
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    stored_path: Mapped[str] = mapped_column(String(500), default="")
    settings: Mapped[str] = mapped_column(Text, default="{}")  # JSON: manual threshold, baseline, excluded wells
    release_version: Mapped[int] = mapped_column(Integer, default=0)


class Analysis(Base):
    """One completed analysis of a run; ``job_id`` is unique, so a job's results are stored once."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("run_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("analysis_id", "qpcr_run", "well", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    qpcr_run: Mapped[str] = mapped_column(String(120), default="")
    well: Mapped[str] = mapped_column(String(20))
    sample: Mapped[str] = mapped_column(String(120), default="")
    sample_type: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[str] = mapped_column(String(120), default="")
    dye: Mapped[str] = mapped_column(String(40), default="")
    cq: Mapped[float | None] = mapped_column(Float, nullable=True)
    efficiency: Mapped[float | None] = mapped_column(Float, nullable=True)
    n0: Mapped[float | None] = mapped_column(Float, nullable=True)
    amplified: Mapped[bool] = mapped_column(Boolean, default=False)
    quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    instrument_cq: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_amplified: Mapped[float | None] = mapped_column(Float, nullable=True)
    curve_call: Mapped[str | None] = mapped_column(String(20), nullable=True)
    flags: Mapped[str] = mapped_column(Text, default="")  # ';'-joined codes, as in the CSV contract
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)


class DpcrWell(Base):
    __tablename__ = "dpcr_wells"
    __table_args__ = (UniqueConstraint("analysis_id", "well", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    well: Mapped[str] = mapped_column(String(20))
    sample: Mapped[str] = mapped_column(String(120), default="")
    sample_type: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[str] = mapped_column(String(120), default="")
    channel: Mapped[str] = mapped_column(String(40), default="")
    n_total: Mapped[int] = mapped_column(Integer)
    n_positive: Mapped[int] = mapped_column(Integer)
    n_negative: Mapped[int] = mapped_column(Integer)
    n_rain: Mapped[int] = mapped_column(Integer)
    lambda_: Mapped[float | None] = mapped_column("lambda", Float, nullable=True)
    copies_per_ul: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    flags: Mapped[str] = mapped_column(Text, default="")


class Sample(Base):
    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("run_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sample_type: Mapped[str] = mapped_column(String(40), default="")


class ResultVersion(Base):
    """One interpretation of a sample; a review or correction is a new version with a reason, never an edit."""

    __tablename__ = "result_versions"
    __table_args__ = (UniqueConstraint("sample_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("analyses.id"), nullable=True)
    result: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(Text, default="")
    reason_codes: Mapped[str] = mapped_column(Text, default="")
    rule_ids: Mapped[str] = mapped_column(Text, default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="analysis")  # analysis | review | correction
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    payload: Mapped[str] = mapped_column(Text)  # the model SampleResult as JSON (with its targets)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("result_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    old_result: Mapped[str] = mapped_column(String(40))
    new_result: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Release(Base):
    """The e-signature of a release: who, when, what the signature means and which result versions it covers."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("run_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    meaning: Mapped[str] = mapped_column(Text)
    items: Mapped[str] = mapped_column(Text)  # JSON [[sample_id, result_version], ...]


class Job(Base):
    """A durable job: claimed with a lease that its worker renews; an expired lease is reclaimed.

    ``kind`` "analysis" analyses the run; "lis" sends one release of it to one ``destination`` (MLLP, FHIR
    REST or an export folder), ``delivery_key`` (destination + message control id) unique so a release is
    queued once per destination, ``not_before`` the back-off after a failed attempt.
    """

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20), default="analysis", server_default="analysis", index=True)
    destination: Mapped[str] = mapped_column(String(500), default="", server_default="")
    release_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivery_key: Mapped[str | None] = mapped_column(String(700), nullable=True, unique=True, index=True)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Assay(Base):
    """An assay definition uploaded by an admin (the YAML kept as uploaded, with its SHA-256); retired ones
    stay for the runs that used them but are no longer offered for new uploads."""

    __tablename__ = "assays"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); each hash covers the previous hash."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO-8601 UTC text: hashed exactly as stored
    user: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row naming the chain head (last seq and hash); it may only advance by one (trigger)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
