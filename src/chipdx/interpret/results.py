"""Output records of interpretation (fields of ``ai_interpretation.md`` §6.5).

Records are immutable: a human override is stored as a new record by the
reporting layer, never by changing these.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SampleResult", "TargetResult"]


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The call of one target in one sample, with its reasons and provenance.

    ``p_amplified`` is the calibrated curve-classifier probability (the replicate
    closest to 0.5 when there are several), ``None`` when no curve was classified
    (for example, a Cq table input). ``call`` is ``detected``, ``not_detected``,
    ``review`` or ``invalid``: the target's own call. ``result`` is what may be reported for
    this target (a multiplex panel reports each pathogen): its call, ``invalid`` when the
    sample is invalid, ``review`` when the run's controls hold every specimen.
    """

    sample: str
    target: str
    role: str
    channel: str
    cq: float | None
    copies_per_ul: float | None
    p_amplified: float | None
    flags: tuple[str, ...]
    call: str
    result: str
    reason_codes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    needs_review: bool
    review_reason: str
    wells: tuple[str, ...]
    model_id: str | None
    model_sha256: str | None
    ruleset_id: str
    ruleset_sha256: str
    software_version: str


@dataclass(frozen=True, slots=True)
class SampleResult:
    """The result of one sample: ``detected | not_detected | inconclusive | invalid |
    presumptive_positive | review``, the action, reasons, rule ids and the target records.

    ``detected`` names every pathogen target the result reports as detected, in assay order (all
    of a co-infection; empty for controls: a passing positive control detects no pathogen).
    ``findings`` says in words what the result rests on: the notes of the result rows that
    matched, or for a control each control rule passed or failed and why.
    """

    sample: str
    sample_type: str
    result: str
    action: str
    detected: tuple[str, ...]
    findings: tuple[str, ...]
    reason_codes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    needs_review: bool
    review_reason: str
    targets: tuple[TargetResult, ...]
    ruleset_id: str
    ruleset_sha256: str
    model_id: str | None
    model_sha256: str | None
    software_version: str
