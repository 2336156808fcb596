"""Results: reactions, sample result versions, review (override with a reason), release with an
e-signature (four eyes), corrections after release as new versions, and what leaves for the LIS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipdx.errors import AccessRefusedError, ConflictError, InvalidParameterError, NotFoundError, StoreError
from chipdx.model import SampleResult
from chipdx.store._codec import sample_from_json
from chipdx.store._deliveries import DeliveryStore
from chipdx.store._models import Analysis, AuditEvent, Reaction, Release, ResultVersion, Review, Run, Sample, User
from chipdx.store._records import (
    ReactionInfo,
    ReleasedRun,
    ReleaseInfo,
    ResultVersionInfo,
    ReviewInfo,
    SampleInfo,
)
from chipdx.store._runs import _add_version
from chipdx.store._users import UserStore

__all__ = ["DEFAULT_MEANING", "RESULT_VALUES", "ResultStore"]

RESULT_VALUES = ("detected", "not_detected", "inconclusive", "invalid", "presumptive_positive", "review")
_REPORTS_PATHOGENS = ("detected", "presumptive_positive")
DEFAULT_MEANING = "Released: I have reviewed these results and approve them for reporting."


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code for code in text.split(";") if code)


def _reaction_info(run_id: int, r: Reaction) -> ReactionInfo:
    return ReactionInfo(r.id, run_id, r.qpcr_run, r.well, r.sample, r.sample_type, r.target, r.dye, r.cq,
                        r.efficiency, r.n0, r.amplified, r.quantity, r.instrument_cq, r.p_amplified, r.curve_call,
                        _codes(r.flags), r.excluded)


def _sample_info(sample: Sample, version: ResultVersion, by: str | None) -> SampleInfo:
    payload = sample_from_json(version.payload)
    return SampleInfo(sample.id, sample.run_id, sample.name, sample.sample_type, version.result, version.action,
                      _codes(version.reason_codes), _codes(version.rule_ids), version.needs_review,
                      version.review_reason, version.version, version.source, version.reason, by,
                      version.created_at, payload.targets, payload.detected, payload.findings)


def _version_info(version: ResultVersion, by: str | None) -> ResultVersionInfo:
    return ResultVersionInfo(version.id, version.sample_id, version.version, version.result, version.action,
                             _codes(version.reason_codes), version.needs_review, version.source, version.reason, by,
                             version.created_at)


def _release_info(release: Release, user: str) -> ReleaseInfo:
    items = tuple((int(sample_id), int(version)) for sample_id, version in json.loads(release.items))
    return ReleaseInfo(release.id, release.run_id, release.version, user, release.at, release.meaning, items)


def overridden(payload: SampleResult, result: str) -> SampleResult:
    """A person's new result for a sample: review cleared, and the pathogens it reports kept consistent — none
    unless the result reports one; the detected pathogen targets when a person makes it a detection."""
    detected: tuple[str, ...] = ()
    if result in _REPORTS_PATHOGENS:
        detected = payload.detected or tuple(t.target for t in payload.targets
                                             if t.role == "pathogen" and t.call == "detected")
    return replace(payload, result=result, needs_review=False, detected=detected)


def _check_result(result: str, owner: str) -> None:
    if result not in RESULT_VALUES or result == "review":
        raise InvalidParameterError(owner, "result", " | ".join(RESULT_VALUES[:-1]), repr(result))


def _needs_review(version: ResultVersion) -> bool:
    return version.needs_review or version.result == "review"


class ResultStore(UserStore, DeliveryStore):
    """Reading results, and the review -> release -> correction workflow."""

    @staticmethod
    def _current(session: Session, run_id: int | None = None,
                 sample_id: int | None = None) -> list[tuple[Sample, ResultVersion, str | None]]:
        """(sample, its latest version, who made it) for a run's samples or one sample, by sample id."""
        latest = (select(ResultVersion.sample_id, func.max(ResultVersion.version).label("version"))
                  .group_by(ResultVersion.sample_id).subquery())
        statement = (select(Sample, ResultVersion, User.name)
                     .join(latest, latest.c.sample_id == Sample.id)
                     .join(ResultVersion, (ResultVersion.sample_id == Sample.id)
                           & (ResultVersion.version == latest.c.version))
                     .outerjoin(User, User.id == ResultVersion.created_by).order_by(Sample.id))
        if run_id is not None:
            statement = statement.where(Sample.run_id == run_id)
        if sample_id is not None:
            statement = statement.where(Sample.id == sample_id)
        return [(s, v, name) for s, v, name in session.execute(statement)]

    def _current_one(self, session: Session, sample_id: int) -> tuple[Sample, ResultVersion]:
        rows = self._current(session, sample_id=sample_id)
        if not rows:
            raise NotFoundError(f"result {sample_id}: no such sample result")
        return rows[0][0], rows[0][1]

    def reactions(self, run_id: int) -> list[ReactionInfo]:
        """The reactions of the run's latest analysis (excluded wells included, marked ``excluded``)."""
        with self._reading() as session:
            self._run_row(session, run_id)
            analysis = session.execute(select(Analysis.id).where(Analysis.run_id == run_id)
                                       .order_by(Analysis.number.desc()).limit(1)).scalar()
            if analysis is None:
                return []
            rows = session.execute(select(Reaction).where(Reaction.analysis_id == analysis).order_by(Reaction.id))
            return [_reaction_info(run_id, r) for r in rows.scalars()]

    def samples(self, run_id: int) -> list[SampleInfo]:
        """The current result version of every sample of the run."""
        with self._reading() as session:
            self._run_row(session, run_id)
            return [_sample_info(s, v, by) for s, v, by in self._current(session, run_id=run_id)]

    def sample(self, sample_id: int) -> SampleInfo:
        with self._reading() as session:
            rows = self._current(session, sample_id=sample_id)
            if not rows:
                raise NotFoundError(f"result {sample_id}: no such sample result")
            return _sample_info(*rows[0])

    def history(self, sample_id: int) -> list[ResultVersionInfo]:
        """Every version of a sample's result, oldest first."""
        statement = (select(ResultVersion, User.name).outerjoin(User, User.id == ResultVersion.created_by)
                     .where(ResultVersion.sample_id == sample_id).order_by(ResultVersion.version))
        with self._reading() as session:
            rows = session.execute(statement).all()
            if not rows:
                raise NotFoundError(f"result {sample_id}: no such sample result")
            return [_version_info(v, by) for v, by in rows]

    def review_queue(self) -> list[SampleInfo]:
        """Samples whose current result needs review (a ``review`` call or a flag), in runs analysed, not released."""
        with self._reading() as session:
            done = set(session.execute(select(Run.id).where(Run.status == "done")).scalars())
            return [_sample_info(s, v, by) for s, v, by in self._current(session)
                    if s.run_id in done and _needs_review(v)]

    def review(self, sample_id: int, *, by: int, result: str, reason: str) -> SampleInfo:
        """A reviewer's decision (confirm or override) with a mandatory reason: a new version, review cleared."""
        _check_result(result, "review")
        text = self._reason(reason, "review")

        def work(session: Session) -> SampleInfo:
            user = self._actor(session, by, "reviewer")
            sample, current = self._current_one(session, sample_id)
            run = self._run_row(session, sample.run_id, lock=True)
            if run.status != "done":
                raise ConflictError(f"run {run.id}: is {run.status}; review needs a done run that is not released "
                                    "(after release, correct it)")
            payload = overridden(sample_from_json(current.payload), result)
            version = _add_version(session, sample.id, payload, source="review", analysis_id=current.analysis_id,
                                   by=user.id, reason=text)
            session.add(Review(sample_id=sample.id, version_id=version.id, user_id=user.id,
                               old_result=current.result, new_result=result, reason=text))
            self._event(session, user.name, "result.review", f"sample:{sample.id}", run_id=run.id,
                        old=current.result, new=result, reason=text)
            return _sample_info(sample, version, user.name)

        return self._write(work)

    def reviews(self, run_id: int) -> list[ReviewInfo]:
        statement = (select(Review, User.name).join(User, User.id == Review.user_id)
                     .join(Sample, Sample.id == Review.sample_id).where(Sample.run_id == run_id).order_by(Review.id))
        with self._reading() as session:
            return [ReviewInfo(r.id, r.sample_id, name, r.old_result, r.new_result, r.reason, r.at)
                    for r, name in session.execute(statement)]

    def _four_eyes(self, session: Session, run: Run, user: User) -> StoreError | None:
        """Refusal when ``user`` reviewed, overrode or changed the analysis settings of ``run``."""
        reviewed = session.execute(select(func.count()).select_from(Review).join(Sample, Sample.id == Review.sample_id)
                                   .where(Sample.run_id == run.id, Review.user_id == user.id)).scalar_one()
        resettled = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.run_id == run.id, AuditEvent.user == user.name, AuditEvent.action == "run.reanalyse"))
        if reviewed or resettled.scalar_one():
            return AccessRefusedError(f"run {run.id}: {user.name} reviewed or changed results of this run, so "
                                      "another person must release it (four eyes)")
        return None

    def _sign(self, session: Session, run: Run, user: User, meaning: str,
              deliver_to: Sequence[str] = ()) -> ReleaseInfo:
        items = [[s.id, v.version] for s, v, _ in self._current(session, run_id=run.id)]
        run.release_version += 1
        release = Release(run_id=run.id, version=run.release_version, user_id=user.id, meaning=meaning,
                          items=json.dumps(items))
        session.add(release)
        run.status = "released"
        session.flush()
        self._event(session, user.name, "run.release", f"run:{run.id}", run_id=run.id,
                    new=f"release {release.version}: {json.dumps(items)}", reason=meaning)
        self._queue_deliveries(session, run, user.name, deliver_to)
        return _release_info(release, user.name)

    def _signer(self, session: Session, by: int, password: str) -> User | StoreError:
        """The releaser signing, or the refusal (a wrong password counts towards the lock-out)."""
        user = self._actor(session, by, "releaser")
        refusal = self._password_refusal(session, user, password, "signature")
        return user if refusal is None else refusal

    def release(self, run_id: int, *, by: int, password: str, meaning: str = DEFAULT_MEANING,
                deliver_to: Sequence[str] = ()) -> ReleaseInfo:
        """Release a done run with an e-signature: the releaser's password again, who, when and the meaning.

        ``deliver_to``: LIS destinations (``mllp:HOST:PORT``, ``fhir:URL``, ``file:FOLDER``); one delivery job
        each is queued in the same transaction (see :meth:`claim_delivery`).

        Refused when the releaser reviewed or re-set any result of the run (four eyes), when results still
        need review, or when the run is not done."""
        text = self._reason(meaning, "release")

        def work(session: Session) -> ReleaseInfo | StoreError:
            user = self._signer(session, by, password)
            if isinstance(user, StoreError):
                return user
            run = self._run_row(session, run_id, lock=True)
            if run.status != "done":
                raise ConflictError(f"run {run_id}: is {run.status}; only a done run can be released")
            pending = [s.name for s, v, _ in self._current(session, run_id=run.id) if _needs_review(v)]
            if pending:
                raise ConflictError(f"run {run_id}: {len(pending)} result(s) still need review: "
                                    f"{', '.join(pending[:5])}")
            refusal = self._four_eyes(session, run, user)
            return refusal if refusal is not None else self._sign(session, run, user, text, deliver_to)

        return self._write_then_raise(work)

    def correct(self, sample_id: int, *, by: int, password: str, result: str, reason: str,
                deliver_to: Sequence[str] = ()) -> ReleaseInfo:
        """Correct a released result: a new version with the reason and a new signed release of the run (sent to
        ``deliver_to`` as :meth:`release` does)."""
        _check_result(result, "correct")
        text = self._reason(reason, "correct")

        def work(session: Session) -> ReleaseInfo | StoreError:
            user = self._signer(session, by, password)
            if isinstance(user, StoreError):
                return user
            sample, current = self._current_one(session, sample_id)
            run = self._run_row(session, sample.run_id, lock=True)
            if run.status != "released":
                raise ConflictError(f"run {run.id}: is {run.status}; corrections are for released runs (review it)")
            payload = overridden(sample_from_json(current.payload), result)
            _add_version(session, sample.id, payload, source="correction", analysis_id=current.analysis_id,
                         by=user.id, reason=text)
            self._event(session, user.name, "result.correct", f"sample:{sample.id}", run_id=run.id,
                        old=current.result, new=result, reason=text)
            return self._sign(session, run, user, f"Correction of release {run.release_version}: {text}", deliver_to)

        return self._write_then_raise(work)

    def releases(self, run_id: int) -> list[ReleaseInfo]:
        statement = (select(Release, User.name).join(User, User.id == Release.user_id)
                     .where(Release.run_id == run_id).order_by(Release.version))
        with self._reading() as session:
            self._run_row(session, run_id)
            return [_release_info(r, name) for r, name in session.execute(statement)]

    def released(self, run_id: int, version: int | None = None) -> ReleasedRun:
        """The latest release of a run (or release ``version``) with the released version of each sample (what
        the LIS may receive)."""
        statement = select(Release, User.name).join(User, User.id == Release.user_id).where(Release.run_id == run_id)
        if version is not None:
            statement = statement.where(Release.version == version)
        with self._reading() as session:
            run = self._run_row(session, run_id)
            row = session.execute(statement.order_by(Release.version.desc()).limit(1)).first()
            if row is None:
                raise ConflictError(f"run {run_id}: not released{'' if version is None else f' as version {version}'}; "
                                    "only released results leave the laboratory")
            release = _release_info(*row)
            samples, corrected = [], []
            for sample_id, number in release.samples:
                kept = session.execute(select(ResultVersion).where(ResultVersion.sample_id == sample_id,
                                                                   ResultVersion.version == number)).scalar_one()
                samples.append(sample_from_json(kept.payload))
                corrected.append(kept.source == "correction")
            return ReleasedRun(self._run_info(session, run), release, tuple(samples), tuple(corrected))
