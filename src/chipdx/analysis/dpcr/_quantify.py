"""Poisson quantification of digital PCR counts, vectorised over wells x targets.

The mean copies per partition is ``lambda = -ln(1 - k/n)`` for ``k`` positive out
of ``n`` accepted partitions, and the concentration is ``lambda / V`` (Dube et
al. 2008, *Anal. Chem.* 80:7148; dMIQE Group 2020, *Clin. Chem.* 66:1012). A 95 %
interval for ``p = k/n`` is mapped through the same monotone transform:

* ``wilson`` (default): Wilson score interval;
* ``exact``: Clopper-Pearson (beta quantiles), conservative;
* ``quantasoft``: Wald on ``p`` (Dube 2008) as QuantaSoft prints it for about 100
  positives and more; below 100 positives the Jeffreys interval, and ``3/(n V)`` as
  the upper bound at ``k = 0``, which is how QuantaSoft's low-count intervals
  behave on its own exports (see ``docs/dpcr.md``).

An optional partition-volume coefficient of variation widens the interval on the
log scale (delta method, as dpcR's "bhat").
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["CiMethod", "PoissonEstimate", "classification_interval", "poisson_estimate", "proportion_interval"]

CiMethod = Literal["wilson", "exact", "quantasoft"]
_Z95 = NormalDist().inv_cdf(0.975)  # scipy is imported only for the beta-quantile intervals


def proportion_interval(k: ArrayLike, n: ArrayLike, *, method: CiMethod = "wilson",
                        confidence: float = 0.95) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two-sided interval for a binomial proportion, elementwise.

    >>> low, high = proportion_interval([0, 50], [100, 100])
    >>> [round(float(x), 4) for x in low], [round(float(x), 4) for x in high]
    ([0.0, 0.4038], [0.037, 0.5962])
    """
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        if method == "wilson":
            centre = (p + z * z / (2 * n_arr)) / (1 + z * z / n_arr)
            half = z * np.sqrt(p * (1 - p) / n_arr + z * z / (4 * n_arr * n_arr)) / (1 + z * z / n_arr)
            low, high = centre - half, centre + half
            low = np.where(k_arr == 0, 0.0, low)
            high = np.where(k_arr == n_arr, 1.0, high)
        elif method == "exact":
            from scipy import special  # heavy: only the beta-quantile intervals need it

            alpha = 1 - confidence
            low = np.where(k_arr > 0, special.betaincinv(k_arr, n_arr - k_arr + 1, alpha / 2), 0.0)
            high = np.where(k_arr < n_arr, special.betaincinv(k_arr + 1, n_arr - k_arr, 1 - alpha / 2), 1.0)
        else:
            from scipy import special

            wald = z * np.sqrt(p * (1 - p) / n_arr)
            alpha = 1 - confidence
            j_low = np.where(k_arr > 0, special.betaincinv(k_arr + 0.5, n_arr - k_arr + 0.5, alpha / 2), 0.0)
            j_high = np.where(k_arr < n_arr, special.betaincinv(k_arr + 0.5, n_arr - k_arr + 0.5, 1 - alpha / 2), 1.0)
            low = np.where(k_arr >= 100, p - wald, j_low)
            high = np.where(k_arr >= 100, p + wald, j_high)
            high = np.where(k_arr == 0, 1 - np.exp(-3.0 / n_arr), high)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _lambda(p: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.asarray(-np.log1p(-p))


class PoissonEstimate:
    """Copies per partition and per µL with their interval, one entry per (well, target).

    Attributes are numpy arrays of equal length: ``k``, ``n``, ``lambda_``,
    ``lambda_low``, ``lambda_high``, ``copies_per_ul``, ``ci_low``, ``ci_high``
    (copies/µL). ``lambda_`` is ``inf`` when every partition is positive and
    ``NaN`` when there are no partitions.
    """

    __slots__ = ("ci_high", "ci_low", "copies_per_ul", "k", "lambda_", "lambda_high", "lambda_low", "n")

    def __init__(self, k: NDArray[np.float64], n: NDArray[np.float64], lambdas: tuple[NDArray[np.float64], ...],
                 volume_ul: NDArray[np.float64], volume_cv: float) -> None:
        self.k, self.n = k, n
        self.lambda_, self.lambda_low, self.lambda_high = lambdas
        low, high = self.lambda_low, self.lambda_high
        if volume_cv > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                centre = np.where(k > 0, self.lambda_, high / 2)
                sd_low = np.log(centre / low) / _Z95
                sd_high = np.log(high / centre) / _Z95
                low = np.where(k > 0, centre * np.exp(-_Z95 * np.hypot(sd_low, volume_cv)), 0.0)
                high = centre * np.exp(_Z95 * np.hypot(sd_high, volume_cv))
        self.copies_per_ul = self.lambda_ / volume_ul
        self.ci_low = low / volume_ul
        self.ci_high = high / volume_ul


def classification_interval(k: NDArray[np.float64], n: NDArray[np.float64], low: NDArray[np.float64],
                            high: NDArray[np.float64], variance: ArrayLike, hidden: ArrayLike,
                            confidence: float = 0.95) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Widen an interval ``[low, high]`` for ``p = k/n`` by the classification's uncertainty.

    ``variance`` (partitions²) is the variance of the number of positives given the
    amplitudes (the Poisson-binomial variance of rain posteriors). ``hidden`` (partitions)
    bounds the positives that may sit inside the negative cloud, where no amplitude rule
    can see them; their number is taken as uniform between 0 and the bound (a rectangular
    distribution, standard uncertainty ``hidden / (2 sqrt 3)``, JCGM 100:2008 §4.3.7), so the
    interval moves up by ``hidden / 2`` with the estimate. Both standard uncertainties are
    added in quadrature to each side's counting half-width (JCGM 100:2008 §5.1). Both zero
    gives the interval unchanged.
    """
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    var = np.broadcast_to(np.asarray(variance, dtype=np.float64), k.shape)
    extra = np.broadcast_to(np.asarray(hidden, dtype=np.float64), k.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        shift = np.where(n > 0, extra / 2 / n, 0.0)
        spread = np.where(n > 0, z * np.sqrt(var + extra**2 / 12) / n, 0.0)
    touched = (var > 0) | (extra > 0)
    widened_low = np.where(touched, p + shift - np.hypot(p - low, spread), low)
    widened_high = np.where(touched, p + shift + np.hypot(high - p, spread), high)
    return np.clip(widened_low, 0.0, 1.0), np.clip(widened_high, 0.0, 1.0)


def poisson_estimate(k: ArrayLike, n: ArrayLike, partition_volume_nl: ArrayLike, *, method: CiMethod = "wilson",
                     volume_cv: float = 0.0, confidence: float = 0.95, classification_variance: ArrayLike = 0.0,
                     hidden: ArrayLike = 0.0) -> PoissonEstimate:
    """Estimate lambda and copies/µL with a ``confidence`` interval.

    Parameters
    ----------
    k, n
        Positive and accepted partitions (arrays of equal length).
    partition_volume_nl
        Partition volume in nL (scalar or per entry).
    method
        Interval for ``k/n``: ``"wilson"``, ``"exact"`` or ``"quantasoft"``.
    volume_cv
        Coefficient of variation of the mean partition volume, added to the interval.
    classification_variance, hidden
        Per entry, the variance of the positive count from uncertain classification and a
        bound on the positives possibly hidden in the negative cloud (see
        :func:`classification_interval`). The hidden share is taken as uniform between 0 and
        the bound: the estimate counts half of it.

    Examples
    --------
    >>> est = poisson_estimate([6093], [12069 + 535], 0.85, method="quantasoft")
    >>> round(float(est.copies_per_ul[0]), 1)
    777.1
    """
    k_arr = np.atleast_1d(np.asarray(k, dtype=np.float64))
    n_arr = np.atleast_1d(np.asarray(n, dtype=np.float64))
    extra = np.broadcast_to(np.asarray(hidden, dtype=np.float64), k_arr.shape)
    with np.errstate(divide="ignore", invalid="ignore"):  # hidden positives: uniform in [0, bound], mean bound / 2
        p = np.where(n_arr > 0, np.minimum(k_arr + extra / 2, n_arr) / n_arr, np.nan)
    low, high = proportion_interval(k_arr, n_arr, method=method, confidence=confidence)
    low, high = classification_interval(k_arr, n_arr, low, high, classification_variance, hidden, confidence)
    volume_ul = np.broadcast_to(np.asarray(partition_volume_nl, dtype=np.float64) / 1000.0, k_arr.shape)
    return PoissonEstimate(k_arr, n_arr, (_lambda(p), _lambda(low), _lambda(high)), volume_ul, volume_cv)
