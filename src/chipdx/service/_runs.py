"""What people do to runs, each change recorded with its audit event in the same transaction:
upload, store an analysis, override, exclude a well, manual threshold/baseline, release, correct."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from chipdx.service._analysis import Outcome, RunSettings
from chipdx.store._audit import append_event
from chipdx.store._models import AuditEvent, Job, Reaction, Release, ResultVersion, Review, Run, Sample, User

__all__ = ["FINAL_RESULTS", "Conflict", "SampleView", "add_run", "correct", "current_results", "exclude_well",
           "override", "release", "review_queue", "run_events", "run_settings", "set_baseline", "set_threshold",
           "store_outcome", "reviewers_of"]

FINAL_RESULTS = ("detected", "not_detected", "inconclusive", "invalid", "presumptive_positive")
SETTING_ACTIONS = ("exclude-well", "set-threshold", "set-baseline")
RELEASE_MEANING = "Approved for reporting: I reviewed these results and release them to the laboratory record"


class Conflict(Exception):
    """The run is not in a state that allows this (HTTP 409)."""


def run_target(run_id: int) -> str:
    return f"run:{run_id}"


def add_run(session: Session, user: User, file_name: str, sha256: str, assay: str, stored: Path) -> Run:
    """A new run, its queued analysis job and the upload event."""
    run = Run(file_name=file_name, sha256=sha256, assay=assay, uploaded_by=user.id, status="queued",
              stored_path=str(stored))
    session.add(run)
    session.flush()
    session.add(Job(run_id=run.id, state="queued"))
    append_event(session, user.name, "upload", run_target(run.id), new=json.dumps(
        {"file": file_name, "sha256": sha256, "assay": assay}))
    return run


def queue_analysis(session: Session, run: Run, user: User) -> None:
    session.add(Job(run_id=run.id, state="queued"))
    run.status = "queued"
    append_event(session, user.name, "reanalysis-queued", run_target(run.id))


def store_outcome(session: Session, run: Run, outcome: Outcome) -> None:
    """Replace the run's reactions and add a new result version for every sample."""
    session.execute(delete(Reaction).where(Reaction.run_id == run.id))
    session.add_all(Reaction(run_id=run.id, well=r.well, sample=r.sample, target=r.target, dye=r.dye, cq=r.cq,
                             copies_per_ul=r.copies_per_ul, call=r.call, flags=r.flags, excluded=r.excluded)
                    for r in outcome.reactions)
    existing = {s.name: s for s in session.execute(select(Sample).where(Sample.run_id == run.id)).scalars()}
    for record in outcome.samples:
        sample = existing.get(record.sample)
        if sample is None:
            sample = Sample(run_id=run.id, name=record.sample, sample_type=record.sample_type)
            session.add(sample)
            session.flush()
        session.add(ResultVersion(sample_id=sample.id, version=_next_version(session, sample.id),
                                  result=record.result, action=record.action, reason_codes=record.reason_codes,
                                  rule_ids=record.rule_ids, needs_review=record.needs_review, source="analysis"))
    run.format, run.instrument, run.simulated = outcome.format, outcome.instrument, outcome.simulated
    run.status, run.error = "done", ""
    summary = {"samples": len(outcome.samples), "reactions": len(outcome.reactions),
               "to_review": sum(s.needs_review for s in outcome.samples)}
    append_event(session, "worker", "analysed", run_target(run.id), new=json.dumps(summary))


def _next_version(session: Session, sample_id: int) -> int:
    top = session.execute(select(func.max(ResultVersion.version)).where(ResultVersion.sample_id == sample_id))
    return int(top.scalar_one() or 0) + 1


@dataclass(frozen=True)
class SampleView:
    sample: Sample
    current: ResultVersion


def current_results(session: Session, run_id: int) -> list[SampleView]:
    """Every sample of a run with its newest result version."""
    views = []
    for sample in session.execute(select(Sample).where(Sample.run_id == run_id).order_by(Sample.id)).scalars():
        newest = session.execute(select(ResultVersion).where(ResultVersion.sample_id == sample.id)
                                 .order_by(ResultVersion.version.desc()).limit(1)).scalar_one_or_none()
        if newest is not None:
            views.append(SampleView(sample, newest))
    return views


def review_queue(session: Session) -> list[tuple[Run, SampleView, list[Reaction]]]:
    """Every result still to review and every result with a flagged reaction, in unreleased analysed runs."""
    queue = []
    for run in session.execute(select(Run).where(Run.status == "done").order_by(Run.id)).scalars():
        flagged: dict[str, list[Reaction]] = {}
        for reaction in session.execute(select(Reaction).where(Reaction.run_id == run.id,
                                                               Reaction.flags != "")).scalars():
            flagged.setdefault(reaction.sample, []).append(reaction)
        for view in current_results(session, run.id):
            if view.current.needs_review or view.current.result == "review" or view.sample.name in flagged:
                queue.append((run, view, flagged.get(view.sample.name, [])))
    return queue


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    if len(reason) > 2000:
        raise ValueError("the reason is longer than 2000 characters")
    return reason


def _new_version(session: Session, user: User, sample: Sample, result: str, reason: str, source: str) -> ResultVersion:
    if result not in FINAL_RESULTS:
        raise ValueError(f"result must be one of {', '.join(FINAL_RESULTS)}; found {result!r}")
    reason = _reason(reason)
    old = current_results_of(session, sample)
    version = ResultVersion(sample_id=sample.id, version=old.version + 1, result=result,
                            action="accept" if result != "invalid" else "repeat", reason_codes=f"MANUAL-{source.upper()}",
                            rule_ids="", needs_review=False, source=source, reason=reason, created_by=user.id)
    session.add(version)
    session.flush()
    session.add(Review(result_id=version.id, user_id=user.id, old_result=old.result, new_result=result, reason=reason))
    append_event(session, user.name, source, f"{run_target(sample.run_id)}/sample:{sample.name}",
                 old=f"v{old.version} {old.result}", new=f"v{version.version} {result}", reason=reason)
    return version


def current_results_of(session: Session, sample: Sample) -> ResultVersion:
    return session.execute(select(ResultVersion).where(ResultVersion.sample_id == sample.id)
                           .order_by(ResultVersion.version.desc()).limit(1)).scalar_one()


def _run_of(session: Session, sample: Sample) -> Run:
    return session.get_one(Run, sample.run_id)


def override(session: Session, user: User, sample: Sample, result: str, reason: str) -> ResultVersion:
    """A reviewer's override of an analysed, unreleased result: a new version with the reason."""
    run = _run_of(session, sample)
    if run.status != "done":
        raise Conflict(f"run {run.id} is {run.status}: only analysed, unreleased runs can be reviewed"
                       + ("; use a correction" if run.status == "released" else ""))
    return _new_version(session, user, sample, result, reason, "override")


def correct(session: Session, user: User, sample: Sample, result: str, reason: str) -> ResultVersion:
    """A correction after release: a new version with the reason; the run must be released again."""
    run = _run_of(session, sample)
    if run.status != "released":
        raise Conflict(f"run {run.id} is {run.status}: corrections are for released runs; review it instead")
    version = _new_version(session, user, sample, result, reason, "correction")
    run.status = "done"
    append_event(session, user.name, "unreleased-by-correction", run_target(run.id), old="released", new="done",
                 reason=reason)
    return version


def _setting(session: Session, user: User, run: Run, action: str, target: str, value: object, reason: str) -> None:
    if run.status not in {"done", "failed"}:
        raise Conflict(f"run {run.id} is {run.status}: settings change only on analysed, unreleased runs")
    append_event(session, user.name, action, f"{run_target(run.id)}/{target}", new=json.dumps(value),
                 reason=_reason(reason))
    queue_analysis(session, run, user)


def exclude_well(session: Session, user: User, run: Run, well: str, excluded: bool, reason: str) -> None:
    wells = {r.well for r in session.execute(select(Reaction).where(Reaction.run_id == run.id)).scalars()}
    if well not in wells:
        raise ValueError(f"run {run.id} has no well {well!r}")
    _setting(session, user, run, "exclude-well", f"well:{well}", excluded, reason)


def _known_target(session: Session, run: Run, target: str) -> None:
    targets = {r.target for r in session.execute(select(Reaction).where(Reaction.run_id == run.id)).scalars()}
    if target not in targets:
        raise ValueError(f"run {run.id} has no target {target!r}")


def set_threshold(session: Session, user: User, run: Run, target: str, threshold: float | None, reason: str) -> None:
    """A manual threshold (baseline-subtracted fluorescence) for ``target``; None goes back to automatic."""
    _known_target(session, run, target)
    if threshold is not None and not (0 < threshold < 1e12):
        raise ValueError(f"threshold must be a positive number; found {threshold}")
    _setting(session, user, run, "set-threshold", f"target:{target}", threshold, reason)


def set_baseline(session: Session, user: User, run: Run, target: str, cycles: tuple[int, int] | None,
                 reason: str) -> None:
    """Manual baseline cycles ``first..last`` for ``target``; None goes back to automatic."""
    _known_target(session, run, target)
    if cycles is not None and not (1 <= cycles[0] < cycles[1] <= 1000):
        raise ValueError(f"baseline cycles must satisfy 1 <= first < last; found {cycles[0]}-{cycles[1]}")
    _setting(session, user, run, "set-baseline", f"target:{target}", list(cycles) if cycles else None, reason)


def run_events(session: Session, run_id: int) -> list[AuditEvent]:
    prefix = run_target(run_id)
    return list(session.execute(select(AuditEvent).where(or_(AuditEvent.target == prefix,
                                                             AuditEvent.target.like(f"{prefix}/%")))
                                .order_by(AuditEvent.seq)).scalars())


def run_settings(session: Session, run_id: int) -> RunSettings:
    """The reviewers' settings of a run, replayed from its audit events (the audit trail is the record)."""
    excluded: set[str] = set()
    thresholds: dict[str, float] = {}
    baselines: dict[str, tuple[int, int]] = {}
    for event in run_events(session, run_id):
        if event.action not in SETTING_ACTIONS:
            continue
        kind, _, name = event.target.split("/", 1)[1].partition(":")
        value = json.loads(event.new)
        if event.action == "exclude-well":
            (excluded.add if value else excluded.discard)(name)
        elif event.action == "set-threshold":
            if value is None:
                thresholds.pop(name, None)
            else:
                thresholds[name] = float(value)
        elif value is None:
            baselines.pop(name, None)
        else:
            baselines[name] = (int(value[0]), int(value[1]))
    del kind
    return RunSettings(frozenset(excluded), thresholds, baselines)


def reviewers_of(session: Session, run_id: int) -> set[str]:
    """Everyone who reviewed, overrode or changed analysis settings of a result in the run."""
    names = {e.user for e in run_events(session, run_id)
             if e.action in {"override", "correction", *SETTING_ACTIONS}}
    rows = session.execute(select(User.name).join(Review, Review.user_id == User.id)
                           .join(ResultVersion, ResultVersion.id == Review.result_id)
                           .join(Sample, Sample.id == ResultVersion.sample_id).where(Sample.run_id == run_id))
    return names | set(rows.scalars())


def release(session: Session, user: User, run: Run, meaning: str) -> Release:
    """Release an analysed run with the releaser's e-signature (who, when, meaning); four eyes enforced."""
    if run.status != "done":
        raise Conflict(f"run {run.id} is {run.status}: only an analysed, unreleased run can be released")
    if user.name in reviewers_of(session, run.id):
        raise PermissionError(f"four eyes: {user.name} reviewed or changed a result of run {run.id} "
                              "and may not also release it")
    open_items: Sequence[SampleView] = [v for v in current_results(session, run.id) if v.current.result == "review"]
    if open_items:
        raise Conflict(f"run {run.id}: {len(open_items)} result(s) still need review "
                       f"({', '.join(v.sample.name for v in open_items)})")
    meaning = meaning.strip() or RELEASE_MEANING
    signature = Release(run_id=run.id, user_id=user.id, meaning=meaning)
    session.add(signature)
    run.status = "released"
    session.flush()
    append_event(session, user.name, "release", run_target(run.id), old="done", new="released",
                 reason=f"e-signature: {meaning}")
    return signature
