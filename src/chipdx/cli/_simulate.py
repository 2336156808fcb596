"""``chipdx simulate qpcr|dpcr|cartridge|protocol``: DLOC-Sim v1 outputs with ground truth.

Every command writes its data (RDML 1.3, flagged simulated), ``truth.csv`` beside it and a
JSONL run log; qPCR and cartridge runs also as a QuantStudio text export, dPCR droplet
plates also as QX amplitude CSV files with a QuantaSoft results table, all through the
``chipdx.io`` writers. The same ``--seed`` gives the same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chipdx import io
from chipdx.cli._common import EXIT_OK, LOG_NAME, fail, out, write_event_log
from chipdx.io.records import write_records
from chipdx.model import Dataset, PartitionCall

if TYPE_CHECKING:  # the simulator loads only when a simulate command runs (keeps other commands fast)
    from chipdx.sim.execute import Execution
    from chipdx.sim.faults import FaultPlan

__all__ = ["add_commands"]

#: Largest plate written as a QuantStudio text export beside the RDML (the 384-well block).
QUANTSTUDIO_MAX_WELLS = 384


def _settings_log(command: str, args: argparse.Namespace, dataset: Dataset) -> list[dict[str, Any]]:
    settings = {k: (str(v) if isinstance(v, Path) else v)
                for k, v in sorted(vars(args).items()) if k not in ("handler", "out")}
    run = dataset.runs[0]
    return [
        {"event": "run_start", "command": command, "settings": settings, "simulated": True, "t_s": 0.0},
        {"event": "run_end", "status": "completed", "reactions": len(run.reactions),
         "partition_wells": len(run.partitions), "t_s": 0.0},
    ]


def export_quantstudio(dataset: Dataset, path: Path) -> Path | None:
    """Write ``path`` as a QuantStudio text export when the dataset is one run of at most 384 wells.

    Returns the path written, or ``None`` when the plate does not fit one export (nothing written).
    """
    if len(dataset.runs) != 1 or dataset.runs[0].plate.size > QUANTSTUDIO_MAX_WELLS:
        return None
    io.write(dataset, path, format="quantstudio-txt")
    return path


def _qpcr(args: argparse.Namespace) -> int:
    from chipdx.sim.qpcr import default_design, simulate_qpcr

    rng = np.random.default_rng(args.seed)
    design = default_design(rng=rng, chemistry=args.chemistry, plate_size=args.plate, n_cycles=args.cycles,
                            melt=args.melt)
    dataset, truth = simulate_qpcr(design, rng=rng)
    target: Path = args.out
    io.write(dataset, target)
    text = export_quantstudio(dataset, target.with_name(f"{target.stem}_quantstudio.txt"))
    write_records(target.parent / "truth.csv", truth)
    write_event_log(target.parent / LOG_NAME, _settings_log("simulate qpcr", args, dataset))
    out(f"wrote     {target} ({len(truth)} reactions, {args.cycles} cycles, simulated)")
    if text is not None:
        out(f"wrote     {text} (QuantStudio text export)")
    out(f"truth     {target.parent / 'truth.csv'}")
    return EXIT_OK


def _accepted_only(dataset: Dataset) -> Dataset:
    """The dataset with excluded (invalid) partitions dropped, as QuantaSoft exports accepted droplets only."""
    runs = []
    for run in dataset.runs:
        wells = []
        for well in run.partitions:
            if well.calls is None or well.amplitudes is None:
                wells.append(well)
                continue
            keep = ~np.any(well.calls == PartitionCall.EXCLUDED, axis=1)
            wells.append(dataclasses.replace(well, amplitudes=well.amplitudes[keep], calls=well.calls[keep]))
        runs.append(dataclasses.replace(run, partitions=tuple(wells)))
    return dataclasses.replace(dataset, runs=tuple(runs))


def export_qx_plate(dataset: Dataset, folder: Path) -> list[Path]:
    """Write the QX-style plate into ``folder``: one ``<run>_<Well>_Amplitude.csv`` per well and a results table.

    As QuantaSoft does, the amplitude files hold the accepted droplets only (invalid
    partitions are left out) and ``<run>_results.csv`` names the sample and target of
    every well x channel, so that reading the folder gives the RDML's samples and targets.

    Returns
    -------
    list of Path
        The files written, amplitude files first.
    """
    accepted = _accepted_only(dataset)
    io.write(accepted, folder, format="qx-amplitude")
    results = folder / f"{dataset.runs[0].id}_results.csv"
    io.write(accepted, results, format="qx-results")
    amplitude_files = [folder / f"{run.id}_{w.well.label[0]}{w.well.column + 1:02d}_Amplitude.csv"
                       for run in accepted.runs for w in run.partitions]
    return [*amplitude_files, results]


def _dpcr(args: argparse.Namespace) -> int:
    from chipdx.sim.dpcr import DROPLET, NANOPLATE, default_dpcr_design, simulate_dpcr

    rng = np.random.default_rng(args.seed)
    profile = DROPLET if args.profile == "droplet" else NANOPLATE
    dataset, truth = simulate_dpcr(default_dpcr_design(profile=profile), rng=rng)
    folder: Path = args.out
    if folder.exists() and not folder.is_dir():
        return fail(f"{folder}: expected an output folder, found a file")
    rdml = folder / "dpcr_plate.rdml"
    io.write(dataset, rdml)
    extra = export_qx_plate(dataset, folder) if profile is DROPLET else []
    write_records(folder / "truth.csv", truth, rename={"lambda_": "lambda"})
    write_event_log(folder / LOG_NAME, _settings_log("simulate dpcr", args, dataset))
    wells = len(dataset.runs[0].partitions)
    out(f"wrote     {rdml} ({wells} wells, {profile.name} profile, {profile.volume_nl} nL partitions, simulated)")
    if extra:
        out(f"wrote     {folder} ({len(extra) - 1} QX amplitude files <run>_<Well>_Amplitude.csv, {extra[-1].name})")
    out(f"truth     {folder / 'truth.csv'}")
    return EXIT_OK


def _faults(args: argparse.Namespace, rng: np.random.Generator, chip: Any) -> FaultPlan:
    from chipdx.sim.faults import FaultPlan, random_dead_electrodes

    dead = random_dead_electrodes(chip, args.dead_electrodes, rng=rng) if args.dead_electrodes else frozenset()
    return FaultPlan(dead_electrodes=dead, sticky_probability=args.sticky, air=args.air,
                     heater_overshoot_c=args.overshoot)


def _summary(execution: Execution) -> list[str]:
    faults = Counter(e["kind"] for e in execution.events if e["event"] == "fault")
    actions = Counter(e["action"] for e in execution.events if e["event"] == "recovery")
    lines = [f"run       {execution.protocol}: {execution.status} in {execution.duration_s / 60:.1f} min "
             f"(simulated time), {len(execution.completed_steps)} steps, {execution.replans} re-plans"]
    if faults:
        lines.append("faults    " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    if actions:
        lines.append("recovery  " + ", ".join(f"{k} {v}" for k, v in sorted(actions.items())))
    return lines


def _cartridge(args: argparse.Namespace) -> int:
    from chipdx.sim.cartridge import random_specimens, simulate_cartridge
    from chipdx.sim.chip import cartridge_chip

    rng = np.random.default_rng(args.seed)
    specimens = random_specimens(args.specimens, rng=rng)
    faults = _faults(args, rng, cartridge_chip(args.specimens))
    result = simulate_cartridge(specimens, rng=rng, faults=faults, cycles=args.cycles, melt=args.melt)
    folder: Path = args.out
    write_event_log(folder / LOG_NAME, result.execution.events)
    for line in _summary(result.execution):
        out(line)
    if result.dataset is None:
        return fail(f"cartridge run aborted: {result.execution.reason} (log: {folder / LOG_NAME})")
    rdml = folder / "cartridge.rdml"
    io.write(result.dataset, rdml)
    text = export_quantstudio(result.dataset, folder / "cartridge_quantstudio.txt")
    write_records(folder / "truth.csv", result.truth)
    out(f"wrote     {rdml} ({len(result.truth)} reactions, simulated)")
    if text is not None:
        out(f"wrote     {text} (QuantStudio text export)")
    out(f"truth     {folder / 'truth.csv'}")
    out(f"log       {folder / LOG_NAME}")
    return EXIT_OK


def _protocol(args: argparse.Namespace) -> int:
    from chipdx.sim.chip import default_chip
    from chipdx.sim.execute import execute
    from chipdx.sim.protocol import load_protocol, validate

    protocol = load_protocol(args.file)
    chip = default_chip()
    validate(protocol, chip, source=str(args.file))
    if args.check:
        out(f"valid     {args.file} ({len(protocol.steps)} steps)")
        return EXIT_OK
    rng = np.random.default_rng(args.seed)
    execution = execute(protocol, chip, rng=rng, faults=_faults(args, rng, chip))
    folder: Path = args.out
    write_event_log(folder / LOG_NAME, execution.events)
    for line in _summary(execution):
        out(line)
    out(f"log       {folder / LOG_NAME}")
    if execution.status != "completed":
        return fail(f"protocol aborted: {execution.reason}")
    out(json.dumps({"makespan_frames": execution.makespan_frames}))
    return EXIT_OK


def _fault_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dead-electrodes", type=int, default=0, metavar="K", help="K random dead electrodes")
    parser.add_argument("--sticky", type=float, default=0.0, metavar="P", help="chance a move sticks")
    parser.add_argument("--air", action="store_true", help="air-filled chip: evaporation while heated")
    parser.add_argument("--overshoot", type=float, default=0.0, metavar="C", help="extra heater overshoot, °C")


def add_commands(commands: Any) -> None:
    """Add ``simulate qpcr|dpcr|cartridge|protocol`` to the ``chipdx`` subparsers."""
    simulate = commands.add_parser("simulate", help="simulate runs on DLOC-Sim v1 (data + truth.csv + run log)")
    kinds = simulate.add_subparsers(dest="kind", metavar="KIND", required=True)
    qpcr = kinds.add_parser("qpcr", help="a qPCR plate with standards, unknowns and NTCs")
    qpcr.add_argument("--out", type=Path, required=True, help="output RDML file")
    qpcr.add_argument("--seed", type=int, default=0)
    qpcr.add_argument("--plate", type=int, choices=(96, 384), default=96)
    qpcr.add_argument("--cycles", type=int, default=40, choices=range(20, 51), metavar="20-50")
    qpcr.add_argument("--chemistry", choices=("probe", "dye"), default="probe")
    qpcr.add_argument("--melt", action="store_true", help="add melt curves (always on for dye chemistry)")
    qpcr.set_defaults(handler=_qpcr)
    dpcr = kinds.add_parser("dpcr", help="a QX-style 96-well dPCR plate")
    dpcr.add_argument("--out", type=Path, required=True, help="output folder")
    dpcr.add_argument("--seed", type=int, default=0)
    dpcr.add_argument("--profile", choices=("droplet", "nanoplate"), default="droplet")
    dpcr.set_defaults(handler=_dpcr)
    cartridge = kinds.add_parser("cartridge", help="extraction -> qPCR of specimens plus controls on the chip")
    cartridge.add_argument("--out", type=Path, required=True, help="output folder")
    cartridge.add_argument("--seed", type=int, default=0)
    cartridge.add_argument("--specimens", type=int, default=3, choices=range(1, 6), metavar="1-5")
    cartridge.add_argument("--cycles", type=int, default=40, choices=range(20, 51), metavar="20-50")
    cartridge.add_argument("--melt", action="store_true",
                           help="melt every PCR droplet on chip after cycling (65-95 °C) and write melt curves")
    _fault_options(cartridge)
    cartridge.set_defaults(handler=_cartridge)
    protocol = kinds.add_parser("protocol", help="check or run a YAML protocol on the default chip")
    protocol.add_argument("file", type=Path)
    protocol.add_argument("--out", type=Path, default=Path("."), help="folder for the run log")
    protocol.add_argument("--seed", type=int, default=0)
    protocol.add_argument("--check", action="store_true", help="only validate")
    _fault_options(protocol)
    protocol.set_defaults(handler=_protocol)
