"""Make the example run that ``chipdx demo`` ships (until the DLOC-Sim simulator lands).

A made-up 96-well SYBR Green plate, written by the chipdx project (MIT, like the code):
two targets (GAPDH, MYC), a 10-fold standard series of 5 levels in triplicate per
target, four unknowns in triplicate, NTCs (one with a primer-dimer), 40 cycles and a
melt curve per well. Curves follow a logistic growth map N[c+1] = N[c] (1 + (E-1)(1 - N[c]/Nmax))
with Poisson-distributed starting copies, plus baseline, drift and read noise.

Run from the repository root:  .venv/bin/python tools/make_example_run.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chipdx import io
from chipdx.model import (
    AmplificationCurves,
    Dataset,
    Dye,
    DyeChemistry,
    MeltCurves,
    PlateFormat,
    Provenance,
    Quantity,
    Reaction,
    Run,
    Sample,
    SampleType,
    Software,
    Target,
)

OUT = Path(__file__).resolve().parents[1] / "src" / "chipdx" / "data" / "example_run.rdml"
CYCLES = np.arange(1, 41, dtype=float)
MELT_T = np.round(np.arange(65.0, 95.01, 0.5), 2)


def layout() -> list[tuple[str, str, SampleType, float]]:
    """(well label, sample id, type, copies) for each target's half of the plate."""
    wells = []
    for copies in [1e6, 1e5, 1e4, 1e3, 1e2]:
        wells += [(f"STD_{int(copies)}", SampleType.STANDARD, copies)] * 3
    for number, copies in enumerate([2.5e4, 3.1e3, 4.0e2, 5.0e5], start=1):
        wells += [(f"patient_{number}", SampleType.UNKNOWN, copies)] * 3
    wells += [("NTC", SampleType.NTC, 0.0)] * 3
    return [(s, t, c) for s, t, c in wells]  # type: ignore[misc]


def main() -> None:
    rng = np.random.default_rng(20261125)
    plate = PlateFormat(8, 12)
    targets = {"GAPDH": (1.93, 84.5, 0), "MYC": (1.88, 82.0, 6)}
    reactions, curves, melts = [], [], []
    for target, (efficiency, tm, column_offset) in targets.items():
        for k, (sample, sample_type, copies) in enumerate(layout()):
            row, column = divmod(k, 6)
            well = plate.well_at(row, column + column_offset)
            n = rng.poisson(copies) if copies else 0
            amount = np.empty(CYCLES.size)
            value = float(n)
            for c in range(CYCLES.size):
                value = value * (1 + (efficiency - 1) * (1 - value / 5e11))
                amount[c] = value
            baseline = 1200 + rng.normal(0, 40)
            signal = baseline + 0.8 * CYCLES + 9000 * amount / 5e11 + rng.normal(0, 6, CYCLES.size)
            dimer = sample_type is SampleType.NTC and k % 3 == 0
            if dimer:
                signal += 900 / (1 + np.exp(-(CYCLES - 36.0) / 1.2))
            reactions.append(Reaction(well, sample, target))
            curves.append(np.round(signal, 3))
            peak_tm, height = (75.5, 0.3) if dimer else (tm, 1.0 if n else 0.0)
            melt = 300 + 2500 * height / (1 + np.exp((MELT_T - peak_tm) / 0.6)) + 600 * np.exp(-(MELT_T - 65) / 12)
            melts.append(np.round(melt + rng.normal(0, 4, MELT_T.size), 2))
    samples = {}
    for sample, sample_type, copies in layout():
        quantity = Quantity(copies) if sample_type is SampleType.STANDARD else None
        samples[sample] = Sample(sample, sample_type, quantity)
    run = Run("example plate", plate, tuple(reactions),
              amplification=AmplificationCurves(CYCLES, np.array(curves)),
              melt=MeltCurves(np.tile(MELT_T, (len(melts), 1)), np.array(melts)),
              experiment_id="chipdx example", instrument="made-up 96-well cycler (chipdx example data)",
              software=Software("chipdx tools/make_example_run.py", "1"))
    dataset = Dataset((run,), tuple(samples.values()),
                      tuple(Target(t, "SYBR") for t in targets),
                      (Dye("SYBR", DyeChemistry.NON_SATURATING_DYE),),
                      Provenance("tools/make_example_run.py", "generated", simulated=True))
    io.write(dataset, OUT)
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()
