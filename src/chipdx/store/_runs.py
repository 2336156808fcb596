"""Runs and durable analysis jobs (claim with a lease, heartbeat, complete once, fail)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import timedelta
from pathlib import PurePath

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chipdx.errors import ConflictError, InvalidParameterError, NotFoundError
from chipdx.model import DpcrWellResult, ReactionResult, SampleResult
from chipdx.store._codec import sample_to_json
from chipdx.store._core import StoreCore
from chipdx.store._models import Analysis, DpcrWell, Job, Reaction, ResultVersion, Run, Sample, User, utcnow
from chipdx.store._records import JobInfo, RunInfo

__all__ = ["MAX_ATTEMPTS", "RUN_STATES", "RunStore", "job_info", "run_info"]

RUN_STATES = ("queued", "running", "done", "failed", "released")
MAX_ATTEMPTS = 3
_SETTING = re.compile(r"(exclude|threshold|baseline):[^\s:][^:]{0,119}")


def run_info(run: Run, uploader: str) -> RunInfo:
    return RunInfo(run.id, run.file_name, run.sha256, run.format, run.instrument, run.assay, run.simulated,
                   uploader, run.uploaded_by, run.uploaded_at, run.status, run.error, run.stored_path,
                   run.release_version)


def job_info(job: Job) -> JobInfo:
    return JobInfo(job.id, job.run_id, job.state, job.attempts, job.worker, job.lease_until, job.error,
                   job.created_at, job.kind, job.destination, job.release_version, job.not_before, job.updated_at)


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _reaction_row(analysis_id: int, reaction: ReactionResult, excluded: set[str]) -> Reaction:
    return Reaction(analysis_id=analysis_id, qpcr_run=reaction.run, well=reaction.well, sample=reaction.sample,
                    sample_type=reaction.sample_type, target=reaction.target, dye=reaction.dye, cq=reaction.cq,
                    efficiency=reaction.efficiency, n0=reaction.n0, amplified=reaction.amplified,
                    quantity=reaction.quantity, instrument_cq=reaction.instrument_cq,
                    p_amplified=reaction.p_amplified, curve_call=reaction.curve_call, flags=";".join(reaction.flags),
                    excluded=reaction.well in excluded)


def _dpcr_row(analysis_id: int, well: DpcrWellResult) -> DpcrWell:
    return DpcrWell(analysis_id=analysis_id, well=well.well, sample=well.sample, sample_type=well.sample_type,
                    target=well.target, channel=well.channel, n_total=well.n_total, n_positive=well.n_positive,
                    n_negative=well.n_negative, n_rain=well.n_rain, lambda_=well.lambda_,
                    copies_per_ul=well.copies_per_ul, ci_low=well.ci_low, ci_high=well.ci_high,
                    threshold=well.threshold, flags=";".join(well.flags))


def _add_version(session: Session, sample_id: int, result: SampleResult, *, source: str, analysis_id: int | None,
                 by: int | None, reason: str) -> ResultVersion:
    last = session.execute(select(func.max(ResultVersion.version)).where(ResultVersion.sample_id == sample_id))
    version = ResultVersion(sample_id=sample_id, version=(last.scalar() or 0) + 1, analysis_id=analysis_id,
                            result=result.result, action=result.action, reason_codes=";".join(result.reason_codes),
                            rule_ids=";".join(result.rule_ids), needs_review=result.needs_review,
                            review_reason=result.review_reason, source=source, reason=reason, created_by=by,
                            payload=sample_to_json(result))
    session.add(version)
    session.flush()
    return version


class RunStore(StoreCore):
    """Uploaded runs and the jobs that analyse them."""

    def _run_info(self, session: Session, run: Run) -> RunInfo:
        return run_info(run, self._user_row(session, run.uploaded_by).name)

    def add_run(self, file_name: str, data: bytes, *, by: int, format: str = "", instrument: str = "",
                assay: str = "", simulated: bool = False, stored_path: str = "") -> tuple[RunInfo, JobInfo]:
        """Record an upload and queue its analysis job, in one transaction (the SHA-256 is computed here)."""
        name = PurePath(file_name.replace("\\", "/")).name[:255]
        if not name:
            raise InvalidParameterError("runs", "file_name", "a file name", repr(file_name))
        digest = hashlib.sha256(data).hexdigest()

        def work(session: Session) -> tuple[RunInfo, JobInfo]:
            user = self._actor(session, by, "technician")
            run = Run(file_name=name, sha256=digest, format=format, instrument=instrument, assay=assay,
                      simulated=simulated, uploaded_by=user.id, status="queued", error="", stored_path=stored_path,
                      settings="{}", release_version=0)
            session.add(run)
            session.flush()
            job = Job(run_id=run.id, state="queued", attempts=0, worker="", error="", kind="analysis")
            session.add(job)
            session.flush()
            self._event(session, user.name, "run.upload", f"run:{run.id}", run_id=run.id,
                        new=json.dumps({"file_name": name, "sha256": digest, "assay": assay, "size": len(data)}))
            return run_info(run, user.name), job_info(job)

        return self._write(work)

    def run(self, run_id: int) -> RunInfo:
        with self._reading() as session:
            return self._run_info(session, self._run_row(session, run_id))

    def runs(self, *, search: str = "", status: str | None = None, limit: int = 100,
             offset: int = 0) -> list[RunInfo]:
        """Newest first; ``search`` matches file name, SHA-256, assay, instrument or uploader (case-insensitive)."""
        statement = select(Run, User.name).join(User, User.id == Run.uploaded_by).order_by(Run.id.desc())
        if search:
            pattern = f"%{search.lower()}%"
            statement = statement.where(or_(*(func.lower(column).like(pattern) for column in
                                              (Run.file_name, Run.sha256, Run.assay, Run.instrument, User.name))))
        if status is not None:
            statement = statement.where(Run.status == status)
        statement = statement.limit(max(0, min(limit, 1000))).offset(max(0, offset))
        with self._reading() as session:
            return [run_info(run, name) for run, name in session.execute(statement)]

    def run_settings(self, run_id: int) -> dict[str, str]:
        with self._reading() as session:
            return dict(json.loads(self._run_row(session, run_id).settings))

    def reanalyse(self, run_id: int, *, by: int, reason: str, settings: dict[str, str]) -> JobInfo:
        """Change analysis settings (``exclude:WELL``, ``threshold:TARGET``, ``baseline:TARGET``; an empty value
        removes one) with a reason, and queue a new analysis. Reviewer or admin; not after release."""
        text = self._reason(reason, "reanalyse")
        for key in settings:
            if not _SETTING.fullmatch(key):
                raise InvalidParameterError("reanalyse", "settings", "keys exclude:WELL, threshold:TARGET or "
                                            "baseline:TARGET", repr(key))

        def work(session: Session) -> JobInfo:
            user = self._actor(session, by, "reviewer")
            run = self._run_row(session, run_id, lock=True)
            if run.status in ("queued", "running", "released"):
                raise ConflictError(f"run {run_id}: is {run.status}; settings change only on a done or failed run")
            old = json.loads(run.settings)
            new = {**old, **settings}
            new = {key: value for key, value in sorted(new.items()) if value != ""}
            run.settings, run.status, run.error = json.dumps(new), "queued", ""
            job = Job(run_id=run.id, state="queued", attempts=0, worker="", error="", kind="analysis")
            session.add(job)
            session.flush()
            self._event(session, user.name, "run.reanalyse", f"run:{run.id}", run_id=run.id, old=json.dumps(old),
                        new=json.dumps(new), reason=text)
            return job_info(job)

        return self._write(work)

    # -- jobs ---------------------------------------------------------------------------------------------
    def _claimable(self, session: Session) -> Job | None:
        now = utcnow()
        statement = (select(Job).where(Job.kind == "analysis",
                                       or_(Job.state == "queued", (Job.state == "running") & (Job.lease_until < now)))
                     .order_by(Job.id).limit(1).with_for_update(skip_locked=True))
        return session.execute(statement).scalar_one_or_none()

    def claim_job(self, worker: str, *, lease_s: float = 60.0) -> JobInfo | None:
        """Take the oldest queued job, or a running one whose lease expired (its worker died); ``None`` if none.

        A job whose worker died :data:`MAX_ATTEMPTS` times is failed instead of retried for ever."""

        def work(session: Session) -> JobInfo | None:
            while (job := self._claimable(session)) is not None:
                run = self._run_row(session, job.run_id, lock=True)
                if job.attempts >= MAX_ATTEMPTS:
                    job.state, job.error = "failed", f"worker lost {job.attempts} times (last: {job.worker})"
                    run.status, run.error = "failed", job.error
                    self._event(session, "system", "job.fail", f"job:{job.id}", run_id=run.id, new=job.error)
                    continue
                job.state, job.worker, job.attempts = "running", worker, job.attempts + 1
                job.lease_until = job.updated_at = utcnow()
                job.lease_until += timedelta(seconds=lease_s)
                run.status = "running"
                self._event(session, "system", "job.claim", f"job:{job.id}", run_id=run.id, new=worker,
                            reason=f"attempt {job.attempts}")
                return job_info(job)
            return None

        return self._write(work)

    def heartbeat(self, job_id: int, worker: str, *, lease_s: float = 60.0) -> bool:
        """Extend the lease; ``False`` when ``worker`` no longer holds the job (stop working on it)."""

        def work(session: Session) -> bool:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.state != "running" or job.worker != worker:
                return False
            job.updated_at = utcnow()
            job.lease_until = job.updated_at + timedelta(seconds=lease_s)
            return True

        return self._write(work)

    def _held_job(self, session: Session, job_id: int, worker: str) -> Job:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise NotFoundError(f"job {job_id}: no such job")
        if job.state != "running" or job.worker != worker:
            raise ConflictError(f"job {job_id}: is {job.state} (worker {job.worker or '-'}); {worker} does not "
                                "hold it, so its results are not stored")
        return job

    def complete_job(self, job_id: int, worker: str, *, reactions: Sequence[ReactionResult],
                     samples: Sequence[SampleResult], dpcr: Sequence[DpcrWellResult] = ()) -> RunInfo:
        """Store a job's results as the run's next analysis and mark job and run done, in one transaction.

        Refused (:class:`ConflictError`) when ``worker`` does not hold the job, e.g. a second completion."""

        def work(session: Session) -> RunInfo:
            job = self._held_job(session, job_id, worker)
            run = self._run_row(session, job.run_id, lock=True)
            last = session.execute(select(func.max(Analysis.number)).where(Analysis.run_id == run.id)).scalar()
            analysis = Analysis(run_id=run.id, job_id=job.id, number=(last or 0) + 1, settings=run.settings)
            session.add(analysis)
            session.flush()
            excluded = {key.split(":", 1)[1] for key in json.loads(run.settings) if key.startswith("exclude:")}
            session.add_all([_reaction_row(analysis.id, r, excluded) for r in reactions])
            session.add_all([_dpcr_row(analysis.id, w) for w in dpcr])
            for result in samples:
                self._store_sample(session, run.id, analysis.id, result)
            job.state, job.updated_at, job.lease_until, job.error = "done", utcnow(), None, ""
            run.status, run.error = "done", ""
            self._event(session, "system", "job.done", f"job:{job.id}", run_id=run.id,
                        new=f"analysis {analysis.number}: {len(reactions)} reactions, {len(dpcr)} dPCR wells, "
                            f"{len(samples)} samples")
            return self._run_info(session, run)

        return self._write(work)

    @staticmethod
    def _store_sample(session: Session, run_id: int, analysis_id: int, result: SampleResult) -> None:
        sample = session.execute(select(Sample).where(Sample.run_id == run_id, Sample.name == result.sample))
        row = sample.scalar_one_or_none()
        if row is None:
            row = Sample(run_id=run_id, name=result.sample, sample_type=result.sample_type)
            session.add(row)
            session.flush()
        _add_version(session, row.id, result, source="analysis", analysis_id=analysis_id, by=None, reason="")

    def fail_job(self, job_id: int, worker: str, error: str) -> RunInfo:
        """Mark the job and its run failed with a one-line error."""
        line = _one_line(error) or "analysis failed"

        def work(session: Session) -> RunInfo:
            job = self._held_job(session, job_id, worker)
            run = self._run_row(session, job.run_id, lock=True)
            job.state, job.error, job.updated_at, job.lease_until = "failed", line, utcnow(), None
            run.status, run.error = "failed", line
            self._event(session, "system", "job.fail", f"job:{job.id}", run_id=run.id, new=line)
            return self._run_info(session, run)

        return self._write(work)

    def job(self, job_id: int) -> JobInfo:
        with self._reading() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFoundError(f"job {job_id}: no such job")
            return job_info(job)

    def jobs(self, run_id: int) -> list[JobInfo]:
        with self._reading() as session:
            return [job_info(j) for j in session.execute(select(Job).where(Job.run_id == run_id).order_by(Job.id))
                    .scalars()]
