"""The records the store hands out: frozen, detached from any database session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chipdx.model import SampleResult, TargetResult

__all__ = [
    "AssayInfo", "AuditEventInfo", "JobInfo", "ReactionInfo", "ReleaseInfo", "ReleasedRun", "ResultVersionInfo",
    "ReviewInfo", "RunInfo", "SampleInfo", "UserInfo",
]


@dataclass(frozen=True, slots=True)
class AssayInfo:
    """An uploaded assay definition (its YAML is read with :meth:`~chipdx.store.Store.assay_text`)."""

    id: int
    name: str
    version: str
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    retired: bool
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    locked: bool
    failed_logins: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    file_name: str
    sha256: str
    format: str
    instrument: str
    assay: str
    simulated: bool
    uploaded_by: str
    uploaded_by_id: int
    uploaded_at: datetime
    status: str
    error: str
    stored_path: str
    version: int  # release version; 0 = never released


@dataclass(frozen=True, slots=True)
class ReactionInfo:
    id: int
    run_id: int
    qpcr_run: str
    well: str
    sample: str
    sample_type: str
    target: str
    dye: str
    cq: float | None
    efficiency: float | None
    n0: float | None
    amplified: bool
    quantity: float | None
    instrument_cq: float | None
    p_amplified: float | None
    curve_call: str | None
    flags: tuple[str, ...]
    excluded: bool


@dataclass(frozen=True, slots=True)
class SampleInfo:
    """The current version of one sample's result (``id`` is the sample id: the API's result id)."""

    id: int
    run_id: int
    sample: str
    sample_type: str
    result: str
    action: str
    reason_codes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    needs_review: bool
    review_reason: str
    version: int
    source: str  # analysis | review | correction
    reason: str
    by: str | None
    at: datetime
    targets: tuple[TargetResult, ...]
    detected: tuple[str, ...] = ()  # every pathogen target the result reports as detected (co-infections: all)
    findings: tuple[str, ...] = ()  # what the result rests on, in words


@dataclass(frozen=True, slots=True)
class ResultVersionInfo:
    id: int
    sample_id: int
    version: int
    result: str
    action: str
    reason_codes: tuple[str, ...]
    needs_review: bool
    source: str
    reason: str
    by: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    id: int
    sample_id: int
    user: str
    old_result: str
    new_result: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """An e-signature: who signed, when, what it means, and the (sample id, result version) pairs it covers."""

    id: int
    run_id: int
    version: int
    user: str
    at: datetime
    meaning: str
    samples: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: int
    run_id: int
    state: str  # queued | running | done | failed
    attempts: int
    worker: str
    lease_until: datetime | None
    error: str
    created_at: datetime
    kind: str = "analysis"  # analysis | lis (a delivery of one release to one destination)
    destination: str = ""
    release_version: int | None = None
    not_before: datetime | None = None  # a delivery's next attempt (back-off)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEventInfo:
    seq: int
    at: str
    user: str
    action: str
    target: str
    run_id: int | None
    old: str
    new: str
    reason: str
    hash: str


@dataclass(frozen=True, slots=True)
class ReleasedRun:
    """What leaves for the LIS: the run, its latest release and the released version of every sample."""

    run: RunInfo
    release: ReleaseInfo
    samples: tuple[SampleResult, ...]
    corrected: tuple[bool, ...]  # per sample: the released version is a correction of an earlier release
