"""The cartridge run: several specimens and controls, extraction -> qPCR on one chip.

:func:`simulate_cartridge` executes :func:`~chipdx.sim.protocols.cartridge_protocol` on the
cartridge chip (closed loop, with any injected faults), then applies the chemistry to what the
run actually did: each specimen and the extraction control go through the binomial extraction
chain (elution at the heater's real peak temperature), inhibitor carry-over lowers their PCR
efficiency, and every PCR droplet that finished its cycles is read as a 4-plex (FAM, HEX, ROX,
Cy5) qPCR reaction. A run that aborts returns no data, only its log.

The default panel is a respiratory 4-plex in the style of multiplex influenza A / influenza B /
SARS-CoV-2 assays with a human RNase P specimen control; target names and channels are those of
the ``resp-4plex-demo`` assay (FluA FAM, FluB HEX, SARS-CoV-2 Cy5, RNaseP ROX). Specimen loads
are [assumption].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chipdx.model import Dataset, SampleType
from chipdx.sim.chemistry import ExtractionParams, extract
from chipdx.sim.chip import ChipSpec, cartridge_chip
from chipdx.sim.execute import Execution, execute
from chipdx.sim.faults import FaultPlan
from chipdx.sim.optics import OpticsParams
from chipdx.sim.protocol import Op, Protocol
from chipdx.sim.protocols import cartridge_protocol
from chipdx.sim.qpcr import QpcrDesign, QpcrTruth, SimTarget, SimWell, simulate_qpcr

__all__ = ["RESPIRATORY_PANEL", "CartridgeResult", "CartridgeTruth", "Specimen", "random_specimens",
           "simulate_cartridge"]

#: Targets of the default panel: id, dye, amplification factor per cycle. RP is the human
#: specimen control (RNase P), present in every human specimen.
#: Amplicon Tm (°C) only shapes the optional melt curves [assumption: typical 70-150 bp amplicons].
RESPIRATORY_PANEL: tuple[SimTarget, ...] = (
    SimTarget("FluA", "FAM", 1.91, 84.5), SimTarget("FluB", "HEX", 1.92, 81.0),
    SimTarget("SARS-CoV-2", "Cy5", 1.93, 79.5), SimTarget("RNaseP", "ROX", 1.95, 86.5),
)
_SAMPLE_UL = 20.0
_PC_COPIES = 1000


@dataclass(frozen=True, slots=True)
class Specimen:
    """A specimen: its name and copies of each target in the 20 µL put on the cartridge."""

    name: str
    copies: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CartridgeTruth:
    """Ground truth of one target in one PCR droplet, with the extraction that fed it."""

    well: str
    sample: str
    target: str
    dye: str
    n0: int
    efficiency: float
    sample_type: str
    specimen_copies: int
    extraction_yield: float
    inhibition: float


@dataclass(frozen=True, slots=True, eq=False)
class CartridgeResult:
    """The run's data (``None`` when it aborted), truth, execution record and protocol."""

    dataset: Dataset | None
    truth: tuple[CartridgeTruth, ...]
    execution: Execution
    protocol: Protocol
    chip: ChipSpec


def random_specimens(n: int, *, rng: np.random.Generator, panel: tuple[SimTarget, ...] = RESPIRATORY_PANEL
                     ) -> tuple[Specimen, ...]:
    """``n`` specimens: each carries human RNase P and, with probability 0.6, one pathogen."""
    specimens = []
    pathogens = [t.id for t in panel if t.id != "RNaseP"]
    for k in range(1, n + 1):
        copies = {t.id: 0 for t in panel}
        copies["RNaseP"] = int(rng.poisson(10 ** rng.uniform(3.0, 4.5)))
        if rng.random() < 0.6:
            copies[pathogens[int(rng.integers(len(pathogens)))]] = int(rng.poisson(10 ** rng.uniform(1.5, 5.5)))
        specimens.append(Specimen(f"S{k}", tuple(copies.items())))
    return tuple(specimens)


def _pcr_droplets(specimens: tuple[Specimen, ...]) -> list[tuple[str, str, SampleType]]:
    """(droplet, sample name, type) of every PCR droplet, in protocol order."""
    names = [(f"S{k}.pcr", s.name, SampleType.UNKNOWN) for k, s in enumerate(specimens, start=1)]
    return [*names, ("EC.pcr", "EC", SampleType.EXTRACTION_CONTROL), ("NTC.pcr", "NTC", SampleType.NTC),
            ("PC.pcr", "PC", SampleType.POSITIVE_CONTROL)]


def _elution_peaks(protocol: Protocol, execution: Execution) -> dict[str, float]:
    """Peak temperature of each specimen's elution heat step (tag -> °C)."""
    peaks = {}
    for i, step in enumerate(protocol.steps):
        if step.op is Op.HEAT and step.droplet.endswith(".be"):
            peaks[step.droplet.split(".")[0]] = execution.peak_temperature_c.get(i, step.temperature_c or 65.0)
    return peaks


def _inputs(specimens: tuple[Specimen, ...], execution: Execution, protocol: Protocol, *,
            rng: np.random.Generator, params: ExtractionParams
            ) -> dict[str, tuple[dict[str, int], dict[str, int], float, float]]:
    """Per sample: specimen copies, PCR input copies, extraction yield and inhibition factor."""
    peaks = _elution_peaks(protocol, execution)
    panel = [t.id for t in RESPIRATORY_PANEL]
    out = {}
    matrix = [("EC", {t: (int(rng.poisson(2000)) if t == "RNaseP" else 0) for t in panel})]
    for k, (tag, copies) in enumerate([*((f"S{i}", dict(s.copies)) for i, s in enumerate(specimens, 1)), *matrix]):
        name = specimens[k].name if k < len(specimens) else tag
        result = extract(copies, rng=rng, params=params, elution_temp_c=peaks.get(tag, 65.0))
        out[name] = (copies, result.copies, result.p_total, result.efficiency_factor)
    out["NTC"] = (dict.fromkeys(panel, 0), dict.fromkeys(panel, 0), 1.0, 1.0)
    out["PC"] = (dict.fromkeys(panel, _PC_COPIES), {t: int(rng.poisson(_PC_COPIES)) for t in panel}, 1.0, 1.0)
    return out


def simulate_cartridge(
    specimens: tuple[Specimen, ...],
    *,
    rng: np.random.Generator,
    faults: FaultPlan | None = None,
    cycles: int = 40,
    extraction: ExtractionParams | None = None,
    optics: OpticsParams | None = None,
    melt: bool = False,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> CartridgeResult:
    """Run the cartridge for ``specimens`` (1-5) plus extraction control, NTC and positive control.

    With ``melt`` each PCR droplet is melted on chip after its last cycle and the RDML carries
    its melt curves (only droplets whose ramp finished); ``on_event`` sees every run-log event live.
    """
    chip = cartridge_chip(len(specimens))
    reservoirs = ("sample", *(f"sample{k}" for k in range(2, len(specimens) + 1)))
    protocol = cartridge_protocol(reservoirs, cycles=cycles, melt=melt)
    execution = execute(protocol, chip, rng=rng, faults=faults, on_event=on_event)
    if execution.status != "completed":
        return CartridgeResult(None, (), execution, protocol, chip)
    inputs = _inputs(specimens, execution, protocol, rng=rng, params=extraction or ExtractionParams())
    wells, extra = [], {}
    for column, (droplet, sample, kind) in enumerate(_pcr_droplets(specimens), start=1):
        if len(execution.reads.get(droplet, ())) < cycles or (melt and droplet not in execution.melt_reads):
            continue
        raw, pcr, p_total, factor = inputs[sample]
        for target in RESPIRATORY_PANEL:
            wells.append(SimWell(f"A{column}", sample, kind, target.id, float(pcr[target.id]), factor, pcr[target.id]))
            extra[(f"A{column}", target.id)] = (raw[target.id], p_total, factor)
    design = QpcrDesign(1, len(_pcr_droplets(specimens)), RESPIRATORY_PANEL, tuple(wells), "probe", cycles, melt,
                        run_id="sim-cartridge", description="simulated DLOC-Sim v1 cartridge run")
    dataset, truth = simulate_qpcr(design, rng=rng, optics=optics)
    rows = tuple(_truth_row(t, extra[(t.well, t.target)]) for t in truth)
    return CartridgeResult(dataset, rows, execution, protocol, chip)


def _truth_row(t: QpcrTruth, extra: tuple[int, float, float]) -> CartridgeTruth:
    raw, p_total, factor = extra
    return CartridgeTruth(t.well, t.sample, t.target, t.dye, t.n0, t.efficiency, t.sample_type, raw,
                          round(p_total, 6), round(factor, 6))
