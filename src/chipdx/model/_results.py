"""Result records: what chipdx computed, per reaction, dPCR well x target, target and sample.

These are the typed records every output serialises (CSV, JSON, Parquet) and that the
store and the LIS builders read, so those layers depend on :mod:`chipdx.model` alone.
Each record carries its provenance: the method and its parameters, the classifier and
decision-table ids with their SHA-256, the software version and the source file's SHA-256.
Records are immutable: a human override or a correction is a new record, never an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DpcrWellResult", "ReactionResult", "ResultProvenance", "SampleResult", "TargetResult"]


@dataclass(frozen=True, slots=True)
class ResultProvenance:
    """How a result was computed. ``parameters`` are ``(name, value)`` pairs as text, sorted by name."""

    software_version: str
    method: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    model_id: str | None = None
    model_sha256: str | None = None
    ruleset_id: str | None = None
    ruleset_sha256: str | None = None
    source_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionResult:
    """One qPCR reaction (a well x target): the SPEC §7 ``qpcr analyze`` columns and the curve call.

    ``cq`` is chipdx's quantification cycle (``None`` when not amplified or not computable);
    ``instrument_cq`` the Cq the source file reports, kept beside it. ``curve_call`` is the
    locked classifier's ``amplified | not_amplified | review`` (``None`` without a classifier).
    """

    run: str
    well: str
    sample: str
    sample_type: str
    target: str
    dye: str
    cq: float | None
    efficiency: float | None
    n0: float | None
    amplified: bool
    flags: tuple[str, ...]
    quantity: float | None = None
    instrument_cq: float | None = None
    p_amplified: float | None = None
    curve_call: str | None = None
    curve_flags: tuple[str, ...] = ()
    tm_c: float | None = None
    provenance: ResultProvenance | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class DpcrWellResult:
    """One dPCR well x target: partition counts, concentration with its 95 % interval, threshold, flags."""

    run: str
    well: str
    sample: str
    sample_type: str
    target: str
    channel: str
    n_total: int
    n_positive: int
    n_negative: int
    n_rain: int
    lambda_: float | None
    copies_per_ul: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    flags: tuple[str, ...]
    provenance: ResultProvenance | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The call of one target in one sample, with its reasons and provenance.

    ``p_amplified`` is the calibrated curve-classifier probability (the replicate
    closest to 0.5 when there are several), ``None`` when no curve was classified
    (for example, a Cq table input). ``call`` is ``detected``, ``not_detected``,
    ``review`` or ``invalid``: the target's own call. ``result`` is what may be reported for
    this target (a multiplex panel reports each pathogen): its call, ``invalid`` when the
    sample is invalid, ``review`` when the run's controls hold every specimen. ``cq_method`` is the Cq
    definition ``cq`` was compared on (``sdm``, ``threshold``, ``threshold-manual``, ``instrument``; ``;``
    between replicates read differently; empty for dPCR or an unstated table Cq).
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
    cq_method: str = ""


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

    @property
    def is_control(self) -> bool:
        """A run control (positive, no-template, extraction …), not a specimen."""
        return self.sample_type != "unkn"

    @property
    def control_status(self) -> str:
        """``passed``, ``failed`` or ``review``: a control is judged by whether it showed what it
        must, not by its result (a passing positive control is ``detected``)."""
        if self.action == "accept":
            return "passed"
        return "review" if self.result == "review" else "failed"

    @property
    def answer(self) -> str:
        """The result in a few words: ``detected: FluA, SARS-CoV-2`` or ``control passed``."""
        if self.is_control:
            return f"control {self.control_status}"
        named = ", ".join(self.detected)
        return f"{self.result.replace('_', ' ')}: {named}" if named else self.result.replace("_", " ")
