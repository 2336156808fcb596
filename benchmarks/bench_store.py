"""Lab-service store and LIS benchmark (figure | measured | goal | peer).

On SQLite (a temporary file) and on a real PostgreSQL started here (Debian initdb/pg_ctl, as the tests do):
N uploads analysed by 4 concurrent worker threads (claim -> complete), checked for lost or duplicated results;
audit-chain verification speed; HL7 v2.5.1 and FHIR R4 build + validation per released run.
Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_store.py``.
"""

from __future__ import annotations

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

N_RUNS = 100
WORKERS = 4


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def _drain(store: Store, worker: str) -> int:
    reactions, samples = demo_results()
    done = 0
    while (job := store.claim_job(worker)) is not None:
        store.complete_job(job.id, worker, reactions=reactions, samples=samples)
        done += 1
    return done


def store_figures(backend: str, url: str) -> None:
    store = Store.open(url, hasher=fast_hasher())
    tech = store.add_user("tess", "technician", "a long password")
    start = time.perf_counter()
    run_ids = [store.add_run(f"run{i}.rdml", f"run {i}".encode(), by=tech.id)[0].id for i in range(N_RUNS)]
    upload_s = time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        completed = sum(pool.map(lambda n: _drain(store, f"w{n}"), range(WORKERS)))
    analyse_s = time.perf_counter() - start
    samples = [len(store.samples(i)) for i in run_ids]
    lost = sum(1 for n in samples if n == 0)
    duplicated = sum(1 for i in run_ids if len(store.jobs(i)) != 1 or store.jobs(i)[0].state != "done")
    row(f"{backend}: {N_RUNS} uploads (run + job + audit event each)", f"{N_RUNS / upload_s:.0f} runs/s",
        ">= 20 runs/s")
    row(f"{backend}: {N_RUNS} jobs by {WORKERS} concurrent workers, claim + store 4 reactions/3 samples",
        f"{completed / analyse_s:.0f} jobs/s; lost {lost}, duplicated {duplicated}", ">= 10 jobs/s; 0 lost, 0 dup")
    start = time.perf_counter()
    report = store.verify_audit()
    verify_s = time.perf_counter() - start
    row(f"{backend}: audit verify ({report.checked} events)",
        f"{report.checked / verify_s:,.0f} events/s, intact={report.intact}", ">= 10 000 events/s")
    store.close()


def lis_figures() -> None:
    _, samples = demo_results()
    validated, n = 0, 50
    start = time.perf_counter()
    for i in range(n):
        ctx = LisContext(run_id=i + 1, assay="cdc-2019-ncov", file_name="x.rdml", file_sha256="c" * 64,
                         instrument="DLOC-Sim v1", simulated=True, released_by="rita",
                         released_at=datetime.now(UTC),
                         release_version=1)
        parse_oru_r01(build_oru_r01(samples, ctx))
        build_fhir_bundle(samples, ctx)
        validated += 1
    per_run = (time.perf_counter() - start) / n
    row("HL7 ORU^R01 + FHIR Bundle built and validated (3 samples x 3 targets)",
        f"{per_run * 1000:.0f} ms per run; {validated}/{n} valid", "<= 200 ms; all valid")


def main() -> None:
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        store_figures("SQLite", f"sqlite:///{tmp}/bench.db")
    try:
        with running_postgres() as base:
            url = create_database(base)
            store_figures("PostgreSQL", url)
            drop_database(url)
    except LookupError as exc:
        row("PostgreSQL figures", f"not measured: {exc}", "–")
    lis_figures()


if __name__ == "__main__":
    main()
