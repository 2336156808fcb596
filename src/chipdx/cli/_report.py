"""``chipdx report IN... [--assay NAME|FILE] -o report.html|report.pdf`` (IN: run files, or Cq tables)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, out, progress
from chipdx.cli._settings import add_layout_option, add_manual_options, layout_of, manual_settings, uses_manual
from chipdx.errors import UnsupportedError

__all__ = ["add_commands"]


def _report(args: argparse.Namespace) -> int:
    from chipdx import pipeline

    tables = [path for path in args.input if pipeline.is_table(path, pipeline.CQ_TABLE_COLUMNS)]
    if tables:
        return _table_report(args, tables)
    with progress("analysing", total=3) as advance:
        dataset = pipeline.read_inputs(args.input)
        layout = layout_of(args)
        dataset = layout.apply(dataset) if layout is not None else dataset
        analysis = pipeline.analyze_with_settings(dataset, manual_settings(args))
        advance(1)
        if args.assay is not None:
            analysis = pipeline.interpret_dataset(analysis, pipeline.load_assay(args.assay))
        advance(1)
        pipeline.write_report(analysis, args.output, title=args.title)
        advance(1)
    _wrote(args, analysis, f"{len(dataset.runs)} runs")
    return EXIT_OK


def _wrote(args: argparse.Namespace, analysis: Any, what: str) -> None:
    review = sum(r.needs_review for r in analysis.results)
    out(f"wrote     {args.output} ({what}, {len(analysis.results)} samples interpreted, {review} to review)")


def _table_report(args: argparse.Namespace, tables: list[Path]) -> int:
    """A report of Cq tables: no curves; the calls rest on the tables' Cq, read as the instrument's."""
    from chipdx import pipeline

    names = ", ".join(str(path) for path in tables)
    if len(tables) != len(args.input):
        raise UnsupportedError(f"{names}: Cq tables and run files cannot share a report: give one kind")
    if args.assay is None:
        raise UnsupportedError(f"{names}: a Cq table has no curves to show: give --assay to report its calls")
    if uses_manual(args):
        raise UnsupportedError(f"{names}: a Cq table has no curves to re-read: --threshold and --baseline need a "
                               "run file")
    if args.layout is not None:
        raise UnsupportedError(f"{names}: a Cq table names its samples itself: --layout is for run files")
    analysis = pipeline.table_analysis(tables, pipeline.load_assay(args.assay))
    pipeline.write_report(analysis, args.output, title=args.title)
    _wrote(args, analysis, f"{len(tables)} Cq table{'s' if len(tables) > 1 else ''}, no curves")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``report`` to the ``chipdx`` subparsers."""
    report = commands.add_parser("report", help="a self-contained run report with plots (HTML or PDF)")
    report.add_argument("input", type=Path, nargs="+",
                        help="one or more run files (any supported format), or Cq tables (sample,sample_type,"
                             "target,cq; with --assay): a table has no curves, its Cq is read as the instrument's")
    report.add_argument("-o", "--output", type=Path, required=True, help="report.html or report.pdf")
    report.add_argument("--assay", default=None, help="interpret with this assay (name or YAML file)")
    report.add_argument("--title", default=None, help="report title (default: from the file name)")
    add_manual_options(report)
    add_layout_option(report)
    report.set_defaults(handler=_report)
