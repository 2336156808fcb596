"""Lab-service store and LIS benchmark (figure | measured | goal | peer).

On SQLite (a temporary file) and on a real PostgreSQL started here (Debian initdb/pg_ctl, as the tests do):
N uploads analysed by 4 concurrent worker threads (claim -> complete), checked for lost or duplicated results;
audit-chain verification speed; HL7 v2.5.1 and FHIR R4 build + validation per released run.
Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_store.py [--size small|full]`` (small, the
default: 100 uploads, 5 000 audit events, 50 LIS runs; full: 500 uploads, 50 000 events, 200 LIS runs). Every
figure gives wall time and this process's CPU time (``time.process_time``: on a loaded machine the wall time
is mostly waiting), and the load average is printed first.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.postgres import create_database, drop_database, fast_hasher, running_postgres  # noqa: E402
from tests.store.factories import demo_results  # noqa: E402

from chipdx.lis import LisContext, build_fhir_bundle, build_oru_r01, parse_oru_r01  # noqa: E402
from chipdx.store import Store  # noqa: E402

SIZES = {"small": {"runs": 100, "events": 5_000, "lis": 50}, "full": {"runs": 500, "events": 50_000, "lis": 200}}
WORKERS = 4


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def rate(self, n: int, unit: str) -> str:
        return f"{n / self.wall:,.0f} {unit}/s wall ({n / max(self.cpu, 1e-9):,.0f} {unit}/s CPU)"


def add_events(store: Store, n: int, batch: int = 1_000) -> None:
    """``n`` audit events appended through the store's own chain code, ``batch`` per transaction."""
    from chipdx.store._audit import append_event

    def work(count: int) -> object:
        def add(session: object) -> None:
            for i in range(count):
                append_event(session, "bench", "bench.event", f"run:{i}", run_id=i % 50, old="", new=f"value {i}",
                             reason="benchmark")  # type: ignore[arg-type]
        return add

    for start in range(0, n, batch):
        store._write(work(min(batch, n - start)))  # type: ignore[arg-type]


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def _drain(store: Store, worker: str) -> int:
    reactions, samples = demo_results()
    done = 0
    while (job := store.claim_job(worker)) is not None:
        store.complete_job(job.id, worker, reactions=reactions, samples=samples)
        done += 1
    return done


def store_figures(backend: str, url: str, size: dict[str, int]) -> None:
    store = Store.open(url, hasher=fast_hasher())
    tech = store.add_user("tess", "technician", "a long password")
    n_runs = size["runs"]
    with Clock() as clock:
        run_ids = [store.add_run(f"run{i}.rdml", f"run {i}".encode(), by=tech.id)[0].id for i in range(n_runs)]
    row(f"{backend}: {n_runs} uploads (run + job + audit event each, one transaction)", clock.rate(n_runs, "runs"),
        ">= 20 runs/s")
    start = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        completed = sum(pool.map(lambda n: _drain(store, f"w{n}"), range(WORKERS)))
    analyse_s = time.perf_counter() - start
    samples = [len(store.samples(i)) for i in run_ids]
    lost = sum(1 for n in samples if n == 0)
    duplicated = sum(1 for i in run_ids if len(store.jobs(i)) != 1 or store.jobs(i)[0].state != "done")
    row(f"{backend}: {n_runs} jobs by {WORKERS} concurrent workers, claim + store 4 reactions/3 samples",
        f"{completed / analyse_s:.0f} jobs/s; lost {lost}, duplicated {duplicated}", ">= 10 jobs/s; 0 lost, 0 dup")
    add_events(store, size["events"])
    with Clock() as clock:
        report = store.verify_audit()
    row(f"{backend}: audit verify ({report.checked:,} events)", clock.rate(report.checked, "events") +
        f", intact={report.intact}", ">= 10 000 events/s")
    store.close()


def lis_figures(n: int) -> None:
    _, samples = demo_results()

    def context(i: int) -> LisContext:
        return LisContext(run_id=i + 1, assay="cdc-2019-ncov", file_name="x.rdml", file_sha256="c" * 64,
                          instrument="DLOC-Sim v1", simulated=True, released_by="rita",
                          released_at=datetime.now(UTC), release_version=1)

    with Clock() as first:
        build_oru_r01(samples, context(0))
        build_fhir_bundle(samples, context(0))
    validated = 0
    with Clock() as clock:
        for i in range(n):
            build_oru_r01(samples, context(i))  # built and validated (STRICT) inside
            build_fhir_bundle(samples, context(i))  # validated with fhir.resources inside
            validated += 1
    with Clock() as parse:
        for i in range(n):
            parse_oru_r01(build_oru_r01(samples, context(i)))
    row("HL7 ORU^R01 + FHIR Bundle built and validated (3 samples x 3 targets), per run",
        f"{clock.wall / n * 1000:.0f} ms wall ({clock.cpu / n * 1000:.0f} ms CPU); {validated}/{n} valid; "
        f"first run of the process {first.wall * 1000:.0f} ms wall ({first.cpu * 1000:.0f} ms CPU)",
        "<= 200 ms; all valid")
    row("  + the receiver's STRICT parse of the ORU^R01 (as a LIS or the tests do), per run",
        f"{(parse.wall - clock.wall) / n * 1000:.0f} ms wall ({(parse.cpu - clock.cpu) / n * 1000:.0f} ms CPU) "
        "over the build", "–")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    size = SIZES[parser.parse_args().size]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, size {size}\n")
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    lis_figures(size["lis"])
    with tempfile.TemporaryDirectory() as tmp:
        store_figures("SQLite", f"sqlite:///{tmp}/bench.db", size)
    try:
        with running_postgres() as base:
            url = create_database(base)
            store_figures("PostgreSQL", url, size)
            drop_database(url)
    except LookupError as exc:
        row("PostgreSQL figures", f"not measured: {exc}", "–")
    print(f"\nload average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
