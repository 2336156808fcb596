"""``chipdx report IN... [--assay NAME|FILE] -o report.html|report.pdf`` and the report step of the demo."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from chipdx import io
from chipdx.cli._common import EXIT_OK, out, progress
from chipdx.errors import UnsupportedError
from chipdx.model import Dataset

__all__ = ["add_commands", "analyze_and_report", "write_report"]


def write_report(analysis: Any, path: Path, *, title: str | None = None) -> None:
    """Lay out an analysed (and possibly interpreted) dataset and write it as HTML or PDF, atomically."""
    from chipdx.cli._pipeline import assay_info
    from chipdx.report import build_report, render_html, render_pdf

    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    report = build_report(analysis.dataset, qpcr=[q.for_report() for q in analysis.qpcr], dpcr=analysis.dpcr,
                          results=analysis.results, assay=assay_info(analysis), title=title,
                          generated_at=f"generated {stamp} by chipdx")
    suffix = path.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise UnsupportedError(f"{path.name}: a report is .html or .pdf")
    content = render_pdf(report) if suffix == ".pdf" else render_html(report).encode()
    with io.atomic_output(path) as stream:
        stream.write(content)


def analyze_and_report(dataset: Dataset, path: Path, *, assay: str | None, title: str | None = None) -> Any:
    """Analyse ``dataset`` end to end, interpret it with ``assay`` when given, write the report."""
    from chipdx.cli._interpret import load_assay_spec
    from chipdx.cli._pipeline import analyze_dataset, interpret_dataset

    with progress("analysing", total=3) as advance:
        analysis = analyze_dataset(dataset)
        advance(1)
        if assay is not None:
            analysis = interpret_dataset(analysis, load_assay_spec(assay))
        advance(1)
        write_report(analysis, path, title=title)
        advance(1)
    return analysis


def _report(args: argparse.Namespace) -> int:
    from chipdx.cli._pipeline import combine

    datasets = [io.read(path) for path in args.input]
    dataset = datasets[0] if len(datasets) == 1 else combine(*datasets)
    analysis = analyze_and_report(dataset, args.output, assay=args.assay, title=args.title)
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
    report.set_defaults(handler=_report)
