"""The distributed path for real: ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1.

One worker is killed with SIGKILL while it runs tasks; Dask moves its tasks to the other
worker and the batch ends with every input's rows exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chipdx.batch import BatchReport, read_table, run_batch
from tests.batch.conftest import simulated_plate

PLATES = 12
DASK = str(Path(sys.executable).with_name("dask"))


def _wait(condition: object, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and two single-threaded workers without nannies (a killed worker stays dead)."""
    address_file = tmp_path / "scheduler.json"
    log = (tmp_path / "dask.log").open("wb")
    processes = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(address_file)], stdout=log, stderr=log)]
    try:
        _wait(lambda: address_file.exists() and "address" in address_file.read_text(), "the scheduler")
        address = json.loads(address_file.read_text())["address"]
        for name in ("w1", "w2"):
            processes.append(subprocess.Popen(
                [DASK, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1"], stdout=log, stderr=log))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address, processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
        cluster: tuple[str, list[subprocess.Popen[bytes]]], tmp_path: Path) -> None:
    from distributed import Client

    address, processes = cluster
    folder = tmp_path / "plates"
    folder.mkdir()
    for seed in range(PLATES):
        simulated_plate(folder / f"plate{seed:02d}.rdml", 100 + seed, plate_size=384)
    out = tmp_path / "out"
    result: dict[str, BatchReport] = {}
    thread = threading.Thread(target=lambda: result.update(report=run_batch([str(folder)], out, scheduler=address)))
    thread.start()
    worker_pids = {p.pid for p in processes[1:]}
    with Client(address, timeout="30s") as client:
        pid_of = client.run(os.getpid)  # worker address -> process id
        assert set(pid_of.values()) == worker_pids

        def busy_worker() -> int | None:
            if len(list((out / "state").glob("*.json"))) < 2:  # settings + one input done
                return None
            return next((pid_of[w] for w, tasks in client.processing().items() if tasks and w in pid_of), None)

        _wait(lambda: busy_worker() is not None or not thread.is_alive(), "a busy worker", seconds=900)
        victim = busy_worker()
        assert victim is not None, "the batch ended before a worker could be killed: make the plates bigger"
        done_before = len(list((out / "state").glob("*.json"))) - 1
        os.kill(victim, signal.SIGKILL)
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert done_before < PLATES  # killed mid-batch
    report = result["report"]
    assert (report.done, report.errors) == (PLATES, 0)
    reactions = read_table(out, "reactions")
    assert len(reactions) == PLATES * 768
    assert not reactions.duplicated(["file_sha256", "run", "well", "target"]).any()
    assert reactions["file_sha256"].nunique() == PLATES
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["timings"]["scheduler"] == address
    assert len(manifest["inputs"]) == PLATES and {e["status"] for e in manifest["inputs"]} == {"ok"}
