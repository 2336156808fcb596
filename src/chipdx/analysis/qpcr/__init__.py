"""Real-time qPCR analysis: baseline, amplification call, Cq, efficiency, N0, standard curves,
relative quantification and melt curves — vectorised over the (reactions x cycles) matrix.

See ``docs/qpcr.md`` for the algorithms, their citations and the QC flag codes.
"""

from chipdx.analysis.qpcr.amplicon import AmpliconAnalysis, analyze_amplicons
from chipdx.analysis.qpcr.curves import CurveAnalysis, CurveParameters, analyze_curves
from chipdx.analysis.qpcr.flags import FLAG_DESCRIPTIONS, QcFlag, decode
from chipdx.analysis.qpcr.table import COLUMNS, analyze, analyze_detailed, analyze_run, reaction_columns

__all__ = [
    "COLUMNS",
    "FLAG_DESCRIPTIONS",
    "AmpliconAnalysis",
    "CurveAnalysis",
    "CurveParameters",
    "QcFlag",
    "analyze",
    "analyze_amplicons",
    "analyze_curves",
    "analyze_detailed",
    "analyze_run",
    "decode",
    "reaction_columns",
]
