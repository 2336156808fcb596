"""dPCR intervals and bias on DLOC-Sim plates without a crosstalk calibration, and whole-process speed (issue 17).

For seeds 1..20 (``--seeds``), a duplex QX-style plate is simulated with ``chipdx simulate dpcr --out P --seed S``
and analysed as a user would (``chipdx dpcr analyze P``, no calibration file; once more with ``--crosstalk``);
the simulator's true copies/µL (``P/truth.csv``) is compared with the estimate and its 95 % CI. Then the KRAS
QuantaSoft parity and albumin linearity rows of ``bench_dpcr.py``, and the 96-well timing: the
``ddpcr_attali_large`` wells repeated to 96 QX amplitude files, ``chipdx dpcr analyze`` as a whole process
against a process that only reads the same CSVs with pandas, run alternately.

Run: ``.venv/bin/python benchmarks/dpcr_coverage.py [--seeds 1-20] [--skip-timing | --timing-only]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dpcr import DATA, albumin, kras, row  # the shared KRAS and albumin rows

CHIPDX = Path(sys.executable).with_name("chipdx")
#: DLOC-Sim's dye crosstalk (chipdx.sim.optics.CROSSTALK) as the instrument calibration a user could give.
CALIBRATION = ("Ch2:Ch1=0.13940391", "Ch1:Ch2=0.06762092")


def _run(*args: str) -> None:
    subprocess.run([str(CHIPDX), *args], check=True, stdout=subprocess.DEVNULL)


def plate(seed: int, root: Path) -> Path:
    """Simulate plate ``seed`` into ``root/seed`` (once)."""
    folder = root / f"seed{seed}"
    if not (folder / "truth.csv").exists():
        _run("simulate", "dpcr", "--out", str(folder), "--seed", str(seed))
    return folder


def scored(folder: Path, *extra: str) -> pd.DataFrame:
    """``chipdx dpcr analyze`` on a simulated plate, joined with its truth."""
    out = folder.with_suffix(f".{len(extra)}.csv")
    _run("dpcr", "analyze", str(folder), "-o", str(out), *extra)
    result = pd.read_csv(out, keep_default_na=False, na_values=[""])
    truth = pd.read_csv(folder / "truth.csv")
    merged = result.merge(truth[["well", "target", "lambda", "copies_per_ul"]], on=["well", "target"],
                          suffixes=("", "_true"))
    if len(merged) != len(result):
        raise SystemExit(f"{folder}: {len(result)} result rows, {len(merged)} matched to truth.csv")
    merged["inside"] = (merged.ci_low <= merged.copies_per_ul_true) & (merged.copies_per_ul_true <= merged.ci_high)
    return merged


def coverage(seeds: list[int], root: Path) -> None:
    for label, extra in (("no calibration", ()), ("--crosstalk given", tuple(
            a for pair in CALIBRATION for a in ("--crosstalk", pair)))):
        frames = []
        for seed in seeds:
            frame = scored(plate(seed, root), *extra)
            frame["seed"] = seed
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        loaded = table[table.lambda_true > 0]
        ratio = float(np.median(loaded.copies_per_ul / loaded.copies_per_ul_true))
        span = f"seeds {seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else f"seeds {seeds}"
        row(f"DLOC-Sim duplex plates ({span}, {len(table)} well-targets), {label}: truth inside the 95 % CI",
            f"{table.inside.mean() * 100:.1f} % ({int(table.inside.sum())}/{len(table)})", "93-97 %")
        row(f"DLOC-Sim plates, {label}: median estimate/truth (lambda > 0)", f"{ratio:.4f}", "0.99-1.01")
        width = (loaded.ci_high - loaded.ci_low) / 2 / loaded.copies_per_ul_true
        per = loaded.assign(width=width).groupby("lambda_true").agg(
            inside=("inside", "mean"), ratio=("copies_per_ul", "size"), half_width=("width", "median"))
        per["ratio"] = loaded.groupby("lambda_true").apply(
            lambda g: float(np.median(g.copies_per_ul / g.copies_per_ul_true)), include_groups=False)
        print(f"per true lambda ({label}): coverage, median estimate/truth, median CI half-width / truth")
        print(per.round(4).to_string(), flush=True)


def attali_plate(folder: Path) -> int:
    """The 32 ``ddpcr_attali_large`` wells repeated to 96 QX amplitude files; returns the droplet count."""
    frame = pd.read_csv(DATA / "ddpcr_attali_large" / "large_plate_droplets.csv.gz")
    groups = [g[["FAM", "HEX"]].to_numpy(np.float64) for _, g in frame.groupby("well", sort=True)]
    total = 0
    for index in range(96):
        values = groups[index % len(groups)]
        total += len(values)
        lines = "\n".join(f"{a:.9g},{b:.9g},0" for a, b in values.tolist())
        name = f"plate_{'ABCDEFGH'[index // 12]}{index % 12 + 1:02d}_Amplitude.csv"
        (folder / name).write_text(f"Ch1 Amplitude,Ch2 Amplitude,Cluster\n{lines}\n")
    return total


_PANDAS_READ = ("import sys, pathlib, pandas as pd\n"
                "frames = [pd.read_csv(p) for p in sorted(pathlib.Path(sys.argv[1]).glob('*_Amplitude.csv'))]\n")


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timing(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plate"
        folder.mkdir()
        droplets = attali_plate(folder)
        analyse = [str(CHIPDX), "dpcr", "analyze", str(folder), "-o", str(Path(tmp) / "out.csv")]
        read = [sys.executable, "-c", _PANDAS_READ, str(folder)]
        _timed(analyse)  # warm the page cache and the bytecode cache
        _timed(read)
        runs: dict[str, list[tuple[float, float]]] = {"analyse": [], "read": []}
        load = os.getloadavg()[0]
        for _ in range(repeat):  # alternate, so both see the same machine load
            runs["analyse"].append(_timed(analyse))
            runs["read"].append(_timed(read))
    best = {key: (min(w for w, _ in values), min(c for _, c in values)) for key, values in runs.items()}
    ratio_wall = best["analyse"][0] / best["read"][0]
    ratio_cpu = best["analyse"][1] / best["read"][1]
    # the median of each side-by-side pair's ratio: robust to a load change between pairs
    pairs = list(zip(runs["analyse"], runs["read"], strict=True))
    median_wall = float(np.median([a[0] / r[0] for a, r in pairs]))
    median_cpu = float(np.median([a[1] / r[1] for a, r in pairs]))
    row(f"96-well QX plate ({droplets / 1e6:.2f} M droplets x 2, ddpcr_attali_large x 3): whole-process "
        f"`chipdx dpcr analyze` / pandas read of the same CSVs (best of {repeat}, load {load:.1f})",
        f"{ratio_wall:.2f}x wall ({best['analyse'][0]:.2f} s / {best['read'][0]:.2f} s), "
        f"{ratio_cpu:.2f}x CPU ({best['analyse'][1]:.2f} s / {best['read'][1]:.2f} s); "
        f"median of the {repeat} pairs {median_wall:.2f}x wall, {median_cpu:.2f}x CPU", "<= 2x")


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=_seeds, default=list(range(1, 21)), help="e.g. 1-20 or 1,2,3")
    parser.add_argument("--plates", type=Path, help="keep simulated plates here (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions (default 5)")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    if args.timing_only:
        if DATA.exists():
            timing(args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.plates or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        coverage(args.seeds, root)
    if not DATA.exists():
        print("skip: ../shared/data/dpcr is absent (KRAS, albumin and timing rows)")
        return
    kras()
    albumin()
    if not args.skip_timing:
        timing(args.repeat)


if __name__ == "__main__":
    main()
