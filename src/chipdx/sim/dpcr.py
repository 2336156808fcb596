"""Simulated digital PCR: partitioning, Poisson loading, end-point amplitudes with rain.

Per partition: volume ``v ~ V (1 + CV z)`` (CV 3 % [assumption], labchip_hardware.md §2.4),
copies ``k ~ Poisson(lambda v / V)`` per target; a partition with ``k >= 1`` amplifies (the
indicator is drawn directly with probability ``1 - exp(-lambda v / V)``). Most
positives reach the positive level; a fraction start late (delayed amplification from
damaged template or partial inhibition) and are read before they finish, which gives
"rain" between the clusters (Jacobs et al., BMC Bioinformatics 2014, 15:283 simulate about
6 % rain). Some partitions are invalid (debris, merged or broken droplets): they are
excluded (RDML score ``e``), as a reference-dye check would do (QIAcuity FAQ). Amplitudes
pass through the same dye crosstalk matrix as qPCR (:mod:`chipdx.sim.optics`).

Profiles follow SPEC §2: 20 000 x 0.85 nL droplets (Bio-Rad QX default volume) and
26 000 x 0.91 nL nanoplate partitions. Everything is vectorised over (partitions x channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chipdx._version import __version__
from chipdx.model import (
    Dataset,
    Dye,
    DyeChemistry,
    PartitionCall,
    PlateFormat,
    Provenance,
    Run,
    Sample,
    SampleType,
    Software,
    Target,
    WellPartitions,
)
from chipdx.sim.optics import CHANNELS, CROSSTALK, channel_index
from chipdx.sim.qpcr import INSTRUMENT

__all__ = [
    "DROPLET",
    "NANOPLATE",
    "DpcrDesign",
    "DpcrProfile",
    "DpcrTruth",
    "DpcrWell",
    "PartitionSim",
    "default_dpcr_design",
    "simulate_dpcr",
    "simulate_partitions",
]


@dataclass(frozen=True, slots=True)
class DpcrProfile:
    """A partitioning technology. Fractions and levels are [assumption] unless cited."""

    name: str
    partitions: int
    volume_nl: float
    volume_cv: float = 0.03
    accepted_low: float = 1.0  # fraction of generated partitions that reach the reader, lower bound
    invalid_fraction: float = 0.01
    rain_fraction: float = 0.03
    negative_level: float = 1200.0
    positive_level: float = 8000.0
    gain_cv: float = 0.06
    read_noise: float = 60.0


#: Bio-Rad QX-like droplets: 20 000 generated, 13–20.5 k accepted in real exports (fixtures).
DROPLET = DpcrProfile("droplet", 20_000, 0.85, accepted_low=0.7)
#: QIAcuity-like nanoplate: 26 000 partitions, 25.3–25.5 k valid in real exports.
NANOPLATE = DpcrProfile("nanoplate", 26_000, 0.91, invalid_fraction=0.025)


@dataclass(frozen=True, slots=True)
class DpcrWell:
    """One well: its sample and the true mean copies per partition (nominal volume) per target."""

    well: str
    sample_id: str
    sample_type: SampleType
    lambdas: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class DpcrDesign:
    """A dPCR plate: targets as ``(id, dye)`` pairs, wells, and the partition profile."""

    rows: int
    columns: int
    targets: tuple[tuple[str, str], ...]
    wells: tuple[DpcrWell, ...]
    profile: DpcrProfile = DROPLET
    run_id: str = "sim-dpcr"


@dataclass(frozen=True, slots=True)
class DpcrTruth:
    """Ground truth of one target in one well."""

    well: str
    target: str
    channel: str
    lambda_: float
    copies_per_ul: float
    sample: str
    n_partitions: int
    n_valid: int
    n_loaded: int


@dataclass(frozen=True, slots=True, eq=False)
class PartitionSim:
    """Partitions of one well: amplitudes and calls ``(n, targets)``, true loading and validity."""

    amplitudes: NDArray[np.float32]
    calls: NDArray[np.int8]
    loaded: NDArray[np.bool_]
    valid: NDArray[np.bool_]


def _levels(positive: NDArray[np.bool_], rng: np.random.Generator, profile: DpcrProfile) -> NDArray[np.float32]:
    """Fraction (0–1) of the positive level reached at the end point; rain for late starters."""
    reached = positive.astype(np.float32)
    late = positive & (rng.random(positive.shape, dtype=np.float32) < profile.rain_fraction)
    if late.any():
        delay = rng.exponential(6.0, int(late.sum()))
        reached[late] = 1.0 / (1.0 + np.exp((delay - 6.0) / 1.5))
    return reached


def simulate_partitions(
    lambdas: NDArray[np.float64], dyes: tuple[str, ...], n: int, *, rng: np.random.Generator,
    profile: DpcrProfile = DROPLET,
) -> PartitionSim:
    """Simulate ``n`` partitions of one well for targets with mean copies ``lambdas``.

    Each target is read in the channel of its dye; other dyes bleed in through the crosstalk
    matrix. Calls are the instrument's: a threshold halfway between the clusters, ``e`` for
    invalid partitions.
    """
    p = profile
    f32 = np.float32
    volume = np.clip(1.0 + p.volume_cv * rng.standard_normal(n, dtype=f32), 0.05, None)
    # P(k >= 1) for k ~ Poisson(lambda v / V): the loaded indicator, drawn directly (same law, faster)
    loaded = rng.random((n, lambdas.size), dtype=f32) < -np.expm1(-np.outer(volume, lambdas.astype(f32)))
    reached = _levels(loaded, rng, p)
    dye_idx = [channel_index(d) for d in dyes]
    mix = CROSSTALK[np.ix_(dye_idx, dye_idx)].astype(f32)  # (dyes, read channels)
    gain = 1.0 + f32(p.gain_cv) * rng.standard_normal((n, 1), dtype=f32)
    excess = (f32(p.positive_level - p.negative_level) * reached) @ mix + f32(p.negative_level)
    amplitudes = excess * gain + f32(p.read_noise) * rng.standard_normal(excess.shape, dtype=f32)
    valid = rng.random(n) >= p.invalid_fraction
    n_bad = int((~valid).sum())
    amplitudes[~valid] = rng.uniform(0.0, p.negative_level * 0.6, (n_bad, len(dyes)))
    threshold = (p.negative_level + p.positive_level) / 2.0
    calls = np.where(amplitudes > threshold, PartitionCall.POSITIVE, PartitionCall.NEGATIVE).astype(np.int8)
    calls[~valid] = PartitionCall.EXCLUDED
    return PartitionSim(amplitudes.astype(np.float32), calls, loaded, valid)


_LEVELS = (4.0, 2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001, 0.0)


def default_dpcr_design(*, profile: DpcrProfile = DROPLET) -> DpcrDesign:
    """A QX-style 96-well duplex plate (FAM, HEX): 12 dilution levels crossed over the plate."""
    plate = PlateFormat(8, 12)
    wells = []
    for index in range(1, plate.size + 1):
        w = plate.well(index)
        lam1 = _LEVELS[w.column]
        lam2 = 0.0 if w.column == 11 else _LEVELS[(w.row * 3 + w.column) % 11]
        kind = SampleType.NTC if lam1 == lam2 == 0.0 else SampleType.UNKNOWN
        sample = "NTC" if kind is SampleType.NTC else f"S{w.label}"
        wells.append(DpcrWell(w.label, sample, kind, (("TGT1", lam1), ("TGT2", lam2))))
    return DpcrDesign(8, 12, (("TGT1", "FAM"), ("TGT2", "HEX")), tuple(wells), profile)


def simulate_dpcr(design: DpcrDesign, *, rng: np.random.Generator) -> tuple[Dataset, tuple[DpcrTruth, ...]]:
    """Simulate every well of a dPCR plate: dataset (simulated) and truth per well and target."""
    plate = PlateFormat(design.rows, design.columns)
    p = design.profile
    target_ids = tuple(t for t, _ in design.targets)
    dyes = tuple(d for _, d in design.targets)
    wells, truth = [], []
    for spec in design.wells:
        lam = dict(spec.lambdas)
        lambdas = np.array([lam.get(t, 0.0) for t in target_ids])
        n = round(p.partitions * float(rng.uniform(p.accepted_low, 1.0)))
        sim = simulate_partitions(lambdas, dyes, n, rng=rng, profile=p)
        well = plate.parse(spec.well)
        wells.append(WellPartitions(well, spec.sample_id, p.volume_nl, targets=target_ids,
                                    amplitudes=sim.amplitudes, calls=sim.calls))
        for i, (target, dye) in enumerate(design.targets):
            truth.append(DpcrTruth(well.label, target, CHANNELS[channel_index(dye)], float(lambdas[i]),
                                   float(lambdas[i] / p.volume_nl * 1000.0), spec.sample_id, n,
                                   int(sim.valid.sum()), int(sim.loaded[sim.valid, i].sum())))
    samples = {w.sample_id: Sample(w.sample_id, w.sample_type) for w in design.wells}
    targets = tuple(Target(t, d) for t, d in design.targets)
    dye_records = tuple(Dye(d, DyeChemistry.HYDROLYSIS_PROBE) for d in dict.fromkeys(dyes))
    run = Run(design.run_id, plate, partitions=tuple(wells), experiment_id="DLOC-Sim", instrument=INSTRUMENT,
              software=Software("chipdx-sim", __version__), description=f"simulated dPCR run ({p.name} profile)")
    dataset = Dataset((run,), tuple(samples.values()), targets, dye_records,
                      Provenance(source=design.run_id, format="simulated", simulated=True))
    return dataset, tuple(truth)
