"""``chipdx report IN... [--assay NAME|FILE] -o report.html|report.pdf``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, out, progress
from chipdx.cli._settings import add_manual_options, manual_settings

__all__ = ["add_commands"]


def _report(args: argparse.Namespace) -> int:
    from chipdx import pipeline

    with progress("analysing", total=3) as advance:
        dataset = pipeline.read_inputs(args.input)
        analysis = pipeline.analyze_with_settings(dataset, manual_settings(args))
        advance(1)
        if args.assay is not None:
            analysis = pipeline.interpret_dataset(analysis, pipeline.load_assay(args.assay))
        advance(1)
        pipeline.write_report(analysis, args.output, title=args.title)
        advance(1)
    review = sum(r.needs_review for r in analysis.results)
    out(f"wrote     {args.output} ({len(dataset.runs)} runs, {len(analysis.results)} samples interpreted, "
        f"{review} to review)")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``report`` to the ``chipdx`` subparsers."""
    report = commands.add_parser("report", help="a self-contained run report with plots (HTML or PDF)")
    report.add_argument("input", type=Path, nargs="+", help="one or more run files (any supported format)")
    report.add_argument("-o", "--output", type=Path, required=True, help="report.html or report.pdf")
    report.add_argument("--assay", default=None, help="interpret with this assay (name or YAML file)")
    report.add_argument("--title", default=None, help="report title (default: from the file name)")
    add_manual_options(report)
    report.set_defaults(handler=_report)
