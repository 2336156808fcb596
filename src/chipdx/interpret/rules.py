"""The rule engine: controls → run validity → sample validity → target calls → result → action.

Evaluates an :class:`~chipdx.interpret.assays.Assay` (data, never code) on
per-reaction observations. Every decision appends a reason code and the id of the
rule that made it, so a result can be traced to a row of the IFU table.

Order of evaluation (``docs/interpretation.md`` §Rule engine):

1. **Target calls** per sample and target, over replicates: ``detected``,
   ``not_detected``, ``review`` (curve classifier unsure or replicates discordant) or
   ``invalid`` (dPCR: too few partitions).
2. **Controls**: every control sample must show what its assay row expects; a
   required control type that is missing fails too. Any failure invalidates all
   specimens of the run (``CONTROL-FAILED`` plus the control's rule id); a control
   that needs review holds all specimens for review.
3. **Specimens**: the first result row whose patterns all match gives result and
   action; every later row of the same result and action that matches too adds its
   finding (a multiplex panel's co-infection: each detected pathogen is named), while a
   later row of another result is outranked by the earlier one (an ordered IFU table).
   A target in ``review`` matches no definite pattern: if the first row that *could*
   match, or a later row that could add a finding, depends on it, the sample goes to
   ``review`` (the findings already certain are kept).

>>> from chipdx.interpret.assays import load_assay
>>> obs = [Observation("s1", "unkn", "N1", 40.0), Observation("s1", "unkn", "N2", 30.0),
...        Observation("s1", "unkn", "RP", 25.0)]
>>> [r.result for r in interpret_observations(obs, load_assay("cdc-2019-ncov"), require_controls=False)]
['inconclusive']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chipdx._version import __version__
from chipdx.codes import Source, codes_of
from chipdx.interpret.assays import Assay, Control, Cutoff, Replicates, ResultRow
from chipdx.interpret.results import SampleResult, TargetResult

__all__ = ["RULE_CODES", "Observation", "interpret_observations"]

RULE_CODES: dict[str, str] = codes_of(Source.RULES)
"""Reason codes of the engine (stable; rule ids come from the assay file)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One reaction's measurement of one target in one sample.

    ``curve_call`` (``amplified | not_amplified | review``) and ``p_amplified`` come
    from the curve classifier when curves were classified; dPCR observations give
    ``copies_per_ul`` and ``n_partitions`` instead of ``cq``. ``cq_method`` says which Cq ``cq`` is
    (``sdm``, ``threshold``, ``threshold-manual``, ``instrument``; empty when not stated).
    """

    sample: str
    sample_type: str
    target: str
    cq: float | None = None
    copies_per_ul: float | None = None
    n_partitions: int | None = None
    curve_call: str | None = None
    p_amplified: float | None = None
    flags: tuple[str, ...] = ()
    well: str | None = None
    tm_c: float | None = None
    cq_method: str = ""


@dataclass(frozen=True, slots=True)
class _Call:
    call: str
    absent: bool
    reasons: tuple[str, ...]


def _call_qpcr(obs: Observation, cutoff: Cutoff) -> _Call:
    if obs.curve_call == "review":
        return _Call("review", obs.cq is None, ("AI-REVIEW",))
    if obs.cq is None:
        return _Call("not_detected", True, ("NO-CQ",))
    if obs.curve_call == "not_amplified":
        return _Call("not_detected", False, ("AI-NOT-AMPLIFIED",))
    assert cutoff.cq is not None
    below = obs.cq < cutoff.cq if cutoff.comparison == "strict" else obs.cq <= cutoff.cq
    if not below:
        return _Call("not_detected", False, ("CQ-AT-OR-ABOVE-CUTOFF",))
    if cutoff.melt_window_c is None:
        return _Call("detected", False, ("CQ-BELOW-CUTOFF",))
    return _melt(obs.tm_c, cutoff.melt_window_c, cutoff.melt_review_margin_c)


def _melt(tm_c: float | None, window: tuple[float, float], margin: float) -> _Call:
    """A Cq below the cut-off, judged by its melt peak (BioFire BF-1, PyMLRS review band)."""
    low, high = window
    if tm_c is None:
        return _Call("review", False, ("CQ-BELOW-CUTOFF", "NO-TM"))
    if low <= tm_c <= high:
        return _Call("detected", False, ("CQ-BELOW-CUTOFF", "TM-IN-WINDOW"))
    if low - margin <= tm_c < low or high < tm_c < high + margin:  # [lo - m, lo) or (hi, hi + m)
        return _Call("review", False, ("CQ-BELOW-CUTOFF", "TM-NEAR-WINDOW"))
    return _Call("not_detected", False, ("CQ-BELOW-CUTOFF", "TM-OUT-OF-WINDOW"))


def _call_dpcr(obs: Observation, cutoff: Cutoff) -> _Call:
    if cutoff.min_partitions is not None and (obs.n_partitions is None or obs.n_partitions < cutoff.min_partitions):
        return _Call("invalid", False, ("PARTITIONS-LOW",))
    if obs.copies_per_ul is None:
        return _Call("review", True, ("NO-VALUE",))
    assert cutoff.lob_copies_per_ul is not None
    if obs.copies_per_ul <= cutoff.lob_copies_per_ul:
        return _Call("not_detected", obs.copies_per_ul == 0, ("AT-OR-BELOW-LOB",))
    low = cutoff.lod_copies_per_ul is not None and obs.copies_per_ul < cutoff.lod_copies_per_ul
    return _Call("detected", False, ("ABOVE-LOB", "BELOW-LOD") if low else ("ABOVE-LOB",))


def _combine(calls: list[_Call], reps: list[Observation], rule: Replicates) -> _Call:
    """One call per sample and target from its replicates."""
    kinds = {c.call for c in calls}
    reasons = tuple(dict.fromkeys(r for c in calls for r in c.reasons))
    absent = all(c.absent for c in calls)
    if "invalid" in kinds:
        return _Call("invalid", absent, reasons)
    if "review" in kinds:
        return _Call("review", absent, reasons)
    if rule.min_detected is not None:
        return _k_of_n(calls, reps, rule, reasons, absent)
    cqs = [o.cq for o in reps if o.cq is not None]
    if len(kinds) > 1 or (rule.max_cq_spread is not None and len(cqs) > 1 and max(cqs) - min(cqs) > rule.max_cq_spread):
        return _Call("review", absent, (*reasons, "REPLICATE-DISCORDANT"))
    return _Call(calls[0].call, absent, reasons)


def _k_of_n(calls: list[_Call], reps: list[Observation], rule: Replicates, reasons: tuple[str, ...],
            absent: bool) -> _Call:
    """BioFire-style replicate rule: at least k detected replicates whose Tm agree."""
    assert rule.min_detected is not None
    hits = [o for c, o in zip(calls, reps, strict=True) if c.call == "detected"]
    tms = [o.tm_c for o in hits if o.tm_c is not None]
    agree = rule.max_tm_spread_c is None or (len(tms) == len(hits) and (
        not tms or max(tms) - min(tms) <= rule.max_tm_spread_c))
    if len(hits) >= rule.min_detected and agree:
        return _Call("detected", False, (*reasons, "REPLICATES-K-OF-N"))
    return _Call("not_detected", absent, (*reasons, "REPLICATES-BELOW-K" if agree else "REPLICATE-TM-SPREAD"))


def _matches(call: _Call | None, pattern: str) -> bool | None:
    """True / False, or None when the call is ``review`` and the pattern is definite."""
    if pattern == "any":
        return True
    if call is None:
        return False
    if pattern == "absent":
        return call.absent
    if call.call == "review" and pattern != "review":
        return None
    return call.call == pattern


@dataclass(frozen=True, slots=True)
class _Sample:
    name: str
    sample_type: str
    observations: tuple[Observation, ...]
    calls: dict[str, _Call]


def _samples(observations: Sequence[Observation], assay: Assay) -> list[_Sample]:
    grouped: dict[str, list[Observation]] = {}
    for obs in observations:
        grouped.setdefault(obs.sample, []).append(obs)
    out = []
    for name, group in grouped.items():
        calls: dict[str, _Call] = {}
        for target in assay.targets:
            reps = [o for o in group if o.target == target.name]
            if reps:
                one = [_call_qpcr(o, target.cutoff) if assay.kind == "qpcr" else _call_dpcr(o, target.cutoff)
                       for o in reps]
                calls[target.name] = _combine(one, reps, assay.replicates)
        out.append(_Sample(name, group[0].sample_type, tuple(group), calls))
    return out


def _control_status(sample: _Sample, control: Control) -> str:
    """``passed``, ``failed`` or ``review`` for one control sample against one control rule."""
    status = "passed"
    for target, pattern in control.expect:
        ok = _matches(sample.calls.get(target), pattern)
        if ok is False:
            return "failed"
        if ok is None:
            status = "review"
    return status


@dataclass(frozen=True, slots=True)
class _Run:
    failed: tuple[Control, ...]
    missing: tuple[Control, ...]
    review: tuple[Control, ...]
    per_sample: dict[str, tuple[str, tuple[str, ...]]]  # control sample -> (status, rule ids)


def _run_validity(samples: list[_Sample], assay: Assay, *, require_controls: bool) -> _Run:
    failed: list[Control] = []
    missing: list[Control] = []
    review: list[Control] = []
    per_sample: dict[str, tuple[str, tuple[str, ...]]] = {}
    for control in assay.controls:
        members = [s for s in samples if s.sample_type == control.sample_type]
        if not members and control.required and require_controls:
            failed.append(control)
            missing.append(control)
        for sample in members:
            status = _control_status(sample, control)
            old_status, old_ids = per_sample.get(sample.name, ("passed", ()))
            rank = {"passed": 0, "review": 1, "failed": 2}
            worst = max(old_status, status, key=rank.__getitem__)
            per_sample[sample.name] = (worst, (*old_ids, control.rule_id))
            if status == "failed" and control not in failed:
                failed.append(control)
            elif status == "review" and control not in review:
                review.append(control)
    return _Run(tuple(failed), tuple(missing), tuple(review), per_sample)


_MISSING = "missing"
_POSITIVE = ("detected", "presumptive_positive")


def _row_state(sample: _Sample, row: ResultRow) -> bool | str | None:
    """True (matches), False, None (could match once review targets resolve) or ``_MISSING``."""
    states = []
    for target, pattern in row.when:
        if pattern != "any" and target not in sample.calls:
            return _MISSING
        states.append(_matches(sample.calls.get(target), pattern))
    if all(s is True for s in states):
        return True
    return None if all(s is not False for s in states) else False


@dataclass(frozen=True, slots=True)
class _Rows:
    """The rows a specimen's result rests on. The first row that matches or could match sets the result;
    ``matched`` holds every row of that result and action that matches (each pathogen of a co-infection),
    ``pending`` those that could match once their review targets resolve; ``why`` is ``MISSING-TARGET``
    or ``NO-RULE-MATCHED`` when no row can give the result."""

    matched: tuple[ResultRow, ...]
    pending: tuple[ResultRow, ...]
    why: str = ""


def _matching_rows(sample: _Sample, rows: Sequence[ResultRow]) -> _Rows:
    """Rows of the first possible row's result (an ordered table: an earlier row of another result wins)."""
    first: ResultRow | None = None
    matched: list[ResultRow] = []
    pending: list[ResultRow] = []
    for row in rows:
        state = _row_state(sample, row)
        if first is None and state == _MISSING:
            return _Rows((), (row,), "MISSING-TARGET")
        if first is None and state is not False:
            first = row
        if first is None or (row.result, row.action) != (first.result, first.action) or state == _MISSING:
            continue
        if state is True:
            matched.append(row)
        elif state is None:
            pending.append(row)
    return _Rows(tuple(matched), tuple(pending), "" if first is not None else "NO-RULE-MATCHED")


def _detected_targets(rows: Sequence[ResultRow], assay: Assay) -> tuple[str, ...]:
    """Pathogen targets that positive rows require detected, in assay order (each pathogen of a co-infection)."""
    named = {t for row in rows if row.result in _POSITIVE for t, pattern in row.when if pattern == "detected"}
    return tuple(t.name for t in assay.targets if t.name in named and t.role == "pathogen")


def _control_findings(sample: _Sample, controls: Sequence[Control]) -> tuple[str, ...]:
    """Per control rule, in words: passed with its note, or which target showed what instead of what."""
    out = []
    for control in controls:
        wrong = [f"{t} {_shown(sample.calls.get(t), p)}, expected {p.replace('_', ' ')}"
                 for t, p in control.expect if _matches(sample.calls.get(t), p) is not True]
        status = _control_status(sample, control)
        out.append(f"{control.rule_id} {status}: " + ("; ".join(wrong) if wrong else control.note))
    return tuple(out)


def _shown(call: _Call | None, pattern: str) -> str:
    if call is None:
        return "not measured"
    if pattern == "absent" and not call.absent:
        return f"{call.call.replace('_', ' ')} with a Cq"
    return call.call.replace("_", " ")


def interpret_observations(observations: Sequence[Observation], assay: Assay, *, require_controls: bool = True,
                           model_id: str | None = None, model_sha256: str | None = None) -> tuple[SampleResult, ...]:
    """Results per sample (in input order) with per-target records.

    Parameters
    ----------
    observations
        Reactions of one run (or one extraction batch): every control applies to all specimens.
    assay
        The decision table.
    require_controls
        Treat a required control type that is absent from the run as a failure (default,
        as the IFUs require); ``False`` evaluates specimens alone.
    model_id, model_sha256
        The curve model that produced ``curve_call`` values, for provenance.
    """
    samples = _samples(observations, assay)
    run = _run_validity(samples, assay, require_controls=require_controls)
    context = _Context(assay, model_id, model_sha256)
    out = []
    for sample in samples:
        if sample.sample_type != "unkn":
            out.append(context.control_result(sample, run))
        else:
            out.append(context.specimen_result(sample, run))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a sample's result record says, before provenance is attached."""

    result: str
    action: str
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    review_reason: str = ""
    detected: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    held: str | None = None  # every target's reportable result when the sample as a whole is held


@dataclass(frozen=True, slots=True)
class _Context:
    assay: Assay
    model_id: str | None
    model_sha256: str | None

    def targets(self, sample: _Sample, rule_ids: tuple[str, ...], held: str | None) -> tuple[TargetResult, ...]:
        out = []
        for target in self.assay.targets:
            reps = [o for o in sample.observations if o.target == target.name]
            call = sample.calls.get(target.name)
            if call is None:
                continue
            cqs = [o.cq for o in reps if o.cq is not None]
            ps = [o.p_amplified for o in reps if o.p_amplified is not None]
            why = "; ".join(RULE_CODES.get(r, r) for r in call.reasons) if call.call == "review" else ""
            out.append(TargetResult(
                sample=sample.name, target=target.name, role=target.role, channel=target.channel,
                cq=min(cqs) if cqs else None, copies_per_ul=next((o.copies_per_ul for o in reps), None),
                p_amplified=min(ps, key=lambda p: abs(p - 0.5)) if ps else None,
                flags=tuple(dict.fromkeys(f for o in reps for f in o.flags)), call=call.call,
                result=held or call.call, reason_codes=call.reasons, rule_ids=rule_ids,
                needs_review=call.call == "review", review_reason=why, wells=tuple(o.well for o in reps if o.well),
                model_id=self.model_id, model_sha256=self.model_sha256, ruleset_id=self.assay.ruleset_id,
                ruleset_sha256=self.assay.sha256, software_version=__version__,
                cq_method=";".join(dict.fromkeys(o.cq_method for o in reps if o.cq_method))))
        return tuple(out)

    def _result(self, sample: _Sample, outcome: _Outcome) -> SampleResult:
        rule_ids = tuple(dict.fromkeys(outcome.rule_ids))
        return SampleResult(
            sample=sample.name, sample_type=sample.sample_type, result=outcome.result, action=outcome.action,
            detected=outcome.detected, findings=outcome.findings,
            reason_codes=tuple(dict.fromkeys(outcome.reasons)), rule_ids=rule_ids,
            needs_review=outcome.result == "review", review_reason=outcome.review_reason,
            targets=self.targets(sample, rule_ids, outcome.held), ruleset_id=self.assay.ruleset_id,
            ruleset_sha256=self.assay.sha256, model_id=self.model_id, model_sha256=self.model_sha256,
            software_version=__version__)

    def control_result(self, sample: _Sample, run: _Run) -> SampleResult:
        if sample.name not in run.per_sample:
            return self._result(sample, _Outcome("review", "review", ("NO-CONTROL-RULE",), (),
                                                 RULE_CODES["NO-CONTROL-RULE"]))
        status, ids = run.per_sample[sample.name]
        rules = [c for c in self.assay.controls if c.rule_id in ids]
        findings = _control_findings(sample, rules)
        if status == "failed":
            failed = [c for c in rules if _control_status(sample, c) == "failed"]
            return self._result(sample, _Outcome("invalid", failed[0].on_fail, ("CONTROL-FAILED",),
                                                 tuple(c.rule_id for c in failed), findings=findings))
        if status == "review":
            return self._result(sample, _Outcome("review", "review", ("CONTROL-REVIEW",), ids,
                                                 RULE_CODES["CONTROL-REVIEW"], findings=findings))
        expected = "detected" if sample.sample_type == "pos" else "not_detected"
        return self._result(sample, _Outcome(expected, "accept", ("CONTROL-PASSED",), ids, findings=findings))

    def specimen_result(self, sample: _Sample, run: _Run) -> SampleResult:
        if run.failed:
            reasons = ("CONTROL-FAILED",) + (("CONTROL-MISSING",) if run.missing else ())
            findings = tuple(f"{c.rule_id} " + ("missing from the run" if c in run.missing else "failed")
                             + (f" ({c.note})" if c.note else "") for c in run.failed)
            return self._result(sample, _Outcome("invalid", run.failed[0].on_fail, reasons,
                                                 tuple(c.rule_id for c in run.failed), findings=findings,
                                                 held="invalid"))
        if run.review:
            return self._result(sample, _Outcome("review", "review", ("CONTROL-REVIEW",),
                                                 tuple(c.rule_id for c in run.review), RULE_CODES["CONTROL-REVIEW"],
                                                 held="review"))
        return self._result(sample, self._rows_outcome(sample))

    def _rows_outcome(self, sample: _Sample) -> _Outcome:
        rows = _matching_rows(sample, self.assay.results)
        target_reasons = tuple(r for c in sample.calls.values() for r in c.reasons)
        ids = tuple(row.rule_id for row in (*rows.matched, *rows.pending))
        if rows.why == "MISSING-TARGET":
            return _Outcome("invalid", "repeat_test", (*target_reasons, rows.why), ids, held="invalid")
        if rows.why:
            return _Outcome("review", "review", (*target_reasons, rows.why), ids, RULE_CODES[rows.why])
        detected = _detected_targets(rows.matched, self.assay)
        notes = tuple(row.note or row.rule_id for row in rows.matched)
        if rows.pending:
            waiting = ", ".join(f"{row.rule_id} ({row.note or row.result})" for row in rows.pending)
            return _Outcome("review", "review", (*target_reasons, "TARGET-REVIEW"), ids,
                            f"{RULE_CODES['TARGET-REVIEW']}: {waiting}", detected, notes)
        first = rows.matched[0]
        return _Outcome(first.result, first.action, (*target_reasons, *ids), ids, detected=detected,
                        findings=notes, held="invalid" if first.result == "invalid" else None)
