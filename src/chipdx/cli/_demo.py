"""``chipdx demo``: the whole sample-to-answer story on the simulated chip, in seconds.

1. DLOC-Sim v1 runs a cartridge: three respiratory specimens plus extraction control, NTC
   and positive control go through magnetic-bead extraction and 4-plex qPCR on the chip.
2. The qPCR engine analyses the curves, the locked classifier calls them and the
   ``resp-4plex-demo`` decision table gives a result per specimen.
3. A dPCR plate quantifies the SARS-CoV-2 specimen, and an intercalating-dye plate with melt
   curves shows the specificity check.
4. One self-contained ``report.html`` shows it all; CSV results and calls sit beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from chipdx import io
from chipdx.cli._common import EXIT_OK, cell_text, csv_text, emit, fail, out, progress
from chipdx.model import Dataset, Dye, DyeChemistry, SampleType

__all__ = ["DEMO_ASSAY", "DEMO_SEED", "add_commands", "demo_datasets"]

DEMO_SEED = 2026
DEMO_ASSAY = "resp-4plex-demo"


def _sybr(dataset: Dataset) -> Dataset:
    """Name the intercalating-dye plate's channel SYBR, so it does not pose as the probe channels."""
    targets = tuple(dataclasses.replace(t, dye_id="SYBR") for t in dataset.targets)
    return dataclasses.replace(dataset, targets=targets, dyes=(Dye("SYBR", DyeChemistry.NON_SATURATING_DYE),))


def demo_datasets(seed: int = DEMO_SEED) -> tuple[Any, Dataset, Dataset]:
    """The cartridge result, the dPCR plate and the melt plate of the demo (same seed, same data)."""
    from chipdx.sim import simulate_cartridge, simulate_dpcr, simulate_qpcr
    from chipdx.sim.cartridge import Specimen
    from chipdx.sim.dpcr import DpcrDesign, DpcrWell
    from chipdx.sim.qpcr import default_design

    rng = np.random.default_rng(seed)
    loads = {"S1": {"SARS-CoV-2": 6000, "RNaseP": 12000}, "S2": {"FluA": 400, "RNaseP": 3000},
             "S3": {"RNaseP": 20000}}  # copies in the 20 µL put on the cartridge
    panel = ("FluA", "FluB", "SARS-CoV-2", "RNaseP")
    specimens = tuple(Specimen(name, tuple((t, load.get(t, 0)) for t in panel)) for name, load in loads.items())
    cartridge = simulate_cartridge(specimens, rng=rng)
    dpcr_wells = (DpcrWell("A1", "S1", SampleType.UNKNOWN, (("N1", 0.25), ("RPP30", 0.6))),
                  DpcrWell("A2", "S1", SampleType.UNKNOWN, (("N1", 0.025), ("RPP30", 0.06))),
                  DpcrWell("A3", "NTC", SampleType.NTC, ()),
                  DpcrWell("A4", "PC", SampleType.POSITIVE_CONTROL, (("N1", 0.4), ("RPP30", 0.4))))
    dpcr, _ = simulate_dpcr(DpcrDesign(1, 4, (("N1", "FAM"), ("RPP30", "HEX")), dpcr_wells,
                                       run_id="sim-dpcr-confirmation"), rng=rng)
    melt_design = dataclasses.replace(default_design(rng=rng, chemistry="dye", melt=True),
                                      run_id="sim-sybr-melt", description="simulated intercalating-dye plate")
    melt, _ = simulate_qpcr(melt_design, rng=rng)
    return cartridge, dpcr, _sybr(melt)


def _chip_calibration() -> Any:
    """dPCR settings with the chip's optical crosstalk calibration (FAM <-> HEX), as an instrument applies it."""
    from chipdx.analysis.dpcr import DpcrSettings
    from chipdx.sim.optics import CHANNELS, CROSSTALK

    fam, hex_ = CHANNELS.index("FAM"), CHANNELS.index("HEX")
    return DpcrSettings(crosstalk=(("HEX", "FAM", float(CROSSTALK[hex_, fam])),
                                   ("FAM", "HEX", float(CROSSTALK[fam, hex_]))))


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    emit(csv_text(header, rows), path)


def _table_csv(path: Path, frame: Any, columns: list[str]) -> None:
    _csv(path, columns, [[cell_text(v) for v in row] for row in frame[columns].itertuples(index=False)])


def _write_outputs(folder: Path, cartridge: Any, analysis: Any) -> dict[str, Path]:
    from chipdx.analysis.dpcr import RESULT_COLUMNS
    from chipdx.analysis.qpcr import COLUMNS
    from chipdx.cli._common import LOG_NAME, write_event_log
    from chipdx.cli._interpret import INTERPRET_COLUMNS, call_rows
    from chipdx.cli._qpcr import CALL_COLUMNS, reaction_rows
    from chipdx.io.records import write_records

    paths = {"run": folder / "cartridge.rdml", "truth": folder / "truth.csv", "log": folder / LOG_NAME,
             "results": folder / "qpcr_results.csv", "dpcr": folder / "dpcr_results.csv",
             "calls": folder / "calls.csv"}
    io.write(cartridge.dataset, paths["run"])
    write_records(paths["truth"], cartridge.truth)
    write_event_log(paths["log"], cartridge.execution.events)
    reactions = analysis.reactions
    _csv(paths["results"], [*COLUMNS, *CALL_COLUMNS],
         reaction_rows({c: reactions[c].tolist() for c in reactions.columns},
                       [str(c) for c in reactions["curve_call"]], [*COLUMNS, *CALL_COLUMNS]))
    _table_csv(paths["dpcr"], analysis.dpcr, list(RESULT_COLUMNS))
    _csv(paths["calls"], list(INTERPRET_COLUMNS), call_rows(analysis.results))
    return paths


def _demo(args: argparse.Namespace) -> int:
    from chipdx.pipeline import analyze_dataset, combine, interpret_dataset, load_assay, write_report

    start = time.perf_counter()
    folder = Path(args.out)
    with progress("demo", total=4) as advance:
        cartridge, dpcr, melt = demo_datasets(args.seed)
        advance(1)
        if cartridge.dataset is None:
            return fail(f"demo cartridge run aborted: {cartridge.execution.reason}")
        analysis = analyze_dataset(combine(cartridge.dataset, dpcr, melt), dpcr_settings=_chip_calibration())
        advance(1)
        analysis = interpret_dataset(analysis, load_assay(DEMO_ASSAY))
        paths = _write_outputs(folder, cartridge, analysis)
        advance(1)
        paths["report"] = folder / "report.html"
        write_report(analysis, paths["report"], title="DLOC-Sim v1 demo — respiratory cartridge run")
        advance(1)
    execution = cartridge.execution
    out(f"cartridge {execution.status} in {execution.duration_s / 60:.0f} min of chip time: "
        f"{len(execution.completed_steps)} steps (extraction -> 4-plex qPCR), simulated")
    out(f"assay     {DEMO_ASSAY}: " + ", ".join(f"{r.sample} ({r.sample_type}) {r.answer}" for r in analysis.results))
    if analysis.dpcr is not None:
        n1 = analysis.dpcr[analysis.dpcr["target"] == "N1"]
        out("dPCR      " + ", ".join(f"{w} {s} N1 {c:.0f} copies/µL" for w, s, c in
                                     zip(n1["well"], n1["sample"], n1["copies_per_ul"], strict=True)))
    out(f"time      {time.perf_counter() - start:.1f} s")
    out()
    out("outputs")
    for name in ("report", "calls", "results", "dpcr", "run", "truth", "log"):
        out(f"  {name:8s}{paths[name]}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``demo`` to the ``chipdx`` subparsers."""
    demo = commands.add_parser("demo", help="sample to answer on the simulated chip, with a report, in seconds")
    demo.add_argument("--out", default="chipdx-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="simulation seed (default: %(default)s)")
    demo.set_defaults(handler=_demo)
