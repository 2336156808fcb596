"""Batch at scale (issue 15): simulated qPCR and dPCR plates through ``chipdx batch`` on Dask.

Figures (figure | measured | goal | peer): throughput with 1 and 2 local workers, the whole
batch against plates x in-process time per plate / workers, per-plate overhead of the batch
(Dask task, hashing, Parquet parts, outcome file), peak memory per worker early and late in
the batch (bounded = does not grow with the number of plates), and the peer: a shell loop of
``chipdx qpcr analyze`` per file on a sample of the plates, extrapolated.

Plates are generated once into ``build/bench_batch`` (git-ignored; the same seeds give the same
bytes): ``--base`` distinct simulated plates and numbered copies of them (an XML comment appended, so
each copy is another file with another SHA-256 and the same analysis work). Run with ``make bench`` or::

    .venv/bin/python benchmarks/bench_batch.py [--qpcr 2000] [--dpcr 200] [--one-worker-sample 200]

dPCR plates are 8-well droplet strips (one column of a QX plate, ~17 k droplets x 2 channels a well):
the dPCR engine costs about 0.3 s per well, so 200 full 96-well plates would take longer than the
2 000 qPCR plates. The one-worker run uses the first ``--one-worker-sample`` qPCR plates and a tenth
as many dPCR strips (its throughput is per plate; the whole set on one worker would double the run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from chipdx import io
from chipdx.batch import process_input, run_batch
from chipdx.model import SampleType
from chipdx.sim.dpcr import DROPLET, DpcrDesign, DpcrWell, simulate_dpcr
from chipdx.sim.qpcr import default_design, simulate_qpcr

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "build" / "bench_batch"
ROWS: list[tuple[str, str, str, str]] = []


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    ROWS.append((figure, measured, goal, peer))
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


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
    """``n_base`` simulated 384-well plates (a tenth as many dPCR strips) and numbered copies of them.

    Simulating and writing a 384-well plate costs about as much as analysing it; copies (the same
    curves, other bytes, so other SHA-256) keep the set's preparation short on a shared machine.
    """
    for kind in ("base", "qpcr", "dpcr"):
        (DATA / kind).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    d_base = max(1, n_base // 10)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_qpcr_base, range(n_base)))
        list(pool.map(_dpcr_base, range(d_base)))
    qpcr = [_copy(DATA / "base" / f"plate{i % n_base:04d}.rdml", DATA / "qpcr" / f"plate{i:05d}.rdml", i)
            for i in range(n_qpcr)]
    dpcr = [_copy(DATA / "base" / f"dplate{i % d_base:04d}.rdml", DATA / "dpcr" / f"dplate{i:04d}.rdml", i)
            for i in range(n_dpcr)]
    print(f"plates ready in {time.perf_counter() - start:.0f} s under {DATA.relative_to(ROOT)}", flush=True)
    return qpcr, dpcr


def in_process(paths: list[Path], scratch: Path) -> float:
    """Mean seconds per plate of the batch task itself (read, pipeline, Parquet), in this process."""
    shutil.rmtree(scratch, ignore_errors=True)
    process_input(str(paths[0]), io.content_sha256(paths[0]), str(scratch))  # warm: model loaded, imports done
    start = time.perf_counter()
    for path in paths:
        outcome = process_input(str(path), io.content_sha256(path), str(scratch))
        assert outcome.ok, outcome.error
    return (time.perf_counter() - start) / len(paths)


def batch(paths: list[Path], workers: int, out: Path) -> tuple[float, dict[str, object]]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    report = run_batch([str(p) for p in paths], out, workers=workers)
    seconds = time.perf_counter() - start
    assert report.errors == 0 and report.done == len(paths), report
    manifest = json.loads((out / "manifest.json").read_text())
    return seconds, manifest


def _memory(manifest: dict[str, object]) -> tuple[float, float]:
    """Peak worker RSS (MiB) among the first 10 % of tasks, and at the end."""
    entries = manifest["inputs"]  # type: ignore[index]
    rss = [float(e["peak_rss_mb"]) for e in entries]  # type: ignore[union-attr]
    early = rss[: max(1, len(rss) // 10)]
    return max(early), max(rss)


def shell_loop(paths: list[Path]) -> float:
    """Seconds per file of ``for f in ...; do chipdx qpcr analyze $f -o out.csv; done``."""
    chipdx = Path(sys.executable).with_name("chipdx")
    listing = DATA / "peer_files.txt"
    listing.write_text("\n".join(str(p) for p in paths) + "\n")
    script = f'while read -r f; do "{chipdx}" qpcr analyze "$f" -o "{DATA}/peer.csv" >/dev/null || exit 1; done'
    start = time.perf_counter()
    subprocess.run(["sh", "-c", script], stdin=listing.open(), check=True)
    return (time.perf_counter() - start) / len(paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qpcr", type=int, default=2000)
    parser.add_argument("--dpcr", type=int, default=200)
    parser.add_argument("--base", type=int, default=100, help="distinct simulated qPCR plates (dPCR: a tenth)")
    parser.add_argument("--one-worker-sample", type=int, default=200)
    parser.add_argument("--peer-sample", type=int, default=30)
    parser.add_argument("--in-process-sample", type=int, default=30)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    qpcr, dpcr = generate(args.qpcr, args.dpcr, args.base)
    plates = qpcr + dpcr
    sample = args.in_process_sample
    per_q = in_process(qpcr[1:sample + 1], DATA / "scratch")
    per_d = in_process(dpcr[1:max(2, sample // 3) + 1], DATA / "scratch")
    per_plate = (per_q * len(qpcr) + per_d * len(dpcr)) / len(plates)
    row("in-process batch task per plate (read, pipeline, Parquet)",
        f"qPCR 384-well {per_q * 1000:.0f} ms, dPCR 8-well {per_d * 1000:.0f} ms", "–")
    peer = shell_loop(qpcr[: args.peer_sample])
    print(f"shell loop: {peer:.2f} s per file over {args.peer_sample} files", flush=True)
    n1q, n1d = min(args.one_worker_sample, len(qpcr)), max(1, min(args.one_worker_sample // 10, len(dpcr)))
    one_paths = qpcr[:n1q] + dpcr[:n1d]
    one_s, one_manifest = batch(one_paths, 1, DATA / "out1")
    print(f"load average after 1 worker: {os.getloadavg()}", flush=True)
    row(f"throughput, 1 worker ({n1q} qPCR + {n1d} dPCR plates)", f"{len(one_paths) / one_s:.2f} plates/s", "–")
    two_s, two_manifest = batch(plates, 2, DATA / "out2")
    print(f"load average after 2 workers: {os.getloadavg()}", flush=True)
    rate1, rate2 = len(one_paths) / one_s, len(plates) / two_s
    row(f"throughput, 2 workers ({len(qpcr)} qPCR + {len(dpcr)} dPCR plates)", f"{rate2:.2f} plates/s",
        ">= 1.8x 1 worker", f"{rate2 / rate1:.2f}x 1 worker")
    peer_total = peer * len(qpcr)
    batch_qpcr = two_s * len(qpcr) / len(plates)
    row(f"{len(qpcr)} qPCR plates, batch (2 workers) vs shell loop of chipdx qpcr analyze",
        f"{batch_qpcr:.0f} s (share of the whole batch)", ">= 20x the shell loop",
        f"shell loop {peer:.2f} s/file -> {peer_total:.0f} s extrapolated ({peer_total / batch_qpcr:.1f}x slower)")
    ideal = len(plates) * per_plate / 2
    row("whole batch vs plates x in-process time per plate / workers", f"{two_s:.0f} s vs {ideal:.0f} s "
        f"({two_s / ideal:.2f}x)", "<= 1.5x")
    entries: list[dict[str, dict[str, float]]] = two_manifest["inputs"]  # type: ignore[assignment]
    task_mean = statistics.mean(sum(e["seconds"].values()) for e in entries)
    overhead = two_s * 2 / len(plates) - task_mean
    row("per-plate overhead of the batch (wall x workers / plates - task time)", f"{overhead * 1000:.0f} ms", "–")
    for label, manifest in (("1 worker", one_manifest), ("2 workers", two_manifest)):
        early, late = _memory(manifest)
        row(f"peak memory per worker, {label}: first 10 % of tasks -> end", f"{early:.0f} -> {late:.0f} MiB",
            "bounded (no growth with plates)")
    million_h = 1_000_000 * (task_mean + max(overhead, 0.0)) / 3600
    print(f"\n1 million plates at the measured {task_mean + max(overhead, 0):.2f} s per plate-worker: "
          f"{million_h:.0f} worker-hours, e.g. {million_h / 100:.1f} h on 100 single-core workers "
          "(the scheduler sees at most 8 tasks per worker in flight)", flush=True)
    print(f"load average at the end: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
