"""DLOC-Sim v1 benchmark: speed, validity and routing (figure | measured | goal | peer).

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_sim.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

from chipdx.sim.amplification import amplify
from chipdx.sim.cartridge import random_specimens, simulate_cartridge
from chipdx.sim.checks import random_protocol, touching
from chipdx.sim.chip import ChipSpec, cartridge_chip, default_chip
from chipdx.sim.dpcr import DROPLET, PartitionSim, simulate_partitions
from chipdx.sim.execute import execute
from chipdx.sim.faults import FaultPlan, random_dead_electrodes
from chipdx.sim.protocol import Op, Protocol
from chipdx.sim.protocols import cartridge_protocol, extraction_protocol
from chipdx.sim.qpcr import default_design, simulate_qpcr
from chipdx.sim.scheduler import NoRouteError, plan, plan_sequential

ROWS: list[tuple[str, str, str, str]] = []


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    ROWS.append((figure, measured, goal, peer))
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def best(function: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def speed() -> None:
    rng = np.random.default_rng(0)
    lambdas = np.array([0.2, 0.5, 1.0, 2.0])
    dyes = ("FAM", "HEX", "ROX", "Cy5")
    s = best(lambda: simulate_partitions(lambdas, dyes, 1_000_000, rng=rng))
    row("dPCR 1 M partitions x 4 channels", f"{s:.2f} s", "<= 1 s")
    design = default_design(rng=rng, plate_size=384, n_cycles=45)
    s = best(lambda: simulate_qpcr(design, rng=rng))
    row("qPCR 384 wells x 2 targets x 45 cycles", f"{s * 1000:.0f} ms", "<= 0.5 s")
    specimens = random_specimens(3, rng=rng)
    s = best(lambda: simulate_cartridge(specimens, rng=np.random.default_rng(1)), repeat=2)
    row("cartridge: 3 specimens + EC + NTC + PC, 40 cycles (in-process)", f"{s:.2f} s", "<= 5 s")


def _threshold_cq(values: np.ndarray, threshold: float) -> np.ndarray:
    out = np.full(values.shape[0], np.nan)
    for i, curve in enumerate(values):
        above = np.flatnonzero(curve >= threshold)
        if above.size and above[0] > 0:
            k = above[0]
            lo, hi = math.log(max(curve[k - 1], 1e-9)), math.log(curve[k])
            out[i] = k + (math.log(threshold) - lo) / (hi - lo)
    return out


def qpcr_validity(plates: int) -> None:
    errors: dict[str, list[float]] = {"TGT1": [], "TGT2": []}
    for seed in range(plates):
        rng = np.random.default_rng(100 + seed)
        dataset, truth = simulate_qpcr(default_design(rng=rng), rng=rng)
        f = dataset.runs[0].fluorescence
        cq = _threshold_cq(f - np.median(f[:, 2:8], axis=1, keepdims=True), 600.0)
        for target, found in errors.items():
            rows = [i for i, t in enumerate(truth) if t.target == target and t.sample_type == "std"
                    and t.n0_expected >= 100 and not math.isnan(cq[i])]
            levels = sorted({truth[i].n0_expected for i in rows})
            x = np.log10(levels)
            y = [np.median([cq[i] for i in rows if truth[i].n0_expected == level]) for level in levels]
            slope = float(np.polyfit(x, y, 1)[0])
            expected = -1 / math.log10(float(np.mean([truth[i].efficiency for i in rows])))
            found.append(abs(slope / expected - 1))
    worst = max(max(v) for v in errors.values())
    mean = float(np.mean([e for v in errors.values() for e in v]))
    row(f"qPCR Cq slope per decade vs -1/log10(E), {plates} plates x 2 targets (threshold Cq, median of triplicates)",
        f"mean {mean:.1%}, worst {worst:.1%}", "within 5 %")


def cq_sd(n: int) -> None:
    rng = np.random.default_rng(7)
    e = 1.9
    parts = []
    for copies in (5, 10, 100, 1000):
        n0 = rng.poisson(copies, n)
        cq = _threshold_cq(amplify(n0, np.full(n, e), 50, rng=rng), 1e10)
        theory = 1 / (math.sqrt(copies) * math.log(e))  # Poisson only (delta method)
        parts.append(f"{copies}: {np.nanstd(cq):.2f} vs {theory:.2f}")
    row("Cq SD at N0 copies (simulated vs Poisson-only theory 1/(sqrt(N0) ln E))", "; ".join(parts),
        "matches Poisson theory (branching adds a little at < 10 copies)")


def _chi2_row(label: str, z: np.ndarray) -> None:
    wells = len(z)
    chi2 = float((z**2).sum())
    wh = ((chi2 / wells) ** (1 / 3) - (1 - 2 / (9 * wells))) / math.sqrt(2 / (9 * wells))
    p_chi = 0.5 * math.erfc(wh / math.sqrt(2))
    pvals = np.sort(np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z]))
    ks = float(np.max(np.abs(pvals - (np.arange(1, wells + 1) - 0.5) / wells)))
    row(f"dPCR positives vs true lambda, {wells} wells: {label}",
        f"chi2/df {chi2 / wells:.2f} (p {p_chi:.2g}), KS D of p-values {ks:.3f}, mean z {z.mean():+.2f}",
        "p-values uniform (chi2/df ~ 1)")


def _chipdx_counts(wells: list[PartitionSim], rain: str) -> np.ndarray:
    """chipdx's automatic calls, the wells analysed as plates of 100 wells of one assay."""
    from chipdx.analysis import dpcr
    from chipdx.model import Dataset, Dye, PlateFormat, Run, Sample, Target, WellPartitions

    plate, counts = PlateFormat(16, 24), []
    for start in range(0, len(wells), 100):
        parts = tuple(WellPartitions(plate.well(i + 1), "s", 0.85, targets=("T",), amplitudes=sim.amplitudes,
                                     calls=sim.calls) for i, sim in enumerate(wells[start:start + 100]))
        dataset = Dataset((Run("r", plate, partitions=parts),), samples=(Sample("s"),),
                          targets=(Target("T", "FAM"),), dyes=(Dye("FAM"),))
        result = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain=rain))  # type: ignore[arg-type]
        counts.extend(result.n_positive.tolist())
    return np.asarray(counts, dtype=np.float64)


def dpcr_validity(wells: int) -> None:
    rng = np.random.default_rng(9)
    sims, lams = [], []
    for _ in range(wells):
        lam = float(rng.uniform(0.05, 2.0))
        sims.append(simulate_partitions(np.array([lam]), ("FAM",), 20_000, rng=rng, profile=DROPLET))
        lams.append(lam)
    n = np.array([int(s.valid.sum()) for s in sims], dtype=np.float64)
    p = -np.expm1(-np.asarray(lams))
    sd = np.sqrt(n * p * (1 - p))
    loaded = np.array([s.loaded[s.valid, 0].sum() for s in sims])
    called = np.array([(s.calls[s.valid, 0] == 1).sum() for s in sims])
    _chi2_row("true loading", (loaded - n * p) / sd)
    _chi2_row("instrument threshold calls (midpoint, with rain)", (called - n * p) / sd)
    _chi2_row("chipdx automatic threshold (default)", (_chipdx_counts(sims, "threshold") - n * p) / sd)
    _chi2_row("chipdx rain='positive' (negative-cloud edge)", (_chipdx_counts(sims, "positive") - n * p) / sd)
    # the floor: rain that ends within 1 SD of the negative cloud cannot be told from it
    hidden = np.array([(s.loaded[s.valid, 0] & (s.amplitudes[s.valid, 0] < DROPLET.negative_level
                                                 + 1.5 * DROPLET.read_noise)).sum() for s in sims])
    _chi2_row("oracle: every loaded partition above negative + 1.5 read-noise SD", (loaded - hidden - n * p) / sd)


def makespans() -> None:
    cases: list[tuple[str, Protocol, ChipSpec]] = [("extraction, 1 specimen", extraction_protocol(), default_chip())]
    for k in (1, 2, 3, 4):
        reservoirs = ("sample", *(f"sample{i}" for i in range(2, k + 1)))
        cases.append((f"cartridge, {k} specimen(s) + 3 controls", cartridge_protocol(reservoirs), cartridge_chip(k)))
    for name, protocol, chip in cases:
        start = time.perf_counter()
        parallel = plan(protocol, chip)
        seconds = time.perf_counter() - start
        sequential = plan_sequential(protocol, chip)
        row(f"makespan, {name} ({len(protocol.steps)} steps)",
            f"{parallel.makespan * 0.5 / 60:.1f} min vs {sequential.makespan * 0.5 / 60:.1f} min sequential "
            f"({sequential.makespan / parallel.makespan:.2f}x; planned in {seconds:.2f} s)",
            "shorter than sequential", "naive sequential router")


def _solvable(chip: ChipSpec, dead: set[tuple[int, int]], protocol: Protocol) -> bool:
    """All reservoir ports, every zone and every move target lie in one component of live electrodes."""
    live = {(x, y) for x in range(chip.columns) for y in range(chip.rows)} - dead
    start = chip.reservoirs[0].port
    seen, queue = {start}, [start]
    while queue:
        x, y = queue.pop()
        for nxt in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if nxt in live and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    zones = (*chip.heaters, chip.magnet, chip.detector)
    targets = [s.to for s in protocol.steps if s.op is Op.MOVE and isinstance(s.to, tuple)]
    return (all(r.port in seen for r in chip.reservoirs) and all(set(z.cells) & seen for z in zones)
            and all(t in seen for t in targets))


def routing(cases: int) -> None:
    for columns, rows in ((16, 8), (24, 12)):
        chip = default_chip(columns, rows)
        k = round(0.05 * columns * rows)
        planned = solvable = executed = executed_ok = clean = 0
        ratios = []
        for seed in range(cases):
            rng = np.random.default_rng(seed)
            protocol = random_protocol(chip, rng=rng, chains=int(rng.integers(2, 6)))
            dead = set(random_dead_electrodes(chip, k, rng=rng))
            if not _solvable(chip, dead, protocol):
                continue
            solvable += 1
            try:
                result = plan(protocol, chip, dead=dead)
                planned += 1
                clean += touching(result, protocol) == []
                ratios.append(plan_sequential(protocol, chip, dead=dead).makespan / result.makespan)
            except NoRouteError:
                pass
            if seed < cases // 2:
                executed += 1
                run = execute(protocol, chip, rng=rng, faults=FaultPlan(dead_electrodes=frozenset(dead)))
                executed_ok += run.status == "completed"
        row(f"random protocols, {columns}x{rows} grid, {k} dead electrodes (5 %), known to the planner",
            f"{planned}/{solvable} solvable planned ({planned / max(solvable, 1):.1%}); {clean} with no contact; "
            f"makespan {np.mean(ratios):.2f}x shorter than sequential", ">= 99 % of solvable")
        row(f"same, dead electrodes hidden (found by sensing, re-routed), {columns}x{rows}",
            f"{executed_ok}/{executed} completed ({executed_ok / max(executed, 1):.1%})", ">= 99 % of solvable")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer wells, plates and protocols")
    parser.add_argument("--only", choices=["dpcr-validity"], help="run one part only")
    args = parser.parse_args()
    if args.only == "dpcr-validity":
        print("| figure | measured | goal | peer |\n|---|---|---|---|")
        dpcr_validity(200 if args.quick else 1000)
        return
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    speed()
    qpcr_validity(3 if args.quick else 10)
    cq_sd(400 if args.quick else 2000)
    dpcr_validity(200 if args.quick else 1000)
    makespans()
    routing(40 if args.quick else 200)


if __name__ == "__main__":
    main()
