"""Writing a run as an Applied Biosystems QuantStudio text export.

The output has the layout of the QuantStudio / ViiA 7 "Export" text file
(``* Key = Value`` header, ``[Sample Setup]``, ``[Amplification Data]``,
``[Results]`` and, with melt curves, ``[Melt Curve Raw Data]``), so that tools
that read QuantStudio exports (such as Benchling's ``allotropy``) can take
chipdx data. ``Rn`` is the run's fluorescence; ``Delta Rn`` is ``Rn`` minus the
mean of cycles 3-15 (the instrument's default baseline window), because a plain
export has no separate baseline. Numbers are written with full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chipdx.errors import UnsupportedError
from chipdx.io._atomic import atomic_output
from chipdx.model import Dataset, DyeChemistry, PlateFormat, Run, SampleType, Well

__all__ = ["write_quantstudio_txt"]

_TASK = {SampleType.STANDARD: "STANDARD", SampleType.NTC: "NTC", SampleType.NO_AMPLIFICATION_CONTROL: "NTC",
         SampleType.POSITIVE_CONTROL: "POSITIVE_CONTROL",
         SampleType.NO_TARGET_PRESENT: "NTC"}
_BLOCKS = {96: ("96-Well Block (0.2mL)", PlateFormat(8, 12)), 384: ("384-Well Block", PlateFormat(16, 24))}
_SETUP = ("Well", "Well Position", "Sample Name", "Sample Color", "Biogroup Name", "Biogroup Color",
          "Target Name", "Target Color", "Task", "Reporter", "Quencher", "Quantity", "Comments")
_RESULTS = ("Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter", "Quencher",
            "Quantity", "CT", "Ct Threshold", "Automatic Ct Threshold", "Automatic Baseline", "Baseline Start",
            "Baseline End", "Tm1", "Comments")


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return repr(float(value))


def _block(run: Run) -> tuple[str, PlateFormat]:
    size = 96 if run.plate.size <= 96 else 384
    if run.plate.size > 384:
        raise UnsupportedError(f"run {run.id!r} has {run.plate.size} positions; a QuantStudio export holds 96 or 384")
    return _BLOCKS[size]


def _header(data: Dataset, run: Run, block: str) -> Iterator[str]:
    chemistries = {d.chemistry for d in data.dyes}
    sybr = {DyeChemistry.NON_SATURATING_DYE, DyeChemistry.SATURATING_DYE} & chemistries or any(
        d.id.upper().startswith(("SYBR", "EVA")) for d in data.dyes)
    standards = any(s.type is SampleType.STANDARD for s in data.samples)
    when = run.run_date.strftime("%Y-%m-%d %I:%M:%S %p") if run.run_date else ""
    yield f"* Block Type = {block}"
    yield f"* Chemistry = {'SYBR_GREEN' if sybr else 'TAQMAN'}"
    yield f"* Experiment Name = {run.id}"
    yield f"* Experiment Run End Time = {when}"
    yield f"* Experiment Type = {'Standard Curve' if standards else 'Comparative Cт (ΔΔCт)'}"
    yield f"* Instrument Type = {run.instrument or 'unknown'}"
    yield "* Passive Reference = "
    yield "* Quantification Cycle Method = Ct"
    yield "* Exported By = chipdx"
    yield ""


def _sections(data: Dataset, run: Run, plate: PlateFormat) -> Iterator[str]:
    wells = [plate.well(r.well.index) for r in run.reactions]
    samples = {s.id: s for s in data.samples}
    dyes = {t.id: t.dye_id for t in data.targets}

    def common(i: int) -> tuple[str, str, str, str, str, str]:
        reaction = run.reactions[i]
        sample = samples[reaction.sample_id]
        task = _TASK.get(sample.type_for(reaction.target_id), "UNKNOWN")
        quantity = _number(sample.quantity.value) if sample.quantity else ""
        return (str(wells[i].index), wells[i].label, reaction.sample_id, reaction.target_id, task, quantity)

    order = sorted(range(len(run.reactions)), key=lambda i: (wells[i].index, run.reactions[i].target_id))
    yield "[Sample Setup]"
    yield "\t".join(_SETUP)
    for i in order:
        well, label, sample, target, task, quantity = common(i)
        yield "\t".join((well, label, sample, "", "", "", target, "", task, dyes[target], "", quantity, ""))
    yield ""
    yield from _amplification(run, wells, order)
    thresholds: dict[str, float] = {}
    for reaction in run.reactions:
        if reaction.reported.quantification_fluorescence is not None:
            thresholds.setdefault(reaction.target_id, reaction.reported.quantification_fluorescence)
    yield "[Results]"
    yield "\t".join(_RESULTS)
    for i in order:
        well, label, sample, target, task, quantity = common(i)
        result = run.reactions[i].reported
        own = result.quantification_fluorescence
        if result.cq is None and own is None and target not in thresholds:
            continue  # nothing reported for this reaction
        omit = "true" if result.excluded else "false"
        threshold = _number(own if own is not None else thresholds.get(target))
        cq = _number(result.cq) or "Undetermined"
        yield "\t".join((well, label, omit, sample, target, task, dyes[target], "", quantity, cq, threshold,
                         "false" if threshold else "", "", "", "", _number(result.melt_temperature_c), ""))
    yield ""
    yield from _melt(run, wells, order)


def _amplification(run: Run, wells: list[Well], order: list[int]) -> Iterator[str]:
    if run.amplification is None:
        return
    cycles = run.amplification.cycles
    rn = run.amplification.fluorescence
    window = (cycles >= 3) & (cycles <= 15)
    if not window.any():
        window = np.ones_like(cycles, dtype=bool)
    inside = np.where(window, rn, np.nan)
    counted = np.sum(~np.isnan(inside), axis=1)
    with np.errstate(all="ignore"):
        baseline = np.where(counted > 0, np.nansum(inside, axis=1) / np.maximum(counted, 1), np.nan)
    yield "[Amplification Data]"
    yield "Well\tCycle\tTarget Name\tRn\tDelta Rn"
    for i in order:
        well, target = wells[i].index, run.reactions[i].target_id
        for cycle, value in zip(cycles, rn[i], strict=True):
            if not math.isnan(value):
                delta = value - baseline[i] if math.isfinite(baseline[i]) else math.nan
                yield f"{well}\t{_number(cycle)}\t{target}\t{_number(value)}\t{_number(delta)}"
    yield ""


def _melt(run: Run, wells: list[Well], order: list[int]) -> Iterator[str]:
    if run.melt is None:
        return
    yield "[Melt Curve Raw Data]"
    yield "Well\tWell Position\tReading\tTemperature\tFluorescence\tDerivative"
    for i in order:
        temperature, fluorescence = run.melt.points(i)
        if temperature.size == 0:
            continue
        derivative = -np.gradient(fluorescence, temperature) if temperature.size > 1 else np.zeros(1)
        well = wells[i]
        for k in range(temperature.size):
            yield (f"{well.index}\t{well.label}\t{k + 1}\t{_number(temperature[k])}\t"
                   f"{_number(fluorescence[k])}\t{_number(derivative[k])}")
    yield ""


def write_quantstudio_txt(dataset: Dataset, path: Path) -> None:
    """Write the single run of ``dataset`` as a QuantStudio text export, atomically.

    Raises :class:`~chipdx.errors.UnsupportedError` for a dataset with several runs
    (one export holds one plate) or a plate larger than 384 wells.
    """
    if len(dataset.runs) != 1:
        raise UnsupportedError(
            f"a QuantStudio text export holds one plate; this dataset has {len(dataset.runs)} runs"
        )
    run = dataset.runs[0]
    block, plate = _block(run)
    lines = [*_header(dataset, run, block), *_sections(dataset, run, plate)]
    with atomic_output(path) as stream:
        stream.write(("\n".join(lines) + "\n").encode("utf-8"))
