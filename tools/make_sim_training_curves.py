"""Simulator training curves for the curve classifier (issue 6): ``make train-classifier`` runs this first.

Generates a reproducible set of DLOC-Sim amplification curves (fixed seeds) with labels from the
simulator's ground truth, in the layout ``tools/train_classifier.py --extra CURVES LABELS`` reads:

* ``curves_long.csv.gz``: ``dataset, curve_id, cycle, fluo``;
* ``labels.csv``: ``dataset, curve_id, majority, n0, efficiency, sample_type, n_cycles, chemistry``;
* ``manifest.json``: generator version, seeds, chipdx version, counts per set and label.

Three data sets (each its own cross-validation group in training):

``sim_plate_probe``
    ``default_design`` plates, hydrolysis probes (2 targets, 7-level standards, unknowns, NTCs).
``sim_plate_dye``
    ``default_design`` plates, intercalating dye (one target per well, primer-dimer background).
``sim_cartridge``
    ``simulate_cartridge(random_specimens(...))``: 4-plex probe curves of 5 specimens plus extraction
    control, NTC and positive control (true negatives, NTCs, low-copy late positives, inhibition).

Cycle counts alternate 40 / 45 / 50. Seeds start at 10 000 so they never coincide with the small
seeds used to check cartridge runs (``chipdx simulate cartridge --seed 1..10``).

Labels. ``negative`` when the reaction's true input copies ``n0 == 0``. ``positive`` when
``n0 >= 4`` and the deterministic expectation of the copies after the last cycle,
``log10(n0) + n_cycles * log10(E)`` (``E`` the reaction's true amplification factor, inhibition
included), is at least :data:`POSITIVE_LOG10_COPIES` — several cycles of visible rise before the run
ends. Everything else (1-3 copies, whose Cq spreads by several cycles in the branching process, and
reactions that would only come up at or after the last cycle) is left out as ambiguous: the
simulator's truth records input copies, not whether a curve crossed a threshold.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chipdx._version import __version__
from chipdx.sim import default_design, random_specimens, simulate_cartridge, simulate_qpcr

GENERATOR_VERSION = "sim-curves-1"
SEED_BASE = 10_000
CYCLES = (40, 45, 50)
#: log10 copies expected after the last cycle for a positive label (~1 % probe signal at 1e10).
POSITIVE_LOG10_COPIES = 10.5
#: default numbers of runs per set (plates of 96 wells; cartridges of 5 specimens)
RUNS = {"sim_plate_probe": 8, "sim_plate_dye": 12, "sim_cartridge": 60}

Row = tuple[str, str, str, np.ndarray, dict[str, object]]


def label(n0: int, efficiency: float, n_cycles: int) -> str:
    """``positive``, ``negative`` or ``ambiguous`` (left out) from the simulator's truth."""
    if n0 == 0:
        return "negative"
    if n0 < 4:
        return "ambiguous"
    expected = math.log10(n0) + n_cycles * math.log10(max(efficiency, 1.0))
    return "positive" if expected >= POSITIVE_LOG10_COPIES else "ambiguous"


def plate_runs(chemistry: str, n_runs: int, seed0: int) -> Iterator[Row]:
    """Curves of ``n_runs`` simulated 96-well plates."""
    name = f"sim_plate_{chemistry}"
    for k in range(n_runs):
        rng = np.random.default_rng(seed0 + k)
        cycles = CYCLES[k % len(CYCLES)]
        design = default_design(rng=rng, chemistry=chemistry, n_cycles=cycles)  # type: ignore[arg-type]
        dataset, truth = simulate_qpcr(design, rng=rng)
        fluorescence = dataset.runs[0].amplification.fluorescence  # type: ignore[union-attr]
        for i, t in enumerate(truth):
            info = {"n0": t.n0, "efficiency": t.efficiency, "sample_type": t.sample_type, "n_cycles": cycles,
                    "chemistry": chemistry, "seed": seed0 + k}
            yield name, f"r{k:03d}.{t.well}.{t.target}", label(t.n0, t.efficiency, cycles), fluorescence[i], info


def cartridge_runs(n_runs: int, seed0: int) -> Iterator[Row]:
    """Curves of ``n_runs`` simulated cartridges (5 specimens + EC, NTC, PC; 4-plex probes)."""
    for k in range(n_runs):
        rng = np.random.default_rng(seed0 + k)
        cycles = CYCLES[k % len(CYCLES)]
        result = simulate_cartridge(random_specimens(5, rng=rng), rng=rng, cycles=cycles)
        if result.dataset is None:
            continue
        fluorescence = result.dataset.runs[0].amplification.fluorescence  # type: ignore[union-attr]
        for i, t in enumerate(result.truth):
            info = {"n0": t.n0, "efficiency": t.efficiency, "sample_type": t.sample_type, "n_cycles": cycles,
                    "chemistry": "probe", "seed": seed0 + k}
            yield ("sim_cartridge", f"r{k:03d}.{t.well}.{t.target}", label(t.n0, t.efficiency, cycles),
                   fluorescence[i], info)


def generate(out: Path, runs: dict[str, int]) -> dict[str, object]:
    """Write the curves, labels and manifest into ``out``; returns the manifest."""
    seeds = {"sim_plate_probe": SEED_BASE, "sim_plate_dye": SEED_BASE + 1000, "sim_cartridge": SEED_BASE + 2000}
    rows = [*plate_runs("probe", runs["sim_plate_probe"], seeds["sim_plate_probe"]),
            *plate_runs("dye", runs["sim_plate_dye"], seeds["sim_plate_dye"]),
            *cartridge_runs(runs["sim_cartridge"], seeds["sim_cartridge"])]
    out.mkdir(parents=True, exist_ok=True)
    with (gzip.GzipFile(out / "curves_long.csv.gz", "wb", compresslevel=6, mtime=0) as raw,
          io.TextIOWrapper(raw, newline="") as stream):  # mtime=0: same bytes for the same seeds
        writer = csv.writer(stream)
        writer.writerow(["dataset", "curve_id", "cycle", "fluo"])
        for dataset, curve_id, _, fluo, _ in rows:
            writer.writerows((dataset, curve_id, c, f"{v:.3f}") for c, v in enumerate(fluo, start=1))
    columns = ["n0", "efficiency", "sample_type", "n_cycles", "chemistry", "seed"]
    with (out / "labels.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["dataset", "curve_id", "majority", *columns])
        for dataset, curve_id, majority, _, info in rows:
            writer.writerow([dataset, curve_id, majority, *(info[c] for c in columns)])
    counts = Counter(f"{r[0]}:{r[2]}" for r in rows)
    manifest: dict[str, object] = {
        "generator": GENERATOR_VERSION, "chipdx_version": __version__, "runs": runs,
        "seeds": {name: [seeds[name], seeds[name] + runs[name] - 1] for name in runs},
        "cycles": list(CYCLES), "positive_log10_copies": POSITIVE_LOG10_COPIES,
        "counts": dict(sorted(counts.items())),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/simcurves"))
    for name, n in RUNS.items():
        parser.add_argument(f"--{name.replace('_', '-')}-runs", type=int, default=n, dest=name)
    args = parser.parse_args(argv)
    manifest = generate(args.out, {name: getattr(args, name) for name in RUNS})
    print(json.dumps(manifest["counts"], indent=1))
    print(f"wrote {args.out}/curves_long.csv.gz, labels.csv, manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
