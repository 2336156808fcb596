"""Reports for people: a self-contained HTML page (and PDF) with plots, tables and calls.

The report layer lays out results that analysis and interpretation computed; it
never computes results itself.
"""

from chipdx.report._build import AssayInfo, QpcrResults, build_report
from chipdx.report._checklist import miqe_checklist
from chipdx.report._data import (
    ChecklistItem,
    ControlCheck,
    CurvePanel,
    DropletPanel,
    FlagNote,
    MeltPanel,
    PlateCell,
    PlateMap,
    ReportData,
    SampleAnswer,
    StandardCurvePanel,
    Table,
)
from chipdx.report._render import render_html, render_pdf

__all__ = [
    "AssayInfo",
    "ChecklistItem",
    "ControlCheck",
    "CurvePanel",
    "DropletPanel",
    "FlagNote",
    "MeltPanel",
    "PlateCell",
    "PlateMap",
    "QpcrResults",
    "ReportData",
    "SampleAnswer",
    "StandardCurvePanel",
    "Table",
    "build_report",
    "miqe_checklist",
    "render_html",
    "render_pdf",
]
