"""The analysis worker: claims durable jobs from the store and runs them through :mod:`chipdx.pipeline`.

A job is claimed with a lease (:meth:`chipdx.store.Store.claim_job`) that the worker renews while it
analyses. A worker killed mid-analysis (``kill -9``) stops renewing; once the lease has run out any
other worker claims the job again. Results are stored only by :meth:`~chipdx.store.Store.complete_job`,
one transaction that the store refuses a second time, so a job's results are stored exactly once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chipdx import pipeline
from chipdx.errors import ChipdxError
from chipdx.service import _assays, _delivery

__all__ = ["PAUSE_ENV", "Worker", "job_outputs", "manual_settings"]

PAUSE_ENV = "CHIPDX_WORKER_PAUSE_S"  # seconds a worker waits after claiming a job (fault-injection tests)
REPORT_NAME = "report.html"
_LOG = logging.getLogger("chipdx.service.worker")


def manual_settings(settings: Mapping[str, str]) -> pipeline.ManualSettings:
    """The store's run settings (``exclude:A1 = 1``, ``threshold:N1 = 0.2``, ``baseline:N1 = 3-15``) as the
    pipeline's; an empty value goes back to automatic.

    >>> manual_settings({"exclude:A1": "1", "exclude:B2": "0", "threshold:N1": "0.2", "baseline:N1": "3-15"})
    ManualSettings(excluded_wells=frozenset({'A1'}), thresholds={'N1': 0.2}, baselines={'N1': (3, 15)})
    """
    excluded: set[str] = set()
    thresholds: dict[str, float] = {}
    baselines: dict[str, tuple[int, int]] = {}
    for key, value in sorted(settings.items()):
        kind, _, name = key.partition(":")
        if not value:
            continue
        if kind == "exclude" and value == "1":
            excluded.add(name)
        elif kind == "threshold":
            thresholds[name] = float(value)
        elif kind == "baseline":
            first, _, last = value.partition("-")
            baselines[name] = (int(first), int(last))
    return pipeline.ManualSettings(frozenset(excluded), thresholds, baselines)


def job_outputs(outputs: Path, run_id: int, job_id: int) -> Path:
    """The folder of the files one job made (the report)."""
    return outputs / str(run_id) / f"job-{job_id}"


class _Lease:
    """Renews a job's lease in the background while the analysis runs."""

    def __init__(self, store: Any, job_id: int, worker: str, lease_s: float) -> None:
        self._store, self._job, self._worker, self._lease = store, job_id, worker, lease_s
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._renew, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        while not self._stop.wait(self._lease / 3):
            if not self._store.heartbeat(self._job, self._worker, lease_s=self._lease):
                self.lost = True
                return


class Worker:
    """``threads`` threads that claim and run analysis jobs until :meth:`stop`."""

    def __init__(self, store: Any, outputs: Path, *, threads: int = 1, lease_s: float = 30.0,
                 poll_s: float = 0.5, lis_timeout_s: float = 10.0, lis_backoff_s: float = 5.0) -> None:
        self.store = store
        self.outputs = outputs
        self.name = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_s, self.poll_s = lease_s, poll_s
        self.lis_timeout_s, self.lis_backoff_s = lis_timeout_s, lis_backoff_s
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"chipdx-worker-{i}", daemon=True)
                         for i in range(threads)]
        self._pause = float(os.environ.get(PAUSE_ENV, "0") or 0)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_next()
            except Exception:  # the store was unreachable a moment: log, wait, try again
                _LOG.exception("worker %s: claiming a job failed", self.name)
                worked = False
            if not worked:
                self._stop.wait(self.poll_s)

    def run_next(self) -> bool:
        """Claim and run one job (an analysis first, else a due LIS delivery); False when none was waiting."""
        job = self.store.claim_job(self.name, lease_s=self.lease_s)
        if job is None:
            return self.deliver_next()
        with _Lease(self.store, job.id, self.name, self.lease_s) as lease:
            if self._pause:
                self._stop.wait(self._pause)
            try:
                records = self._analyse(job.run_id, job.id)
            except Exception as exc:
                message = str(exc) if isinstance(exc, ChipdxError) else f"internal error ({type(exc).__name__}: {exc})"
                if not lease.lost:
                    self.store.fail_job(job.id, self.name, message.splitlines()[0] if message else "failed")
                return True
        if not lease.lost:
            self.store.complete_job(job.id, self.name, reactions=records.reactions, samples=records.samples,
                                    dpcr=records.dpcr)
        return True

    def deliver_next(self) -> bool:
        """Claim one due LIS delivery and attempt it (the lease renewed meanwhile); False when none was due."""
        job = self.store.claim_delivery(self.name, lease_s=self.lease_s)
        if job is None:
            return False
        with _Lease(self.store, job.id, self.name, self.lease_s) as lease:
            outcome = _delivery.attempt(self.store, job, self.lis_timeout_s)
        if not lease.lost:
            _delivery.record(self.store, job, self.name, outcome, self.lis_backoff_s)
        return True

    def _analyse(self, run_id: int, job_id: int) -> pipeline.ResultSet:
        run = self.store.run(run_id)
        settings = manual_settings(self.store.run_settings(run_id))
        dataset = pipeline.read_inputs([Path(run.stored_path)])
        analysis = pipeline.interpret_dataset(pipeline.analyze_with_settings(dataset, settings),
                                              _assays.resolve(self.store, run.assay))
        folder = job_outputs(self.outputs, run_id, job_id)
        folder.mkdir(parents=True, exist_ok=True)
        pipeline.write_report(analysis, folder / REPORT_NAME, title=f"chipdx run {run_id}: {run.file_name}")
        return pipeline.result_records(analysis, source_sha256=run.sha256)


def wait_for(predicate: Any, timeout_s: float, poll_s: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout_s`` passed (servers and tests waiting on jobs)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(poll_s)
    return bool(predicate())
