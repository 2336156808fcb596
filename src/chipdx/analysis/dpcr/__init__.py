"""Digital PCR: classification of partitions, Poisson quantification, QC flags.

>>> from chipdx.analysis import dpcr
>>> est = dpcr.poisson_estimate([535], [12604], 0.85)
>>> round(float(est.copies_per_ul[0]), 1)
51.0
"""

from chipdx.analysis.dpcr._analyze import RESULT_COLUMNS, analyze, compensate
from chipdx.analysis.dpcr._combine import fractional_abundance, merge_replicates
from chipdx.analysis.dpcr._layout import LayoutRow
from chipdx.analysis.dpcr._limits import limit_of_blank, limit_of_detection, poisson_detection_floor
from chipdx.analysis.dpcr._plate import PlateMatrix, plate_matrix
from chipdx.analysis.dpcr._qc import DPCR_FLAG_DESCRIPTIONS, DpcrFlag, DpcrSettings
from chipdx.analysis.dpcr._quadrants import quadrant_counts
from chipdx.analysis.dpcr._quantify import (
    CiMethod,
    PoissonEstimate,
    classification_interval,
    poisson_estimate,
    proportion_interval,
)
from chipdx.analysis.dpcr._spill import Correction, Spill, estimate_spill, remove_spill, subtract_spill
from chipdx.analysis.dpcr._threshold import ThresholdFit, fit_threshold

__all__ = [
    "DPCR_FLAG_DESCRIPTIONS",
    "RESULT_COLUMNS",
    "CiMethod",
    "Correction",
    "DpcrFlag",
    "DpcrSettings",
    "LayoutRow",
    "PlateMatrix",
    "PoissonEstimate",
    "Spill",
    "ThresholdFit",
    "analyze",
    "classification_interval",
    "compensate",
    "estimate_spill",
    "fit_threshold",
    "fractional_abundance",
    "limit_of_blank",
    "limit_of_detection",
    "merge_replicates",
    "plate_matrix",
    "poisson_detection_floor",
    "poisson_estimate",
    "proportion_interval",
    "quadrant_counts",
    "remove_spill",
    "subtract_spill",
]
