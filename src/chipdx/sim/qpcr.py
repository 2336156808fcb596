"""Simulated real-time PCR plates: design, amplification, optics and ground truth.

:func:`simulate_qpcr` turns a :class:`QpcrDesign` into a :class:`~chipdx.model.Dataset`
(flagged ``simulated``) plus one :class:`QpcrTruth` row per reaction. The hot path is
vectorised over (reactions x cycles); the only Python loop runs over cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chipdx._version import __version__
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
from chipdx.sim.amplification import amplify
from chipdx.sim.chemistry import Chemistry, signal_fraction
from chipdx.sim.melt import melt_curves, melt_temperatures
from chipdx.sim.optics import CHANNELS, OpticsParams, channel_index, read_channels, unmix

__all__ = [
    "INSTRUMENT",
    "PLATE_KINETICS",
    "PlateKinetics",
    "QpcrDesign",
    "QpcrTruth",
    "SimTarget",
    "SimWell",
    "default_design",
    "simulate_qpcr",
]

INSTRUMENT = "DLOC-Sim v1 (simulated)"
_DIMER_TM_C = 76.0


@dataclass(frozen=True, slots=True)
class PlateKinetics:
    """Ranges (uniform) of the per-plate draws of :func:`default_design`.

    [assumption] Chosen so that scale-free shape features of simulated curves match the *fit half*
    of the real amplified curves (PCRedux-rated training pool; ``benchmarks/bench_sim_realism.py``,
    docs/simulator.md §6): assay efficiency, polymerase capacity (log10 multiple of K) and the
    Richards exponent of the saturation.
    """

    efficiency: tuple[float, float] = (1.85, 2.00)
    capacity_log10: tuple[float, float] = (-0.6, 0.6)
    saturation_shape: tuple[float, float] = (1.0, 3.0)


PLATE_KINETICS = PlateKinetics()


@dataclass(frozen=True, slots=True)
class SimTarget:
    """An assay: target id, dye, amplification factor per cycle and amplicon Tm."""

    id: str
    dye: str
    efficiency: float = 1.95
    tm_c: float = 84.0


@dataclass(frozen=True, slots=True)
class SimWell:
    """One reaction to simulate: a target in a well, with its expected input copies."""

    well: str
    sample_id: str
    sample_type: SampleType
    target_id: str
    n0_expected: float
    inhibition: float = 1.0
    n0: int | None = None  # exact input copies (already sampled, e.g. after extraction)


@dataclass(frozen=True, slots=True)
class QpcrDesign:
    """A plate to simulate."""

    rows: int
    columns: int
    targets: tuple[SimTarget, ...]
    wells: tuple[SimWell, ...]
    chemistry: Chemistry = "probe"
    n_cycles: int = 40
    melt: bool = False
    efficiency_sd: float = 0.01
    plateau_log10: tuple[float, float] = (11.6, 12.4)  # per-reaction saturation constant K [assumption]
    #: per-reaction polymerase capacity (most new copies per cycle) as log10 of a multiple of the
    #: reaction's K, uniform; None = unlimited [assumption: master-mix pipetting scales both alike]
    capacity_log10: tuple[float, float] | None = (-0.1, 0.1)
    saturation_shape: float = 2.0  # Richards exponent of the saturation (1 = Michaelis–Menten)
    run_id: str = "sim-qpcr"
    description: str = "simulated qPCR run"


@dataclass(frozen=True, slots=True)
class QpcrTruth:
    """Ground truth of one reaction (``efficiency`` = amplification factor, 2.0 = 100 %)."""

    well: str
    sample: str
    target: str
    dye: str
    n0: int
    efficiency: float
    sample_type: str
    n0_expected: float


def _layout(
    plate: PlateFormat, targets: tuple[SimTarget, ...], chemistry: Chemistry, rng: np.random.Generator
) -> tuple[SimWell, ...]:
    """Standards 10^7..10^1 in triplicate, NTCs in triplicate and unknowns for every target.

    Probe chemistry runs all targets as a multiplex in every well; dye chemistry needs one
    target per well, so each target gets its own block of wells.
    """
    groups = [targets] if chemistry == "probe" else [(t,) for t in targets]
    per_group = plate.size // len(groups)
    levels = [10.0**k for k in range(7, 0, -1)]
    wells: list[SimWell] = []
    for g, group in enumerate(groups):
        labels = [plate.well(g * per_group + i + 1).label for i in range(per_group)]
        n_unknown = per_group - 3 * len(levels) - 3
        slots: list[tuple[str, SampleType, dict[str, float]]] = []
        for level in levels:
            slots += [(f"STD_{level:.0e}", SampleType.STANDARD, {t.id: level for t in group})] * 3
        for u in range(n_unknown):
            loads = {t.id: float(10.0 ** rng.uniform(0.5, 6.0)) if rng.random() > 0.15 else 0.0 for t in group}
            slots.append((f"U{g + 1}{u + 1:02d}", SampleType.UNKNOWN, loads))
        slots += [("NTC", SampleType.NTC, {t.id: 0.0 for t in group})] * 3
        for label, (sample, kind, loads) in zip(labels, slots, strict=True):
            wells += [SimWell(label, sample, kind, t.id, loads[t.id]) for t in group]
    return tuple(wells)


def default_design(
    *, rng: np.random.Generator, chemistry: Chemistry = "probe", plate_size: int = 96, n_cycles: int = 40,
    melt: bool = False,
) -> QpcrDesign:
    """The default plate: two targets (FAM, HEX; efficiencies drawn from 1.85-2.00), 7-level
    10-fold standards in triplicate, unknowns and NTCs, on a 96- or 384-well plate.

    The plate's reaction kinetics are drawn too (see :data:`PLATE_KINETICS`): the polymerase
    capacity (log10 multiple of K, centre of a +-0.1 per-reaction range) and the Richards
    exponent of the saturation, so that plates differ in curve shape as real runs do.
    """
    rows, columns = (8, 12) if plate_size == 96 else (16, 24)
    e1, e2 = (round(float(e), 3) for e in rng.uniform(*PLATE_KINETICS.efficiency, 2))
    capacity = float(rng.uniform(*PLATE_KINETICS.capacity_log10))
    shape = round(float(rng.uniform(*PLATE_KINETICS.saturation_shape)), 3)
    dyes = ("SYBR", "SYBR") if chemistry == "dye" else ("FAM", "HEX")
    targets = (SimTarget("TGT1", dyes[0], e1, 84.0), SimTarget("TGT2", dyes[1], e2, 81.5))
    wells = _layout(PlateFormat(rows, columns), targets, chemistry, rng)
    return QpcrDesign(rows, columns, targets, wells, chemistry, n_cycles, melt or chemistry == "dye",
                      capacity_log10=(round(capacity - 0.1, 3), round(capacity + 0.1, 3)), saturation_shape=shape)


def _records(design: QpcrDesign) -> tuple[tuple[Sample, ...], tuple[Target, ...], tuple[Dye, ...]]:
    samples: dict[str, Sample] = {}
    for w in design.wells:
        if w.sample_id not in samples:
            quantity = Quantity(w.n0_expected) if w.sample_type is SampleType.STANDARD else None
            samples[w.sample_id] = Sample(w.sample_id, w.sample_type, quantity)
    chem = DyeChemistry.HYDROLYSIS_PROBE if design.chemistry == "probe" else DyeChemistry.NON_SATURATING_DYE
    dyes = tuple(dict.fromkeys(t.dye for t in design.targets))
    targets = tuple(Target(t.id, t.dye, melting_temperature_c=t.tm_c if design.chemistry == "dye" else None)
                    for t in design.targets)
    return tuple(samples.values()), targets, tuple(Dye(d, chem) for d in dyes)


def _copies(
    design: QpcrDesign, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Realised input copies, per-reaction efficiencies and copies per cycle."""
    by_id = {t.id: t for t in design.targets}
    expected = np.array([w.n0_expected for w in design.wells])
    n0 = rng.poisson(expected).astype(np.int64)
    for i, w in enumerate(design.wells):
        if w.n0 is not None:
            n0[i] = w.n0
    base = np.array([by_id[w.target_id].efficiency for w in design.wells])
    inhibition = np.array([w.inhibition for w in design.wells])
    eff = 1.0 + (base - 1.0) * inhibition + design.efficiency_sd * rng.standard_normal(n0.size)
    eff = np.clip(eff, 1.0, 2.0)
    lo, hi = design.plateau_log10
    plateau = 10.0 ** rng.uniform(lo, hi, n0.size)
    capacity = None
    if design.capacity_log10 is not None:
        capacity = plateau * 10.0 ** rng.uniform(*design.capacity_log10, n0.size)
    return n0, eff, amplify(n0, eff, design.n_cycles, rng=rng, plateau=plateau, capacity=capacity,
                              shape=design.saturation_shape)


def simulate_qpcr(
    design: QpcrDesign, *, rng: np.random.Generator, optics: OpticsParams | None = None
) -> tuple[Dataset, tuple[QpcrTruth, ...]]:
    """Simulate a plate: returns the dataset (``Provenance(simulated=True)``) and its truth."""
    optics = optics or OpticsParams()
    plate = PlateFormat(design.rows, design.columns)
    by_id = {t.id: t for t in design.targets}
    n0, eff, copies = _copies(design, rng)
    wells = sorted({plate.parse(w.well).index for w in design.wells})
    row_of = {index: i for i, index in enumerate(wells)}
    well_row = np.array([row_of[plate.parse(w.well).index] for w in design.wells])
    dye_col = np.array([channel_index(by_id[w.target_id].dye) for w in design.wells])
    signal = np.zeros((len(wells), len(CHANNELS), design.n_cycles))
    present = np.zeros((len(wells), len(CHANNELS)), dtype=bool)
    fraction = signal_fraction(copies, design.chemistry)
    dimer = np.zeros_like(fraction)
    if design.chemistry == "dye":
        dimer_copies = amplify(rng.poisson(0.3, n0.size), np.full(n0.size, 1.8), design.n_cycles, rng=rng,
                               delay=np.full(n0.size, 12.0))
        dimer = signal_fraction(dimer_copies, "dye") * 0.3
    np.add.at(signal, (well_row, dye_col), fraction + dimer)
    present[well_row, dye_col] = True
    measured = unmix(read_channels(np.minimum(signal, 1.0), present, rng=rng, params=optics), rng=rng, params=optics)
    fluorescence = measured[well_row, dye_col]
    melt = None
    if design.melt:
        temps = melt_temperatures()
        tm = np.stack([[by_id[w.target_id].tm_c for w in design.wells], np.full(n0.size, _DIMER_TM_C)], axis=1)
        amounts = np.stack([fraction[:, -1], dimer[:, -1]], axis=1)
        values = melt_curves(amounts, tm, temps, rng=rng)
        melt = MeltCurves(np.broadcast_to(temps, values.shape), values)
    dataset = _dataset(design, plate, fluorescence, melt)
    truth = tuple(
        QpcrTruth(w.well, w.sample_id, w.target_id, by_id[w.target_id].dye, int(n0[i]), round(float(eff[i]), 6),
                  w.sample_type.value, w.n0_expected)
        for i, w in enumerate(design.wells)
    )
    return dataset, truth


def _dataset(design: QpcrDesign, plate: PlateFormat, fluorescence: NDArray[np.float64],
             melt: MeltCurves | None) -> Dataset:
    samples, targets, dyes = _records(design)
    reactions = tuple(Reaction(plate.parse(w.well), w.sample_id, w.target_id) for w in design.wells)
    cycles = np.arange(1.0, design.n_cycles + 1.0)
    run = Run(design.run_id, plate, reactions, amplification=AmplificationCurves(cycles, np.round(fluorescence, 3)),
              melt=melt, experiment_id="DLOC-Sim", instrument=INSTRUMENT,
              software=Software("chipdx-sim", __version__), description=design.description)
    provenance = Provenance(source=design.run_id, format="simulated", simulated=True)
    return Dataset((run,), samples, targets, dyes, provenance)
