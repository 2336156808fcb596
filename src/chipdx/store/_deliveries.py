"""LIS deliveries as durable jobs: queued with the release that they send, claimed with a lease, retried with
back-off, done once.

A release (or a correction's new release) queues one ``lis`` job per destination in the same transaction as
the e-signature, so a crash right after the release still sends it. Each job carries a unique
``delivery_key`` (destination + message control id ``chipdx-{run}-r{version}``): the same release is never
queued twice for a destination, and a job that is done is never claimed again. Every attempt is audited
(``lis.sent``, ``lis.retry``, ``lis.fail``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chipdx.errors import InvalidParameterError
from chipdx.store._models import Job, Run, utcnow
from chipdx.store._records import JobInfo
from chipdx.store._runs import RunStore, job_info

__all__ = ["MAX_DELIVERY_ATTEMPTS", "DeliveryStore", "control_id"]

MAX_DELIVERY_ATTEMPTS = 8
_MAX_DESTINATION = 500


def control_id(run_id: int, release_version: int) -> str:
    """The message control id (HL7 MSH-10, FHIR Bundle.identifier) of one release of a run.

    >>> control_id(7, 2)
    'chipdx-7-r2'
    """
    return f"chipdx-{run_id}-r{release_version}"


def _check_destinations(destinations: Sequence[str]) -> None:
    for destination in destinations:
        if not destination or len(destination) > _MAX_DESTINATION or ":" not in destination:
            raise InvalidParameterError("lis", "destination", "KIND:ADDRESS of at most 500 characters",
                                        repr(destination[:60]))


class DeliveryStore(RunStore):
    """Queue, claim, finish and retry the sending of released results."""

    def _queue_deliveries(self, session: Session, run: Run, actor: str, destinations: Sequence[str]) -> None:
        """One delivery job per destination for the run's current release (called inside the signing)."""
        _check_destinations(destinations)
        message = control_id(run.id, run.release_version)
        for destination in dict.fromkeys(destinations):
            key = f"{destination}#{message}"
            if session.execute(select(Job.id).where(Job.delivery_key == key)).first() is not None:
                continue
            job = Job(run_id=run.id, state="queued", attempts=0, worker="", error="", kind="lis",
                      destination=destination, release_version=run.release_version, delivery_key=key)
            session.add(job)
            session.flush()
            self._event(session, actor, "lis.queue", f"job:{job.id}", run_id=run.id, new=f"{message} -> {destination}")

    def deliveries(self, run_id: int | None = None) -> list[JobInfo]:
        """Delivery jobs, oldest first (of one run, or all)."""
        statement = select(Job).where(Job.kind == "lis").order_by(Job.id)
        if run_id is not None:
            statement = statement.where(Job.run_id == run_id)
        with self._reading() as session:
            return [job_info(job) for job in session.execute(statement).scalars()]

    def claim_delivery(self, worker: str, *, lease_s: float = 60.0) -> JobInfo | None:
        """Take the oldest delivery that is due (queued and past its back-off, or running with an expired lease)."""

        def work(session: Session) -> JobInfo | None:
            now = utcnow()
            due = or_(Job.not_before.is_(None), Job.not_before <= now)
            statement = (select(Job).where(Job.kind == "lis", or_((Job.state == "queued") & due,
                                                                  (Job.state == "running") & (Job.lease_until < now)))
                         .order_by(Job.id).limit(1).with_for_update(skip_locked=True))
            job = session.execute(statement).scalar_one_or_none()
            if job is None:
                return None
            job.state, job.worker, job.attempts = "running", worker, job.attempts + 1
            job.updated_at = now
            job.lease_until = now + timedelta(seconds=lease_s)
            return job_info(job)

        return self._write(work)

    def delivery_done(self, job_id: int, worker: str, detail: str) -> JobInfo:
        """The receiver accepted the message: the job is done (never sent again); audited ``lis.sent``."""

        def work(session: Session) -> JobInfo:
            job = self._held_job(session, job_id, worker)
            job.state, job.error, job.updated_at, job.lease_until = "done", "", utcnow(), None
            self._event(session, "system", "lis.sent", f"job:{job.id}", run_id=job.run_id,
                        new=f"{control_id(job.run_id, job.release_version or 0)} -> {job.destination}: "
                            f"{' '.join(detail.split())[:300]}", reason=f"attempt {job.attempts}")
            return job_info(job)

        return self._write(work)

    def delivery_failed(self, job_id: int, worker: str, error: str, *, retry: bool,
                        backoff_s: float = 5.0) -> JobInfo:
        """An attempt failed: queue the next one after ``backoff_s * 2**(attempts-1)`` (at most an hour), or fail
        the job for good (``retry`` False, e.g. the receiver's AE, or :data:`MAX_DELIVERY_ATTEMPTS` reached)."""
        line = " ".join(error.split())[:500] or "delivery failed"

        def work(session: Session) -> JobInfo:
            job = self._held_job(session, job_id, worker)
            now = utcnow()
            job.error, job.updated_at, job.lease_until = line, now, None
            if retry and job.attempts < MAX_DELIVERY_ATTEMPTS:
                wait = min(backoff_s * 2 ** (job.attempts - 1), 3600.0)
                job.state, job.not_before = "queued", now + timedelta(seconds=wait)
                self._event(session, "system", "lis.retry", f"job:{job.id}", run_id=job.run_id, new=line,
                            reason=f"attempt {job.attempts}; next in {wait:.3g} s")
            else:
                job.state = "failed"
                self._event(session, "system", "lis.fail", f"job:{job.id}", run_id=job.run_id, new=line,
                            reason=f"attempt {job.attempts}; {'not retried' if not retry else 'attempts used up'}")
            return job_info(job)

        return self._write(work)
