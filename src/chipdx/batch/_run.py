"""Run a batch on Dask: a local cluster of worker processes by default, or a given scheduler.

Tasks are submitted a bounded number at a time (so a million inputs do not sit in the
scheduler at once), each one :func:`~chipdx.batch._task.process_input`. Dask reschedules
the tasks of a worker that dies; a task whose worker died too often becomes an errors row.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipdx import io, pipeline
from chipdx._version import __version__
from chipdx.batch._inputs import BatchInput, expand_inputs
from chipdx.batch._manifest import write_manifest
from chipdx.batch._task import Outcome, outcome_path, process_input, read_outcome, write_outcome
from chipdx.errors import UnsupportedError

__all__ = ["BatchPlan", "BatchReport", "execute_plan", "plan_batch", "run_batch"]

#: Tasks in flight per worker: enough to keep every worker busy, few enough to bound the scheduler's memory.
_IN_FLIGHT_PER_WORKER = 8


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What a batch did: inputs found, done now, skipped as already done, failed, wall time (s).

    The outcomes themselves are not kept (a million inputs would fill the client's memory): they are
    in ``out/state/`` and the manifest, and ``on_result`` sees each one as it arrives.
    """

    out: Path
    inputs: int
    done: int
    resumed: int
    errors: int
    duplicates: int
    workers: int
    seconds: float


def _settings(assay: str | None) -> dict[str, Any]:
    if assay is None:
        return {"assay": None, "ruleset_id": None, "ruleset_sha256": None}
    loaded = pipeline.load_assay(assay)  # an unknown assay fails here, before any cluster starts
    return {"assay": assay, "ruleset_id": loaded.ruleset_id, "ruleset_sha256": loaded.sha256}


def _prepare_folder(out: Path, settings: dict[str, Any], resume: bool) -> None:
    """Refuse to mix batches: a used folder needs ``--resume`` with the same assay and chipdx version."""
    saved = out / "state" / "settings.json"
    if saved.exists():
        if not resume:
            raise UnsupportedError(f"{out}: already holds a batch; add --resume to continue it, or use a new folder")
        before = json.loads(saved.read_text(encoding="utf-8"))
        now = {**settings, "chipdx_version": __version__}
        changed = sorted(k for k in now if before.get(k) != now[k])
        if changed:
            raise UnsupportedError(f"{out}: --resume with different settings than the batch in it "
                                   f"({', '.join(f'{k} {before.get(k)!r} -> {now[k]!r}' for k in changed)})")
        return
    if out.exists() and not out.is_dir():
        raise UnsupportedError(f"{out}: expected an output folder, found a file")
    if out.is_dir() and any(out.iterdir()) and not resume:
        raise UnsupportedError(f"{out}: the output folder is not empty and holds no batch (use a new folder)")
    with io.atomic_output(saved) as stream:
        stream.write(json.dumps({**settings, "chipdx_version": __version__}, sort_keys=True).encode())


def _already_done(out: Path, item: BatchInput) -> bool:
    path = outcome_path(out, item.sha256)
    return path.exists() and read_outcome(path).ok


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: on the given scheduler, or on a local cluster of ``workers`` single-threaded processes."""
    import logging

    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise UnsupportedError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client
        return
    count = workers or len(os.sched_getaffinity(0))
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                           host="127.0.0.1", dashboard_address=":0")  # no fixed port
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def _lost(item: BatchInput, out: Path, exc: BaseException) -> Outcome:
    """The outcome of a task Dask gave up on (its workers kept dying), recorded like any error."""
    outcome = Outcome(str(item.path), item.sha256, error=" ".join(f"{item.path}: the task failed on the cluster "
                                                                  f"({type(exc).__name__}: {exc})".split()))
    write_outcome(out, outcome)
    return outcome


def _execute(client: Any, todo: Sequence[BatchInput], out: Path, assay: str | None,
             on_result: Callable[[Outcome], None]) -> tuple[int, int]:
    """Run ``todo`` with a bounded window of tasks in flight; returns (inputs done, inputs failed)."""
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    pending = iter(todo)
    by_key: dict[str, BatchInput] = {}

    def submit() -> Any | None:
        item = next(pending, None)
        if item is None:
            return None
        key = f"chipdx-batch-{batch}-{item.sha256[:16]}"
        by_key[key] = item
        return client.submit(process_input, str(item.path), item.sha256, str(out), assay, key=key, pure=False)

    first = [f for f in (submit() for _ in range(workers * _IN_FLIGHT_PER_WORKER)) if f is not None]
    done = failed = 0
    running = as_completed(first)  # type: ignore[no-untyped-call]
    for future in running:
        item = by_key.pop(future.key)
        try:
            outcome: Outcome = future.result()
        except Exception as exc:  # KilledWorker and the like: this input's error, not the batch's
            outcome = _lost(item, out, exc)
        future.release()
        done, failed = (done + 1, failed) if outcome.ok else (done, failed + 1)
        on_result(outcome)
        following = submit()
        if following is not None:
            running.add(following)  # type: ignore[no-untyped-call]
    return done, failed


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A batch before it runs: the inputs found, the ones still to do, duplicates and skipped files."""

    out: Path
    settings: dict[str, Any]
    inputs: tuple[BatchInput, ...]
    todo: tuple[BatchInput, ...]
    duplicates: tuple[BatchInput, ...]
    skipped: tuple[Path, ...]
    hash_seconds: float


def plan_batch(specs: Sequence[str], out: Path, *, assay: str | None = None, resume: bool = False) -> BatchPlan:
    """Expand ``specs`` (files, folders, globs), hash every input and prepare ``out``.

    Refuses (one line) an unknown assay, a missing input, or a used folder without ``resume``;
    with ``resume``, inputs whose outcome in ``out`` is done (same SHA-256) are not to do again.
    """
    start = time.perf_counter()
    settings = _settings(assay)
    inputs, skipped = expand_inputs(specs)
    hashed = time.perf_counter() - start
    _prepare_folder(out, settings, resume)
    unique: dict[str, BatchInput] = {}
    duplicates = [item for item in inputs if unique.setdefault(item.sha256, item) is not item]
    todo = [item for item in unique.values() if not (resume and _already_done(out, item))]
    return BatchPlan(out, settings, tuple(inputs), tuple(todo), tuple(duplicates), tuple(skipped), hashed)


def execute_plan(plan: BatchPlan, *, workers: int | None = None, scheduler: str | None = None,
                 on_result: Callable[[Outcome], None] | None = None) -> BatchReport:
    """Run the inputs still to do on Dask, then write ``errors.parquet`` and ``manifest.json``."""
    start = time.perf_counter()
    done = errors = count = 0
    cluster_s = 0.0
    if plan.todo:
        with _client(workers, scheduler) as client:
            cluster_s = time.perf_counter() - start
            count = len(client.scheduler_info().get("workers", {}))
            done, errors = _execute(client, plan.todo, plan.out, plan.settings["assay"], on_result or (lambda _: None))
    seconds = time.perf_counter() - start + plan.hash_seconds
    write_manifest(plan.out, plan.settings, plan.duplicates, plan.skipped, timings={
        "hash_inputs_s": round(plan.hash_seconds, 3), "cluster_start_s": round(cluster_s, 3),
        "wall_s": round(seconds, 3), "tasks_now": len(plan.todo), "workers": count,
        "scheduler": scheduler or "local"})
    unique = len(plan.inputs) - len(plan.duplicates)
    return BatchReport(plan.out, len(plan.inputs), done, unique - len(plan.todo), errors,
                       len(plan.duplicates), count, seconds)


def run_batch(specs: Sequence[str], out: Path, *, assay: str | None = None, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False,
              on_result: Callable[[Outcome], None] | None = None) -> BatchReport:
    """Analyse every input named by ``specs`` (files, folders, globs) into the batch folder ``out``.

    ``assay``: also interpret each input with this assay (samples table). ``workers``: size of
    the local cluster (default: the usable cores); ``scheduler``: a ``tcp://host:port`` Dask
    scheduler instead. ``resume``: skip inputs already done in ``out`` (by SHA-256).
    ``on_result(outcome)`` is called after each input.
    """
    plan = plan_batch(specs, out, assay=assay, resume=resume)
    return execute_plan(plan, workers=workers, scheduler=scheduler, on_result=on_result)
