"""The one composition of chipdx: read -> analyse -> classify -> interpret -> report data.

Every entry point (``cli``, ``service``, ``batch``) calls these functions and nothing below
them composes steps, so every entry point gives the same answer on the same input.

Examples
--------
>>> from chipdx import pipeline
>>> dataset = pipeline.read_inputs([path])                        # doctest: +SKIP
>>> analysis = pipeline.analyze_dataset(dataset)                   # doctest: +SKIP
>>> analysis = pipeline.interpret_dataset(analysis, pipeline.load_assay("cdc-2019-ncov"))  # doctest: +SKIP
>>> pipeline.write_report(analysis, Path("report.html"))           # doctest: +SKIP
"""

from chipdx.pipeline._analysis import (
    Analysis,
    QpcrRun,
    analyze_dataset,
    assay_info,
    assay_observations,
    interpret_dataset,
    qpcr_observations,
)
from chipdx.pipeline._classify import ClassifiedCurves, classify_file, reaction_curve_calls
from chipdx.pipeline._inputs import combine, load_assay, read_inputs
from chipdx.pipeline._interpret import (
    CQ_TABLE_COLUMNS,
    CQ_TABLE_FORMAT,
    interpret_file,
    interpret_files,
    is_table,
    table_analysis,
)
from chipdx.pipeline._layout import Layout, apply_layout
from chipdx.pipeline._manual import ManualSettings, analyze_with_settings, apply_manual, exclude_wells
from chipdx.pipeline._records import ResultSet, result_records
from chipdx.pipeline._report import REPORT_SUFFIXES, report_data, standard_curves, write_report

__all__ = [
    "CQ_TABLE_COLUMNS",
    "CQ_TABLE_FORMAT",
    "REPORT_SUFFIXES",
    "Analysis",
    "ClassifiedCurves",
    "Layout",
    "ManualSettings",
    "QpcrRun",
    "ResultSet",
    "analyze_dataset",
    "analyze_with_settings",
    "apply_layout",
    "apply_manual",
    "assay_info",
    "assay_observations",
    "classify_file",
    "combine",
    "exclude_wells",
    "interpret_dataset",
    "interpret_file",
    "interpret_files",
    "is_table",
    "load_assay",
    "qpcr_observations",
    "reaction_curve_calls",
    "read_inputs",
    "report_data",
    "result_records",
    "standard_curves",
    "table_analysis",
    "write_report",
]
