"""Batch at scale (issue 15): simulated 384-well qPCR plates and dPCR plates through ``chipdx batch`` on Dask.

One command, unattended::

    .venv/bin/python benchmarks/bench_batch.py                 # full size: 2 000 qPCR + 200 dPCR plates
    .venv/bin/python benchmarks/bench_batch.py --small         # quick: 200 + 20 (about 3 min on 2 cores)
    .venv/bin/python benchmarks/bench_batch.py --plates 500 --dpcr-plates 50 --json out.json

Figures (figure | measured | goal | peer): the batch task in-process per plate (CPU and wall), cluster
start-up, Dask's own cost per task, throughput with 1 and 2 local workers over the whole set, the whole
batch against plates x in-process time per plate / workers, per-plate overhead of the batch (wall and
CPU), peak memory per worker after a quarter of the plates and at the end (bounded = does not grow with
the number of plates), and the peer: a shell loop of ``chipdx qpcr analyze`` per file on a sample of the
plates, extrapolated per file. Every timing is given as wall and CPU time with the load average, since a
shared machine's wall times say little.

Plates are generated once into ``build/bench_batch`` (git-ignored; the same seeds give the same bytes):
``--base`` distinct simulated plates and numbered copies of them (an XML comment appended, so each copy
is another file with another SHA-256 and the same analysis work). dPCR plates are 8-well droplet strips
(one column of a QX plate, ~17 k droplets x 2 channels a well), since the dPCR engine costs ~40 ms a well.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chipdx import io
from chipdx.batch import Outcome, process_input, run_batch
from chipdx.model import SampleType
from chipdx.sim.dpcr import DROPLET, DpcrDesign, DpcrWell, simulate_dpcr
from chipdx.sim.qpcr import default_design, simulate_qpcr

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "build" / "bench_batch"
ROWS: list[dict[str, str]] = []


def row(figure: str, measured: str, goal: str = "–", peer: str = "–") -> None:
    ROWS.append({"figure": figure, "measured": measured, "goal": goal, "peer": peer})
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


@dataclass
class Clock:
    """Wall and CPU seconds of a block: this process plus its finished children (Dask workers, shell loop)."""

    wall: float = 0.0
    cpu: float = 0.0
    load_before: str = ""
    load_after: str = ""


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def clock() -> Iterator[Clock]:
    result = Clock(load_before=load())
    wall, cpu = time.perf_counter(), _cpu()
    yield result
    result.wall, result.cpu, result.load_after = time.perf_counter() - wall, _cpu() - cpu, load()


# --- the plates -------------------------------------------------------------------------------------------


def _qpcr_base(seed: int) -> None:
    path = DATA / "base" / f"plate{seed:04d}.rdml"
    if not path.exists():
        rng = np.random.default_rng(seed)
        dataset, _ = simulate_qpcr(default_design(rng=rng, plate_size=384), rng=rng)
        io.write(dataset, path)


def _dpcr_design() -> DpcrDesign:
    """A QX-style droplet strip of 8 wells (one column), duplex, ~14-20 k droplets a well, dilution levels down."""
    levels = (0.01, 0.1, 0.5, 1.0, 2.0, 0.0, 0.05, 3.0)
    wells = []
    for row_index, lam in enumerate(levels):
        label = f"{'ABCDEFGH'[row_index]}1"
        kind = SampleType.NTC if lam == 0.0 else SampleType.UNKNOWN
        wells.append(DpcrWell(label, f"S{label}", kind, (("TGT1", lam), ("TGT2", lam / 2))))
    return DpcrDesign(8, 1, (("TGT1", "FAM"), ("TGT2", "HEX")), tuple(wells), DROPLET)


def _dpcr_base(seed: int) -> None:
    path = DATA / "base" / f"dplate{seed:04d}.rdml"
    if not path.exists():
        dataset, _ = simulate_dpcr(_dpcr_design(), rng=np.random.default_rng(10_000 + seed))
        io.write(dataset, path)


def _copy(base: Path, target: Path, number: int) -> Path:
    """``base`` with an XML comment naming copy ``number`` appended: other bytes, the same work to analyse."""
    if not target.exists():
        with zipfile.ZipFile(base) as source, io.atomic_output(target) as stream, \
                zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in source.namelist():  # the RDML document, and a dPCR file's partition tables
                data = source.read(name)
                if name.endswith(".xml"):
                    data += f"<!-- benchmark copy {number} -->\n".encode()
                archive.writestr(name, data)
    return target


def generate(n_qpcr: int, n_dpcr: int, n_base: int) -> tuple[list[Path], list[Path]]:
    """``n_base`` simulated 384-well plates (a tenth as many dPCR strips) and numbered copies, made once."""
    for kind in ("base", "qpcr", "dpcr"):
        (DATA / kind).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    q_base, d_base = min(n_base, n_qpcr), max(1, min(n_base // 10, n_dpcr))
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_qpcr_base, range(q_base)))
        list(pool.map(_dpcr_base, range(d_base)))
    qpcr = [_copy(DATA / "base" / f"plate{i % q_base:04d}.rdml", DATA / "qpcr" / f"plate{i:05d}.rdml", i)
            for i in range(n_qpcr)]
    dpcr = [_copy(DATA / "base" / f"dplate{i % d_base:04d}.rdml", DATA / "dpcr" / f"dplate{i:04d}.rdml", i)
            for i in range(n_dpcr)]
    print(f"plates ready in {time.perf_counter() - start:.0f} s under {DATA.relative_to(ROOT)}", flush=True)
    return qpcr, dpcr


def interleaved(qpcr: list[Path], dpcr: list[Path]) -> list[Path]:
    """The dPCR plates spread evenly among the qPCR plates (as a lab's archive mixes them), so that
    memory after the first quarter and at the end compare like with like."""
    step = len(qpcr) / max(1, len(dpcr))
    order = [(i, 0, p) for i, p in enumerate(qpcr)] + [((j + 0.5) * step, 1, p) for j, p in enumerate(dpcr)]
    return [p for _, _, p in sorted(order, key=lambda item: (item[0], item[1]))]


# --- measurements -----------------------------------------------------------------------------------------


@dataclass
class PerPlate:
    """In-process seconds per plate of the batch task (read, pipeline, Parquet parts, outcome)."""

    wall: float
    cpu: float
    steps: dict[str, float]


def in_process(paths: list[Path], scratch: Path) -> PerPlate:
    shutil.rmtree(scratch, ignore_errors=True)
    process_input(str(paths[0]), io.content_sha256(paths[0]), str(scratch))  # warm: imports done, model read
    steps: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for path in paths[1:]:
        outcome = process_input(str(path), io.content_sha256(path), str(scratch))
        assert outcome.ok, outcome.error
        for step, seconds in outcome.seconds.items():
            steps[step] = steps.get(step, 0.0) + seconds / (len(paths) - 1)
    n = len(paths) - 1
    return PerPlate((time.perf_counter() - wall) / n, (time.process_time() - cpu) / n, steps)


def _noop(number: int) -> int:
    return number


def _warm() -> None:
    """What a worker loads before its first input: chipdx's pipeline and the locked curve classifier."""
    from chipdx.batch import _task
    from chipdx.interpret import load_model

    del _task
    load_model()


def cluster_costs(workers: int, tasks: int) -> dict[str, float]:
    """Start-up of a local cluster (processes up, chipdx imported, model loaded) and Dask's cost per task.

    The per-task cost is a no-op task through a window of 8 tasks per worker, as ``chipdx batch`` submits.
    """
    import logging

    from distributed import Client, LocalCluster, as_completed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        up = time.perf_counter() - start
        client.run(_warm)
        warm = time.perf_counter() - start
        numbers = iter(range(tasks))
        begin, cpu = time.perf_counter(), time.process_time()
        running = as_completed([client.submit(_noop, next(numbers), pure=False) for _ in range(8 * workers)])
        for future in running:
            future.result()
            following = next(numbers, None)
            if following is not None:
                running.add(client.submit(_noop, following, pure=False))
        per_task = (time.perf_counter() - begin) / (tasks + 8 * workers)
        client_cpu = (time.process_time() - cpu) / (tasks + 8 * workers)
    return {"processes_s": up, "ready_s": warm, "task_ms": per_task * 1000, "client_cpu_ms": client_cpu * 1000}


@dataclass
class BatchRun:
    paths: int
    workers: int
    time: Clock
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.paths / self.time.wall

    def task_mean(self) -> float:
        return statistics.mean(sum(o.seconds.values()) for o in self.outcomes)

    def peak_rss(self, after: int) -> float:
        """The highest worker peak RSS (MiB) among the first ``after`` inputs done (in completion order)."""
        return max(o.peak_rss_mb for o in self.outcomes[:after])


def batch(paths: list[Path], workers: int, out: Path) -> BatchRun:
    shutil.rmtree(out, ignore_errors=True)
    outcomes: list[Outcome] = []
    with clock() as took:
        report = run_batch([str(p) for p in paths], out, workers=workers, on_result=outcomes.append)
    assert report.errors == 0 and report.done == len(paths), report
    return BatchRun(len(paths), workers, took, outcomes)


def shell_loop(paths: list[Path]) -> Clock:
    """``while read f; do chipdx qpcr analyze "$f" -o out.csv; done`` over ``paths``."""
    chipdx = Path(sys.executable).with_name("chipdx")
    listing = DATA / "peer_files.txt"
    listing.write_text("\n".join(str(p) for p in paths) + "\n")
    script = f'while read -r f; do "{chipdx}" qpcr analyze "$f" -o "{DATA}/peer.csv" >/dev/null || exit 1; done'
    with clock() as took, listing.open() as stdin:
        subprocess.run(["sh", "-c", script], stdin=stdin, check=True)
    return took


# --- the report -------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms".replace(",", " ")


def _report_runs(one: BatchRun, two: BatchRun, per_plate: float, per_plate_cpu: float) -> dict[str, float]:
    for run in (one, two):
        row(f"throughput, {run.workers} worker(s), {run.paths} plates (load {run.time.load_before} → "
            f"{run.time.load_after})", f"{run.rate:.2f} plates/s; wall {run.time.wall:.0f} s, CPU {run.time.cpu:.0f} s",
            "–" if run.workers == 1 else ">= 1.8x 1 worker",
            "–" if run.workers == 1 else f"{two.rate / one.rate:.2f}x 1 worker "
            f"(CPU share {two.time.cpu / two.time.wall:.2f} of 2 cores)")
    ideal = two.paths * per_plate / 2
    ideal_cpu = two.paths * per_plate_cpu
    row("whole batch (2 workers) vs plates x in-process time per plate / workers",
        f"{two.time.wall:.0f} s vs {ideal:.0f} s ({two.time.wall / ideal:.2f}x); CPU {two.time.cpu:.0f} s vs "
        f"{ideal_cpu:.0f} s ({two.time.cpu / ideal_cpu:.2f}x)", "<= 1.5x")
    overhead_wall = two.time.wall * 2 / two.paths - two.task_mean()
    overhead_cpu = two.time.cpu / two.paths - per_plate_cpu
    row("per-plate overhead of the batch (wall x workers / plates - task time; CPU / plates - in-process CPU)",
        f"wall {_ms(overhead_wall)}, CPU {_ms(overhead_cpu)}", "–")
    for run in (one, two):
        quarter = max(1, run.paths // 4)
        row(f"peak memory per worker, {run.workers} worker(s): after {quarter} plates -> after {run.paths}",
            f"{run.peak_rss(quarter):.0f} -> {run.peak_rss(run.paths):.0f} MiB", "bounded (no growth with plates)")
    return {"overhead_wall_s": overhead_wall, "overhead_cpu_s": overhead_cpu}


def _scale(per_plate_cpu: float, overhead_cpu: float, costs: dict[str, float]) -> str:
    cost = per_plate_cpu + max(overhead_cpu, 0.0)
    hours = 1_000_000 * cost / 3600
    rate = 1000 / costs["client_cpu_ms"]
    return (f"1 million plates at the measured {cost:.3f} CPU s per plate: {hours:.0f} worker-hours, "
            f"{hours / 100:.1f} h on 100 single-core workers ({100 / cost:.0f} tasks/s to schedule); the client "
            f"and scheduler spent {costs['client_cpu_ms']:.1f} ms CPU per task, so one scheduler keeps up to about "
            f"{rate:.0f} tasks/s, i.e. about {rate * cost:.0f} busy workers before inputs must be grouped into tasks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plates", type=int, default=None, help="simulated 384-well qPCR plates (default 2000)")
    parser.add_argument("--dpcr-plates", type=int, default=None, help="8-well dPCR plates (default 200)")
    parser.add_argument("--small", action="store_true", help="a quick run: 200 + 20 plates, small samples")
    parser.add_argument("--base", type=int, default=100, help="distinct simulated qPCR plates (dPCR: a tenth)")
    parser.add_argument("--peer-sample", type=int, default=None, help="files for the shell loop (default 40)")
    parser.add_argument("--in-process-sample", type=int, default=None, help="plates timed in-process (30)")
    parser.add_argument("--json", type=Path, default=DATA / "results.json", help="where to write the figures")
    args = parser.parse_args(argv)
    small = args.small
    n_qpcr = args.plates if args.plates is not None else (200 if small else 2000)
    n_dpcr = args.dpcr_plates if args.dpcr_plates is not None else (20 if small else 200)
    peer_n = args.peer_sample or (10 if small else 40)
    sample = args.in_process_sample or (10 if small else 30)
    started, cores = time.perf_counter(), len(os.sched_getaffinity(0))
    print(f"{n_qpcr} qPCR + {n_dpcr} dPCR plates, {cores} cores, load average {load()}", flush=True)
    qpcr, dpcr = generate(n_qpcr, n_dpcr, args.base)
    plates = interleaved(qpcr, dpcr)
    q = in_process(qpcr[: sample + 1], DATA / "scratch")
    d = in_process(dpcr[: max(2, sample // 3) + 1], DATA / "scratch") if dpcr else PerPlate(0.0, 0.0, {})
    per_plate = (q.wall * len(qpcr) + d.wall * len(dpcr)) / len(plates)
    per_plate_cpu = (q.cpu * len(qpcr) + d.cpu * len(dpcr)) / len(plates)
    steps = ", ".join(f"{k} {_ms(v)}" for k, v in q.steps.items())
    row(f"batch task in-process, 384-well qPCR plate (load {load()})", f"CPU {_ms(q.cpu)}, wall {_ms(q.wall)} "
        f"({steps})", "–")
    if dpcr:
        row("batch task in-process, 8-well dPCR plate", f"CPU {_ms(d.cpu)}, wall {_ms(d.wall)}", "–")
    costs = {w: cluster_costs(w, 400 if small else 2000) for w in (1, 2)}
    for w, c in costs.items():
        row(f"cluster start-up, {w} worker(s): processes spawned, chipdx imported, classifier loaded",
            f"{c['ready_s']:.1f} s", "–")
        row(f"Dask cost per task, {w} worker(s) (no-op task, 8 per worker in flight)",
            f"wall {c['task_ms']:.1f} ms, client+scheduler CPU {c['client_cpu_ms']:.1f} ms", "–")
    peer = shell_loop(qpcr[:peer_n])
    peer_wall, peer_cpu = peer.wall / peer_n, peer.cpu / peer_n
    one = batch(plates, 1, DATA / "out1")
    two = batch(plates, 2, DATA / "out2")
    figures = _report_runs(one, two, per_plate, per_plate_cpu)
    q_share = q.wall * len(qpcr) / (per_plate * len(plates))  # the qPCR plates' share of the batch's work
    batch_per_q = two.time.wall * q_share / len(qpcr)
    cpu_per_q = two.time.cpu * q_share / len(qpcr) / 2  # on 2 free cores
    row(f"{len(qpcr)} qPCR plates, batch on 2 workers vs a shell loop of chipdx qpcr analyze "
        f"({peer_n} files, load {peer.load_before} → {peer.load_after})",
        f"{batch_per_q * len(qpcr):.0f} s vs {peer_wall * len(qpcr):.0f} s extrapolated "
        f"({peer_wall / batch_per_q:.1f}x); CPU/2 cores {peer_cpu / cpu_per_q:.1f}x", ">= 20x the shell loop",
        f"shell loop {peer_wall:.2f} s/file wall, {peer_cpu:.2f} s CPU")
    scale = _scale(per_plate_cpu, figures["overhead_cpu_s"], costs[2])
    print(f"\n{scale}\ntotal {time.perf_counter() - started:.0f} s, load average at the end {load()}", flush=True)
    result: dict[str, Any] = {
        "plates": {"qpcr": len(qpcr), "dpcr": len(dpcr)}, "cores": cores, "rows": ROWS, "scale": scale,
        "in_process": {"qpcr": q.__dict__, "dpcr": d.__dict__}, "cluster": costs,
        "peer": {"files": peer_n, "wall_s_per_file": peer_wall, "cpu_s_per_file": peer_cpu},
        "runs": {str(r.workers): {"wall_s": r.time.wall, "cpu_s": r.time.cpu, "load_before": r.time.load_before,
                                  "load_after": r.time.load_after, "plates_per_s": r.rate,
                                  "peak_rss_mb": [o.peak_rss_mb for o in r.outcomes]} for r in (one, two)},
        **figures, "seconds": time.perf_counter() - started}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.json}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
