"""The report step: an analysed (and possibly interpreted) dataset laid out and written as HTML or PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx import io
from chipdx.errors import UnsupportedError
from chipdx.pipeline._analysis import Analysis, assay_info

if TYPE_CHECKING:
    from chipdx.report import ReportData, StandardCurvePanel

__all__ = ["REPORT_SUFFIXES", "report_data", "standard_curves", "write_report"]

REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def standard_curves(analysis: Analysis) -> list[StandardCurvePanel]:
    """A standard curve per run and target with standards of known input at two or more amplified levels."""
    import numpy as np

    from chipdx.analysis.qpcr.standard_curve import fit_standard_curve
    from chipdx.report import StandardCurvePanel

    panels = []
    for q in analysis.qpcr:
        table = q.table
        standards = table[(table["sample_type"] == "std") & table["quantity"].notna()]
        for target, group in standards.groupby("target", sort=False):
            cq, quantity = group["cq"].to_numpy(float), group["quantity"].to_numpy(float)
            try:
                curve = fit_standard_curve(cq, quantity)
            except ValueError:
                continue  # fewer than two amplified input levels: no curve to show
            panels.append(StandardCurvePanel(
                q.run.id, str(target), curve.slope, curve.intercept, (curve.efficiency - 1.0) * 100.0,
                curve.r_squared, curve.n_points, np.log10(quantity), cq))
    return panels


def report_data(analysis: Analysis, *, title: str | None = None, rdml_beside: str | None = None) -> ReportData:
    """The report's content (sections, tables, figures), stamped with the time it was generated.

    ``rdml_beside`` names the RDML export written beside the report, if any.
    """
    from chipdx.report import build_report

    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return build_report(analysis.dataset, qpcr=[q.for_report() for q in analysis.qpcr], dpcr=analysis.dpcr,
                        results=analysis.results, assay=assay_info(analysis),
                        standard_curves=standard_curves(analysis), rdml_beside=rdml_beside, title=title,
                        generated_at=f"generated {stamp} by chipdx")


def write_report(analysis: Analysis, path: Path, *, title: str | None = None, rdml_beside: str | None = None) -> None:
    """Write the report of ``analysis`` to ``path`` (.html or .pdf), atomically."""
    from chipdx.report import render_html, render_pdf

    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise UnsupportedError(f"{path.name}: a report is .html or .pdf")
    report = report_data(analysis, title=title, rdml_beside=rdml_beside)
    content = render_pdf(report) if suffix == ".pdf" else render_html(report).encode()
    with io.atomic_output(path) as stream:
        stream.write(content)
