"""The report step: an analysed (and possibly interpreted) dataset laid out and written as HTML or PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx import io
from chipdx.errors import UnsupportedError
from chipdx.pipeline._analysis import Analysis, assay_info

if TYPE_CHECKING:
    from chipdx.report import ReportData

__all__ = ["REPORT_SUFFIXES", "report_data", "write_report"]

REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def report_data(analysis: Analysis, *, title: str | None = None) -> ReportData:
    """The report's content (sections, tables, figures), stamped with the time it was generated."""
    from chipdx.report import build_report

    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return build_report(analysis.dataset, qpcr=[q.for_report() for q in analysis.qpcr], dpcr=analysis.dpcr,
                        results=analysis.results, assay=assay_info(analysis), title=title,
                        generated_at=f"generated {stamp} by chipdx")


def write_report(analysis: Analysis, path: Path, *, title: str | None = None) -> None:
    """Write the report of ``analysis`` to ``path`` (.html or .pdf), atomically."""
    from chipdx.report import render_html, render_pdf

    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise UnsupportedError(f"{path.name}: a report is .html or .pdf")
    report = report_data(analysis, title=title)
    content = render_pdf(report) if suffix == ".pdf" else render_html(report).encode()
    with io.atomic_output(path) as stream:
        stream.write(content)
