"""One analysed qPCR run: the reactions table with the curves and thresholds it was read from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chipdx.interpret.classifier import CurveCalls
from chipdx.model import Run
from chipdx.report import QpcrResults

__all__ = ["QpcrRun"]


@dataclass(frozen=True, slots=True, eq=False)
class QpcrRun:
    """Everything computed for one qPCR run: reactions table, corrected curves, thresholds, calls, melt."""

    run: Run
    table: pd.DataFrame
    corrected: np.ndarray
    log10_threshold: np.ndarray
    curve_calls: CurveCalls
    melt: pd.DataFrame | None
    melt_temperature_c: np.ndarray | None = None
    melt_derivative: np.ndarray | None = None

    def for_report(self) -> QpcrResults:
        """The parts the report lays out."""
        return QpcrResults(self.run, self.table, self.corrected, self.log10_threshold,
                           self.melt_temperature_c, self.melt_derivative)
