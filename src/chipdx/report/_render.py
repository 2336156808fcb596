"""Render a :class:`~chipdx.report.ReportData` as one self-contained HTML file or a PDF.

HTML: one file, figures inlined as SVG data URIs, no external resources (no fonts,
scripts or stylesheets fetched). PDF: the same HTML laid out by WeasyPrint, a real
HTML-to-PDF engine. Same report data, same bytes, apart from the timestamp line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import jinja2

from chipdx.extras import require
from chipdx.report._data import ReportData
from chipdx.report._figures import (
    amplification_svg,
    call_colour,
    droplet_svg,
    melt_svg,
    plate_map_svg,
    standard_curve_svg,
)

__all__ = ["render_html", "render_pdf"]

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("chipdx.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class _Figures:
    plate: str
    curves: tuple[str, ...]
    melts: tuple[str, ...]
    droplets: tuple[str, ...]
    standard_curves: tuple[str, ...]


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _figures(report: ReportData) -> _Figures:
    return _Figures(
        plate=_data_uri(plate_map_svg(report.plate)) if report.plate else "",
        curves=tuple(_data_uri(amplification_svg(p)) for p in report.curves),
        melts=tuple(_data_uri(melt_svg(p)) for p in report.melts),
        droplets=tuple(_data_uri(droplet_svg(p)) for p in report.droplets),
        standard_curves=tuple(_data_uri(standard_curve_svg(p)) for p in report.standard_curves),
    )


def render_html(report: ReportData) -> str:
    """The report as one self-contained HTML document."""
    template = _ENVIRONMENT.get_template("report.html.j2")
    return template.render(report=report, figures=_figures(report), colour=call_colour)


def render_pdf(report: ReportData) -> bytes:
    """The report as PDF (A4), laid out from the same HTML by WeasyPrint."""
    weasyprint = require("weasyprint", extra="pdf", feature="PDF reports")  # heavy: only for PDF output

    document = weasyprint.HTML(string=render_html(report), base_url=None)
    return bytes(document.write_pdf(pdf_identifier=b"chipdx-report", uncompressed_pdf=False))
