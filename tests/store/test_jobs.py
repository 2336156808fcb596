"""Durable jobs on SQLite and PostgreSQL: concurrent workers never claim a job twice; a worker killed with
SIGKILL mid-analysis loses nothing (its lease expires, another worker completes the job once); a job is not
completed twice; a job that keeps killing its workers is failed after MAX_ATTEMPTS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chipdx.errors import ConflictError
from chipdx.store import MAX_ATTEMPTS, JobInfo, Store
from tests.postgres import fast_hasher
from tests.store.factories import demo_results

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url, hasher=fast_hasher())
    yield opened
    opened.close()


def _upload(store: Store, n: int) -> list[int]:
    tech = store.add_user("tess", "technician", "a long password")
    return [store.add_run(f"run{i}.rdml", f"run {i}".encode(), by=tech.id)[0].id for i in range(n)]


def test_concurrent_workers_claim_each_job_once(store: Store) -> None:
    _upload(store, 8)

    def drain(worker: str) -> list[JobInfo]:
        claimed = []
        while (job := store.claim_job(worker)) is not None:
            claimed.append(job)
        return claimed

    with ThreadPoolExecutor(3) as pool:
        batches = list(pool.map(drain, ["w1", "w2", "w3"]))
    ids = [job.id for batch in batches for job in batch]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 8
    assert {store.job(i).state for i in ids} == {"running"}
    report = store.verify_audit()  # concurrent writers appended their events in one unbroken chain
    assert report.intact and report.head_seq == 1 + 8 + 8  # user, uploads, claims


def test_a_job_is_completed_once(store: Store) -> None:
    (run_id,) = _upload(store, 1)
    job = store.claim_job("w1")
    assert job is not None
    reactions, samples = demo_results()
    store.complete_job(job.id, "w1", reactions=reactions, samples=samples)
    with pytest.raises(ConflictError, match="is done"):
        store.complete_job(job.id, "w1", reactions=reactions, samples=samples)
    assert len(store.samples(run_id)) == 3 and {s.version for s in store.samples(run_id)} == {1}
    assert store.heartbeat(job.id, "w1") is False


def test_failure_is_recorded_on_the_run(store: Store) -> None:
    (run_id,) = _upload(store, 1)
    job = store.claim_job("w1")
    assert job is not None
    with pytest.raises(ConflictError, match="does not hold"):
        store.fail_job(job.id, "someone-else", "boom")
    store.fail_job(job.id, "w1", "run1.rdml: line 3: expected a number,\n found 'x'")
    run = store.run(run_id)
    assert (run.status, run.error) == ("failed", "run1.rdml: line 3: expected a number, found 'x'")


def test_a_job_that_keeps_losing_its_worker_fails(store: Store) -> None:
    (run_id,) = _upload(store, 1)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job = store.claim_job(f"w{attempt}", lease_s=0)
        assert job is not None and job.attempts == attempt
        time.sleep(0.01)
    assert store.claim_job("last", lease_s=0) is None
    assert store.run(run_id).status == "failed" and "worker lost" in store.run(run_id).error


WORKER = """
import sys, time
from chipdx.store import Store
store = Store.open(sys.argv[1], migrate=False)
job = store.claim_job("doomed-worker", lease_s=1.0)
print(job.id, flush=True)
time.sleep(120)  # "analysing" when SIGKILL arrives
"""


def test_kill_9_of_a_worker_loses_nothing(store: Store, tmp_path: Path) -> None:
    (run_id,) = _upload(store, 1)
    url = store.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, url], stdout=subprocess.PIPE, text=True,
                              cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    try:
        assert worker.stdout is not None
        job_id = int(worker.stdout.readline())
        assert store.job(job_id).state == "running" and store.run(run_id).status == "running"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    assert worker.returncode == -signal.SIGKILL
    assert store.claim_job("survivor") is None, "claimed before the dead worker's lease expired"
    time.sleep(1.2)
    job = store.claim_job("survivor")
    assert job is not None and (job.id, job.attempts) == (job_id, 2)
    reactions, samples = demo_results()
    store.complete_job(job.id, "survivor", reactions=reactions, samples=samples)
    with pytest.raises(ConflictError):  # the dead worker's late result (had it survived) is refused
        store.complete_job(job.id, "doomed-worker", reactions=reactions, samples=samples)
    assert store.run(run_id).status == "done" and len(store.samples(run_id)) == 3
    assert [(j.state, j.attempts) for j in store.jobs(run_id)] == [("done", 2)]
    assert [e.action for e in store.audit(run_id)] == ["run.upload", "job.claim", "job.claim", "job.done"]
