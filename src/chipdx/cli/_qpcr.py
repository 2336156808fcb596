"""qPCR commands: ``chipdx qpcr analyze | melt | standard-curve | relative``.

The analysis stack (pandas, scipy) is imported inside the handlers, so that other
commands (``--version``, ``info``, ...) start without it.
"""

from __future__ import annotations

import argparse
import io as _stdio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chipdx import io
from chipdx.cli._common import EXIT_OK, cell_text, csv_text, emit, note, out, require_known, require_reactions
from chipdx.cli._settings import (
    add_layout_option,
    add_manual_options,
    layout_of,
    manual_settings,
    target_pair,
    uses_manual,
)
from chipdx.errors import UnsupportedError
from chipdx.model import Dataset

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CALL_COLUMNS", "add_commands", "reaction_rows"]

_CQ_COLUMNS = {"sdm": "cq", "cy0": "cq_cy0", "threshold": "cq_threshold"}


def _write_text(text: str, output: Path | None, rows: int) -> None:
    emit(text, output)
    if output is not None:
        out(f"wrote     {output} ({rows} rows)")


def _emit(frame: pd.DataFrame, output: Path | None) -> None:
    buffer = _stdio.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6g", lineterminator="\n")
    _write_text(buffer.getvalue(), output, len(frame))


#: Added after the SPEC §7 columns: the classifier's call, the final call a lab acts on, efficiency in %.
CALL_COLUMNS = ("ai_call", "call", "efficiency_pct")


def reaction_rows(columns: Mapping[str, Sequence[Any]], curve_calls: Sequence[str | None],
                  names: Sequence[str]) -> list[list[str]]:
    """Rows of ``names`` (SPEC §7 columns, then :data:`CALL_COLUMNS`, then any detail columns).

    ``call`` is the engine's Cq read through the classifier (:func:`~chipdx.interpret.calls.reaction_call`):
    a Cq on a curve the classifier calls not amplified does not make the reaction amplified.
    """
    from chipdx.interpret.calls import reaction_call

    cq = [float(v) for v in columns["cq"]]
    derived = {"ai_call": [c or "" for c in curve_calls],
               "call": [reaction_call(q, c) for q, c in zip(cq, curve_calls, strict=True)],
               "efficiency_pct": [(float(e) - 1.0) * 100.0 for e in columns["efficiency"]]}
    values = [derived[name] if name in derived else list(columns[name]) for name in names]
    return [[cell_text(v) for v in row] for row in zip(*values, strict=True)]


def _read(args: argparse.Namespace, *, melt: bool = True) -> Dataset:
    """The input files as one dataset (runs that two files name alike told apart by file), each checked first,
    named by ``--layout`` when given."""
    from chipdx.pipeline import combine

    datasets = []
    for path in args.input:
        dataset = io.read(path, melt=melt)
        require_reactions(dataset, path)
        datasets.append(dataset)
    dataset = datasets[0] if len(datasets) == 1 else combine(*datasets)
    layout = layout_of(args)
    return layout.apply(dataset) if layout is not None else dataset


def _names(args: argparse.Namespace) -> str:
    return ", ".join(str(path) for path in args.input)


def _file_column(frame: pd.DataFrame, dataset: Dataset, several: bool) -> pd.DataFrame:
    """``frame`` with a ``file`` column (from its ``run`` column) when several files were given."""
    if several:
        sources = {run.id: run.source for run in dataset.runs}
        frame["file"] = [sources.get(str(run)) for run in frame["run"]]
    return frame


def _analyze(args: argparse.Namespace) -> int:
    from chipdx.analysis.qpcr.table import COLUMNS, DETAIL_COLUMNS, REPORTED_COLUMNS, analyze_columns
    from chipdx.pipeline import reaction_curve_calls

    dataset = _read(args, melt=False)
    base: tuple[str, ...] = COLUMNS
    if all(run.amplification is None for run in dataset.runs):
        note(f"{_names(args)}: no amplification curves in the file: chipdx's own Cq is empty, the instrument's "
             "reported Cq is in column instrument_cq")
        base = REPORTED_COLUMNS
    detail = tuple(c for c in DETAIL_COLUMNS if c not in base) if args.detailed else ()
    names = (*base, *CALL_COLUMNS, *detail)
    if uses_manual(args):  # re-read at the reviewer's threshold / baseline: the pipeline's one manual path
        from chipdx.pipeline import analyze_with_settings

        reactions = analyze_with_settings(dataset, manual_settings(args)).reactions
        columns = {name: reactions[name].to_numpy() for name in reactions.columns}
        calls: list[str | None] = [str(c) for c in reactions["curve_call"]]
    else:
        columns = analyze_columns(dataset)
        calls = reaction_curve_calls(dataset)
    if len(args.input) > 1:
        names = (*names, "file")
        sources = {run.id: run.source for run in dataset.runs}
        columns["file"] = np.asarray([sources.get(str(run)) for run in columns["run"]], dtype=object)
    rows = reaction_rows({k: v.tolist() for k, v in columns.items()}, calls, names)
    _write_text(csv_text(names, rows), args.output, len(rows))
    return EXIT_OK


def _tm_window(value: str) -> tuple[str, tuple[float, float]]:
    """``TARGET=LOW:HIGH`` (°C) for ``--tm-window``."""
    return target_pair(value, separator=":", number=float, form="TARGET=LOW:HIGH in °C",
                       rule="TARGET=LOW:HIGH with LOW < HIGH", valid=lambda a, b: a < b)


def _windows(args: argparse.Namespace, dataset: Dataset) -> dict[str, tuple[float, float]]:
    """Expected Tm windows: ``--tm-window`` first, then the file's target Tm +- ``--tm-tolerance``."""
    known = {t.id for t in dataset.targets}
    windows = dict(args.tm_window or [])
    unknown = sorted(set(windows) - known)
    if unknown:
        raise UnsupportedError(f"{_names(args)}: --tm-window names target(s) not in the file: {', '.join(unknown)}")
    if args.tm_tolerance is not None:
        for target in dataset.targets:
            if target.id not in windows and target.melting_temperature_c is not None:
                tm = target.melting_temperature_c
                windows[target.id] = (tm - args.tm_tolerance, tm + args.tm_tolerance)
    return windows


def _melt(args: argparse.Namespace) -> int:
    import pandas as pd

    from chipdx.analysis.qpcr.melt import analyze_melt, tm_windows

    dataset = _read(args)
    windows = _windows(args, dataset)
    frames = []
    for run in dataset.runs:
        if run.melt is None:
            continue
        window = tm_windows([r.target_id for r in run.reactions], windows) if windows else None
        result = analyze_melt(run.melt.temperature_c, run.melt.fluorescence, tm_window=window)
        result.insert(0, "target", [r.target_id for r in run.reactions])
        result.insert(0, "sample", [r.sample_id for r in run.reactions])
        result.insert(0, "well", [r.well.label for r in run.reactions])
        result.insert(0, "run", run.id)
        frames.append(result[~np.all(np.isnan(run.melt.fluorescence), axis=1)])
    if not frames:
        raise UnsupportedError(f"{_names(args)}: no melt curves in the file")
    _emit(_file_column(pd.concat(frames, ignore_index=True), dataset, len(args.input) > 1), args.output)
    return EXIT_OK


def _standard_curve(args: argparse.Namespace) -> int:
    import pandas as pd

    from chipdx.analysis.qpcr import analyze_detailed
    from chipdx.analysis.qpcr.standard_curve import efficiency_mismatch, fit_standard_curve

    dataset = _read(args, melt=False)
    table = analyze_detailed(dataset)
    rows: list[dict[str, Any]] = []
    standards = table[(table["sample_type"] == "std") & table["quantity"].notna()]
    if standards.empty:
        raise UnsupportedError(f"{_names(args)}: no standards with a known quantity")
    for (run, target), group in standards.groupby(["run", "target"], sort=False):
        cq = group[_CQ_COLUMNS[args.cq]].to_numpy(float)
        try:
            curve = fit_standard_curve(cq, group["quantity"].to_numpy(float))
        except ValueError:
            continue  # fewer than two amplified input levels: no curve for this target
        amplicon = float(np.nanmedian(group["amplicon_efficiency"]))
        rows.append({"run": run, "target": target, "cq": args.cq, "slope": curve.slope, "intercept": curve.intercept,
                     "efficiency": curve.efficiency, "r_squared": curve.r_squared, "n_points": curve.n_points,
                     "range_low": curve.linear_range[0], "range_high": curve.linear_range[1], "lod": curve.lod,
                     "amplicon_efficiency": amplicon,
                     "flags": "QC-EFFICIENCY-MISMATCH" if efficiency_mismatch(curve, amplicon) else ""})
    if not rows:
        raise UnsupportedError(f"{_names(args)}: a standard curve needs amplified standards at two or more input "
                               "levels")
    _emit(_file_column(pd.DataFrame(rows), dataset, len(args.input) > 1), args.output)
    return EXIT_OK


def _relative(args: argparse.Namespace) -> int:
    from chipdx.analysis.qpcr import analyze_detailed
    from chipdx.analysis.qpcr.relative import genorm_stability, relative_quantities

    table = analyze_detailed(_read(args, melt=False))
    require_known("--reference", args.reference, table["target"], _names(args))
    if args.calibrator is not None:
        require_known("--calibrator", [args.calibrator], table["sample"], _names(args), kind="sample")
    efficiencies: dict[str, float] | None = None
    if args.efficiency == "amplicon":
        medians = table.groupby("target")["amplicon_efficiency"].median().dropna()
        efficiencies = {str(k): float(v) for k, v in medians.items()}
    try:
        result = relative_quantities(table, references=args.reference, calibrator=args.calibrator,
                                     efficiencies=efficiencies)
    except ValueError as exc:
        raise UnsupportedError(f"{_names(args)}: {exc}") from None
    if len(args.reference) > 2:
        stability = genorm_stability(table, references=args.reference)
        out("# geNorm M: " + ", ".join(f"{gene} {value:.3f}" for gene, value in stability.items()))
    _emit(result, args.output)
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``qpcr analyze | melt | standard-curve | relative`` to the ``chipdx`` subparsers."""
    qpcr = commands.add_parser("qpcr", help="real-time qPCR analysis (Cq, efficiency, N0, melt, quantities)")
    sub = qpcr.add_subparsers(dest="qpcr_command", metavar="COMMAND", required=True)
    specs = (("analyze", "one row per reaction: Cq, efficiency, N0, amplification call, QC flags", _analyze),
             ("melt", "melt-curve Tm and product flags per reaction", _melt),
             ("standard-curve", "standard curve per run and target from the standards", _standard_curve),
             ("relative", "relative quantities (delta-delta-Cq or Pfaffl) against reference genes", _relative))
    for name, text, handler in specs:
        command = sub.add_parser(name, help=text, description=text)
        command.add_argument("input", type=Path, nargs="+",
                             help="run files (any supported format); with several, a file column tells them apart")
        command.add_argument("-o", "--output", type=Path, default=None, help="CSV output (default: stdout)")
        command.set_defaults(handler=handler)
        if name == "standard-curve":
            command.add_argument("--cq", choices=sorted(_CQ_COLUMNS), default="sdm",
                                 help="quantification point: second-derivative maximum (default), Cy0, or "
                                      "LinRegPCR threshold")
        if name == "analyze":
            command.add_argument("--detailed", action="store_true",
                                 help="add ncopy (copies from N0 and the run's standards), the threshold Cq, "
                                      "Cy0, efficiencies, baseline, amplitude and noise columns")
            add_manual_options(command)
            add_layout_option(command)
        if name == "melt":
            command.add_argument("--tm-window", action="append", type=_tm_window, metavar="TARGET=LOW:HIGH",
                                 help="expected Tm range of a target in °C (repeat per target); a Tm outside "
                                      "it gets QC-MELT-TM-OUT-OF-RANGE")
            command.add_argument("--tm-tolerance", type=float, default=None, metavar="DEG",
                                 help="for targets without --tm-window: the file's expected Tm (RDML "
                                      "meltingTemperature) +- DEG °C")
        if name == "relative":
            command.add_argument("--reference", action="append", required=True, metavar="GENE",
                                 help="reference gene target (repeat for several)")
            command.add_argument("--calibrator", default=None, help="calibrator sample (default: first by name)")
            command.add_argument("--efficiency", choices=["2", "amplicon"], default="2",
                                 help="2 = delta-delta-Cq; amplicon = Pfaffl with each amplicon's mean efficiency")
