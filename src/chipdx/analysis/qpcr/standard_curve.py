"""Standard curves: Cq against log10 of the known input, absolute quantities, probit LoD.

The regression is ordinary least squares of Cq on log10(quantity) over the
amplified standards (MIQE, Bustin et al. 2009): efficiency ``E = 10**(-1/slope)``.
The limit of detection is the input at which 95 % of replicates amplify, from a
probit fit of detection against log10(quantity) (Forootan et al. 2017; CLSI EP17),
computed only when replicates and partial detection allow it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.stats import norm

__all__ = ["StandardCurve", "efficiency_mismatch", "fit_standard_curve", "quantify"]


@dataclass(frozen=True, slots=True)
class StandardCurve:
    """A fitted standard curve: ``cq = intercept + slope * log10(quantity)``.

    ``linear_range`` is the (lowest, highest) input whose replicates all amplified and
    whose mean Cq lies within 0.5 cycle of the line; ``lod`` is ``None`` when the data
    do not allow a probit fit.
    """

    slope: float
    intercept: float
    efficiency: float
    r_squared: float
    n_points: int
    n_levels: int
    linear_range: tuple[float, float]
    lod: float | None
    method: str = "OLS of Cq on log10(quantity); E = 10^(-1/slope); LoD95 by probit"


def _probit_lod(log_q: NDArray[np.float64], detected: NDArray[np.bool_]) -> float | None:
    levels = np.unique(log_q)
    rates = np.array([detected[log_q == level].mean() for level in levels])
    counts = np.array([np.sum(log_q == level) for level in levels])
    if levels.size < 2 or counts.max() < 2 or not np.any((rates > 0) & (rates < 1)):
        return None

    def loss(theta: NDArray[np.float64]) -> float:
        p = np.clip(norm.cdf(theta[0] + theta[1] * log_q), 1e-9, 1 - 1e-9)
        return float(-np.sum(np.where(detected, np.log(p), np.log1p(-p))))

    fit = minimize(loss, np.array([0.0, 1.0]), method="Nelder-Mead")
    a, b = (float(v) for v in fit.x)
    if not fit.success or b <= 0:
        return None
    return float(10 ** ((norm.ppf(0.95) - a) / b))


def fit_standard_curve(cq: NDArray[np.float64], quantity: NDArray[np.float64]) -> StandardCurve:
    """Fit a standard curve to standards' Cq (``NaN`` = not amplified) and known inputs.

    >>> q = np.repeat([1e2, 1e3, 1e4, 1e5], 3)
    >>> curve = fit_standard_curve(35.0 - 3.32 * np.log10(q), q)
    >>> round(curve.efficiency, 2), curve.linear_range
    (2.0, (100.0, 100000.0))
    """
    cq = np.asarray(cq, dtype=np.float64)
    quantity = np.asarray(quantity, dtype=np.float64)
    known = np.isfinite(quantity) & (quantity > 0)
    log_q = np.log10(quantity[known])
    values = cq[known]
    ok = np.isfinite(values)
    if np.unique(log_q[ok]).size < 2:
        raise ValueError("a standard curve needs amplified standards at two or more input levels")
    slope, intercept = np.polyfit(log_q[ok], values[ok], 1)
    predicted = intercept + slope * log_q[ok]
    total = np.sum((values[ok] - values[ok].mean()) ** 2)
    r2 = 1.0 - np.sum((values[ok] - predicted) ** 2) / total if total > 0 else 1.0
    in_range = []
    for level in np.unique(log_q):
        at = log_q == level
        if np.all(ok[at]) and abs(np.mean(values[at]) - (intercept + slope * level)) <= 0.5:
            in_range.append(level)
    linear = (float(10 ** min(in_range)), float(10 ** max(in_range))) if in_range else (np.nan, np.nan)
    return StandardCurve(slope=float(slope), intercept=float(intercept), efficiency=float(10 ** (-1 / slope)),
                         r_squared=float(r2), n_points=int(ok.sum()), n_levels=int(np.unique(log_q[ok]).size),
                         linear_range=linear, lod=_probit_lod(log_q, ok))


def quantify(cq: NDArray[np.float64], curve: StandardCurve) -> NDArray[np.float64]:
    """Absolute input of each reaction from its Cq (``NaN`` stays ``NaN``)."""
    return np.asarray(np.power(10.0, (np.asarray(cq, dtype=np.float64) - curve.intercept) / curve.slope))


def efficiency_mismatch(curve: StandardCurve, curve_efficiency: float, *, tolerance: float = 0.03) -> bool:
    """``True`` when the dilution-series and the curve-derived efficiencies differ by more than ``tolerance``.

    Such a gap compresses or stretches ratios computed without a standard curve (the bias
    measured in the Ruijter 2013 benchmark); report it as a warning.
    """
    return bool(abs(curve.efficiency - curve_efficiency) > tolerance)
