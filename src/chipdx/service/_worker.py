"""The analysis worker: threads that claim durable jobs from the database and run them.

A job is claimed by one conditional UPDATE (``queued`` -> ``running``), analysed, and its
results, the job's ``done`` state and the audit event are committed in one transaction. A
server killed mid-analysis (``kill -9``) leaves the job ``running`` with nothing stored; the
next start puts such jobs back in the queue (:meth:`Worker.requeue_interrupted`) and they run
once. One server process serves one database.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chipdx.errors import ChipdxError
from chipdx.io._atomic import atomic_output
from chipdx.service._analysis import Outcome, RunSettings, analyse_file
from chipdx.service._db import Database
from chipdx.service._runs import run_settings, run_target, store_outcome
from chipdx.store._audit import append_event
from chipdx.store._models import Job, Run, utcnow

__all__ = ["DOWNLOAD_FILES", "Worker"]

DOWNLOAD_FILES = {"csv": "reactions.csv", "report": "report.html", "rdml": "run.rdml"}
PAUSE_ENV = "CHIPDX_WORKER_PAUSE"  # seconds to wait after claiming a job: fault-injection tests only


class Worker:
    def __init__(self, db: Database, threads: int = 2, poll_seconds: float = 0.2) -> None:
        self.db = db
        self.name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._threads = [threading.Thread(target=self._loop, name=f"chipdx-worker-{i}", daemon=True)
                         for i in range(threads)]
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._pause = float(os.environ.get(PAUSE_ENV, "0") or 0)

    def start(self) -> None:
        self.requeue_interrupted()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def requeue_interrupted(self) -> int:
        """Jobs left ``running`` by a server that died go back to ``queued``; returns how many."""
        def work(session: Session) -> int:
            jobs = list(session.execute(select(Job).where(Job.state == "running")).scalars())
            for job in jobs:
                job.state, job.worker, job.updated_at = "queued", "", utcnow()
                session.get_one(Run, job.run_id).status = "queued"
                append_event(session, "worker", "job-requeued", run_target(job.run_id),
                             old="running", new="queued", reason="server restarted during the analysis")
            return len(jobs)
        return self.db.write(work)

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self.db.write(self._claim)
            if job_id is None:
                self._stop.wait(self._poll)
            else:
                self._run(job_id)

    def _claim(self, session: Session) -> int | None:
        busy = select(Job.run_id).where(Job.state == "running")
        job = session.execute(select(Job).where(Job.state == "queued", Job.run_id.not_in(busy))
                              .order_by(Job.id).limit(1)).scalar_one_or_none()
        if job is None:
            return None
        claimed = session.execute(update(Job).where(Job.id == job.id, Job.state == "queued").values(
            state="running", attempts=Job.attempts + 1, worker=self.name, updated_at=utcnow()))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        session.get_one(Run, job.run_id).status = "running"
        return job.id

    def _run(self, job_id: int) -> None:
        with self.db.sessions() as session:
            job = session.get_one(Job, job_id)
            run = session.get_one(Run, job.run_id)
            run_id, path, assay = run.id, Path(run.stored_path), run.assay
            settings = run_settings(session, run_id)
        if self._pause:
            time.sleep(self._pause)
        try:
            outcome = self._analyse(run_id, path, assay, settings)
        except Exception as exc:
            message = str(exc) if isinstance(exc, ChipdxError | ValueError) else f"{type(exc).__name__}: {exc}"
            self.db.write(lambda s: self._fail(s, job_id, message))
            return
        self.db.write(lambda s: self._finish(s, job_id, outcome))

    def _analyse(self, run_id: int, path: Path, assay: str, settings: RunSettings) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="chipdx-job-") as work:
            outcome = analyse_file(path, assay, settings, Path(work))
        target = self.db.run_dir(run_id)
        target.mkdir(parents=True, exist_ok=True)
        for kind, name in DOWNLOAD_FILES.items():
            with atomic_output(target / name) as stream:
                stream.write(outcome.files[kind])
        return outcome

    def _owns(self, session: Session, job_id: int) -> Job | None:
        job = session.get_one(Job, job_id, with_for_update=True)
        return job if job.state == "running" and job.worker == self.name else None

    def _finish(self, session: Session, job_id: int, outcome: Outcome) -> None:
        job = self._owns(session, job_id)
        if job is None:
            return
        store_outcome(session, session.get_one(Run, job.run_id), outcome)
        job.state, job.updated_at = "done", utcnow()

    def _fail(self, session: Session, job_id: int, message: str) -> None:
        job = self._owns(session, job_id)
        if job is None:
            return
        run = session.get_one(Run, job.run_id)
        job.state, job.error, job.updated_at = "failed", message, utcnow()
        run.status, run.error = "failed", message
        append_event(session, "worker", "analysis-failed", run_target(run.id), new=json.dumps({"error": message}))
