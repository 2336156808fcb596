"""A job whose server is killed with ``kill -9`` mid-analysis is taken up by another server's worker and
completes once: nothing lost, no result stored twice (real processes, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from uuid import uuid4

import pytest

from chipdx.store import Store
from tests.service.conftest import DEMO_ASSAY, PASSWORD
from tests.service.servers import Server


def _upload(server: Server, token: str, path: Path) -> int:
    boundary = uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"assay\"\r\n\r\n{DEMO_ASSAY}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
        f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{server.url}/api/v1/runs", data=body, method="POST", headers={
        "authorization": f"Bearer {token}", "content-type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 202
        return int(json.loads(answer.read())["id"])


def _wait(predicate: object, timeout_s: float, what: str) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def test_killed_worker_job_is_taken_over_and_completes_once(tmp_path: Path, db_url: str,
                                                            cartridge_rdml: Path) -> None:
    store = Store.open(db_url)
    try:
        user = store.add_user("tech", "technician", PASSWORD)
        token = store.create_token(user.id)
        first = Server(tmp_path, db_url=db_url, lease_s=2.0, env={"CHIPDX_WORKER_PAUSE_S": "120"})
        try:
            run_id = _upload(first, token, cartridge_rdml)
            _wait(lambda: store.run(run_id).status == "running", 30, "the first worker to claim the job")
            first.kill()
        finally:
            first.stop()
        assert store.run(run_id).status == "running"  # claimed by a dead worker, nothing stored
        assert store.samples(run_id) == []
        second = Server(tmp_path, db_url=db_url, lease_s=2.0)
        try:
            _wait(lambda: store.run(run_id).status in {"done", "failed"}, 120, "the second worker to finish it")
        finally:
            second.stop()
        run = store.run(run_id)
        assert run.status == "done", run.error
        jobs = store.jobs(run_id)
        assert [(j.state, j.attempts) for j in jobs] == [("done", 2)]
        assert jobs[0].worker.rsplit("-", 2)[1] == str(second.process.pid)  # the second server finished it
        samples = store.samples(run_id)
        assert samples and all(s.version == 1 for s in samples)  # one analysis stored, not two
        reactions = store.reactions(run_id)
        assert len(reactions) == len({(r.well, r.target) for r in reactions})
        actions = [e.action for e in store.audit(run_id=run_id)]
        assert actions.count("job.claim") == 2 and actions.count("job.done") == 1
        assert store.verify_audit().intact
    finally:
        store.close()


@pytest.fixture(autouse=True)
def _short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHIPDX_WORKER_PAUSE_S", raising=False)
