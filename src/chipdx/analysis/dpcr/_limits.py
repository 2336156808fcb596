"""Limits of blank and detection for dPCR after CLSI EP17-A2.

* **LoB**, non-parametric: the 95th percentile of the blank results (EP17-A2
  rank ``0.5 + 0.95 B``, interpolated); parametric: ``mean + 1.645 SD``.
* **LoD**, parametric: ``LoB + c_p SD_L`` with ``SD_L`` the pooled SD of low-level
  samples and ``c_p = 1.645 / (1 - 1 / (4 (L - J)))`` (``L`` results from ``J``
  samples).
* The **Poisson floor**: 95 % detection of at least one positive partition needs
  ``-ln 0.05 = 3.0`` copies in the analysed volume.

Inputs are concentrations (copies/µL) from :func:`analyze`; CLSI EP17-A2
(2012), *Evaluation of Detection Capability for Clinical Laboratory Measurement
Procedures*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["limit_of_blank", "limit_of_detection", "poisson_detection_floor"]


def limit_of_blank(blanks: ArrayLike, *, method: Literal["nonparametric", "parametric"] = "nonparametric") -> float:
    """LoB from blank (NTC) concentrations.

    >>> limit_of_blank([0.0] * 18 + [0.07, 0.1])
    0.085
    """
    values = np.sort(np.asarray(blanks, dtype=np.float64))
    if values.size < 2:
        raise ValueError("a limit of blank needs at least 2 blank results")
    if method == "parametric":
        return float(values.mean() + 1.645 * values.std(ddof=1))
    rank = 0.5 + 0.95 * values.size  # 1-based rank, EP17-A2
    low = int(np.floor(rank))
    if low >= values.size:
        return float(values[-1])
    return float(values[low - 1] + (rank - low) * (values[low] - values[low - 1]))


def limit_of_detection(lob: float, low_samples: Sequence[ArrayLike]) -> float:
    """Parametric LoD from the LoB and replicate results of low-level samples.

    >>> round(limit_of_detection(0.1, [[1.0, 1.2, 0.8, 1.1], [2.0, 2.3, 1.8, 2.1]]), 3)
    0.427
    """
    groups = [np.asarray(g, dtype=np.float64) for g in low_samples]
    total = sum(g.size for g in groups)
    if total - len(groups) < 1:
        raise ValueError("a limit of detection needs replicates of the low-level samples")
    pooled_sd = np.sqrt(sum(((g - g.mean()) ** 2).sum() for g in groups) / (total - len(groups)))
    c_p = 1.645 / (1 - 1 / (4 * (total - len(groups))))
    return float(lob + c_p * pooled_sd)


def poisson_detection_floor(*, analysed_volume_ul: float, probability: float = 0.95) -> float:
    """Concentration (copies/µL) detected with ``probability`` by at least one positive partition.

    >>> round(poisson_detection_floor(analysed_volume_ul=15000 * 0.85e-3), 3)
    0.235
    """
    return float(-np.log(1 - probability) / analysed_volume_ul)
