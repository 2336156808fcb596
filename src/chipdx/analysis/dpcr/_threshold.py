"""One-channel thresholds from pooled amplitude histograms.

For one channel of one assay, the valid amplitudes of all its wells are pooled
(low-positive wells have no positive cloud of their own) into a 512-bin
histogram, the sufficient statistic for everything below:

1. **Mixture.** A two-component Gaussian mixture is fitted to the binned data by
   EM (Dempster et al. 1977), started at the lowest and highest major peaks of the
   smoothed histogram. The threshold is where the two weighted densities cross
   between the means.
2. **Density valley** (fallback; Attali et al. 2016 ``ddpcr``). When the mixture
   crossing falls outside the gap between the clouds, the threshold is the
   middle of the lowest run of the smoothed histogram between the two cloud
   centres.
3. **NTC threshold.** When no-template wells exist, the negative cloud of the NTCs
   gives ``median + 7 robust SD`` (ddpcr's empty-droplet cut-off; in the spirit of
   the NTC-derived threshold of ddpcRquant, Trypsteen et al. 2015). The threshold
   is raised to it unless that would cut into the positive cloud.
4. **Negative edge** (optional, ``rain_edge=True``; ``DpcrSettings(rain="positive")``). Rain
   from delayed amplification lies between the clouds; to count it as positive, the
   threshold is lowered to the upper edge of the negative cloud: its lower tail (which rain
   never reaches) mirrored about the centre, at least 4 robust SDs above it (the negative-cloud
   cut-offs of definetherain, Jones et al. 2014, and ddpcRquant, Trypsteen et al. 2015).
   The NTC threshold (3) still applies on top.
5. **One cloud.** With no second cloud (or two whose resolution is below 1.5), the threshold is ``median + 7 robust SD``
   of the single cloud and the fit says so (``one_cloud``).

Cloud centres and spreads are robust (weighted median and MAD of the bins on each
side of the threshold). Rain is what lies between ``mu_neg + 3 sd_neg`` and
``mu_pos - 3 sd_pos`` (Jones et al. 2014, definetherain). The resolution is
``(mu_pos - mu_neg) / (2 (sd_pos + sd_neg))``, as chromatographic resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["ThresholdFit", "fit_threshold", "robust_centre"]

_BINS = 512
_K_EMPTY = 7.0
_K_RAIN = 3.0
_MIN_NEGATIVE_HEIGHT = 0.005  # a cloud below the tallest counts as negative if >= 0.5 % of its height
_MIN_RESOLUTION = 1.5  # below this, two "clouds" are one cloud with a ripple (e.g. integer-rounded data)

_EDGE_FRACTION = 1e-5  # share of the negative cloud allowed above its edge (mirrored lower tail)
_EDGE_MIN_SD = 4.0  # the edge never comes closer to the negative centre than this

Method = Literal["mixture", "valley", "edge", "ntc", "one_cloud", "manual"]


@dataclass(frozen=True, slots=True)
class ThresholdFit:
    """A channel threshold with the clouds it separates.

    ``mu_pos``/``sd_pos`` are ``NaN`` when there is one cloud only.
    """

    threshold: float
    method: Method
    mu_neg: float
    sd_neg: float
    mu_pos: float
    sd_pos: float

    @property
    def resolution(self) -> float:
        """``(mu_pos - mu_neg) / (2 (sd_pos + sd_neg))``; ``NaN`` with one cloud."""
        return float((self.mu_pos - self.mu_neg) / (2 * (self.sd_pos + self.sd_neg)))

    @property
    def rain_band(self) -> tuple[float, float]:
        """Amplitudes strictly between these two are rain (empty band when clouds touch)."""
        if not np.isfinite(self.mu_pos):
            return self.threshold, self.threshold
        low = max(self.mu_neg + _K_RAIN * self.sd_neg, self.mu_neg)
        high = min(self.mu_pos - _K_RAIN * self.sd_pos, self.mu_pos)
        return (low, high) if low < high else (self.threshold, self.threshold)


def _weighted_quantile(centres: NDArray[np.float64], counts: NDArray[np.float64], q: float) -> float:
    cumulative = np.cumsum(counts)
    if cumulative[-1] <= 0:
        return float("nan")
    return float(centres[min(int(np.searchsorted(cumulative, q * cumulative[-1])), len(centres) - 1)])


def robust_centre(centres: NDArray[np.float64], counts: NDArray[np.float64]) -> tuple[float, float]:
    """Weighted median and 1.4826 x MAD of a histogram (``NaN`` when empty)."""
    median = _weighted_quantile(centres, counts, 0.5)
    if not np.isfinite(median):
        return median, median
    order = np.argsort(np.abs(centres - median))
    deviation = np.abs(centres - median)[order]
    mad = _weighted_quantile(deviation, counts[order], 0.5)
    width = float(centres[1] - centres[0]) if len(centres) > 1 else 1.0
    return median, max(1.4826 * mad, width / 2)


def _smooth(counts: NDArray[np.float64], width: int = 5) -> NDArray[np.float64]:
    kernel = np.exp(-0.5 * (np.arange(-3 * width, 3 * width + 1) / width) ** 2)
    return np.convolve(counts, kernel / kernel.sum(), mode="same")


def _major_peaks(smooth: NDArray[np.float64], min_mass: float) -> NDArray[np.int64]:
    inner = (smooth[1:-1] > smooth[:-2]) & (smooth[1:-1] >= smooth[2:])
    peaks = np.flatnonzero(inner) + 1
    return peaks[smooth[peaks] >= min_mass]


def _em(centres: NDArray[np.float64], counts: NDArray[np.float64], mu: list[float], sd: list[float],
        steps: int = 60) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Binned EM for a two-component Gaussian mixture; returns weights, means, SDs."""
    means, sds, weights = np.array(mu), np.array(sd), np.array([0.5, 0.5])
    floor = float(centres[1] - centres[0])
    for _ in range(steps):
        dens = weights[:, None] * np.exp(-0.5 * ((centres - means[:, None]) / sds[:, None]) ** 2) / sds[:, None]
        resp = dens / np.maximum(dens.sum(axis=0), 1e-300)
        mass = (resp * counts).sum(axis=1)
        if np.any(mass <= 0):
            break
        weights = mass / mass.sum()
        means = (resp * counts * centres).sum(axis=1) / mass
        sds = np.maximum(np.sqrt((resp * counts * (centres - means[:, None]) ** 2).sum(axis=1) / mass), floor)
    return weights, means, sds


def _crossing(centres: NDArray[np.float64], weights: NDArray[np.float64], means: NDArray[np.float64],
              sds: NDArray[np.float64]) -> float:
    between = (centres > means[0]) & (centres < means[1])
    if not between.any():
        return float("nan")
    x = centres[between]
    log_ratio = (np.log(weights[0] / sds[0]) - 0.5 * ((x - means[0]) / sds[0]) ** 2
                 - np.log(weights[1] / sds[1]) + 0.5 * ((x - means[1]) / sds[1]) ** 2)
    changes = np.flatnonzero(np.diff(np.sign(log_ratio)) != 0)
    return float(x[changes[0]]) if len(changes) else float("nan")


def _valley(centres: NDArray[np.float64], smooth: NDArray[np.float64], low: float, high: float) -> float:
    between = np.flatnonzero((centres > low) & (centres < high))
    if len(between) == 0:
        return (low + high) / 2
    values = smooth[between]
    lowest = values <= values.min() + 1e-9 * max(values.max(), 1.0)
    run = between[lowest]
    return float((centres[run[0]] + centres[run[-1]]) / 2)


def _histogram(values: NDArray[np.float32]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    sample = values[:: max(1, len(values) // 200_000)]
    low, high = np.quantile(sample, [0.0005, 0.9995])
    span = max(float(high - low), 1e-6)
    edges = np.linspace(low - 0.1 * span, high + 0.25 * span, _BINS + 1)
    # values beyond the edges go to the end bins (as np.histogram of the clipped values), by bincount
    cells = (values - np.float32(edges[0])) * np.float32(_BINS / (edges[-1] - edges[0]))
    np.clip(cells, 0, _BINS - 1, out=cells)
    counts = np.bincount(cells.astype(np.int32), minlength=_BINS).astype(np.float64)
    return (edges[:-1] + edges[1:]) / 2, counts


def _clouds(centres: NDArray[np.float64], counts: NDArray[np.float64], threshold: float) -> tuple[float, ...]:
    below = centres <= threshold
    mu_neg, sd_neg = robust_centre(centres[below], counts[below])
    mu_pos, sd_pos = robust_centre(centres[~below], counts[~below])
    return mu_neg, sd_neg, mu_pos, sd_pos


def fit_threshold(values: NDArray[np.float32], *, ntc_values: NDArray[np.float32] | None = None,
                  negative_cloud: Literal["tallest", "any"] = "tallest", rain_edge: bool = False) -> ThresholdFit:
    """Threshold one channel from pooled amplitudes (finite values only).

    The negative cloud is the tallest peak unless no separated cloud lies above it; then
    (mostly-positive data, lambda above ~0.7) the nearest separated cloud below it is the
    negative one, if at least 0.5 % as high (``negative_cloud="tallest"``), or whatever its
    height (``"any"``, for subsets known to hold two populations). ``rain_edge`` lowers the
    threshold to the negative cloud's upper edge (method ``"edge"``) so rain counts as positive.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = np.concatenate([rng.normal(1000, 50, 9000), rng.normal(5000, 200, 1000)]).astype(np.float32)
    >>> fit = fit_threshold(x)
    >>> 1300 < fit.threshold < 4300, fit.method
    (True, 'mixture')
    """
    values = values[np.isfinite(values)]
    if values.size < 10:
        return ThresholdFit(float("nan"), "one_cloud", float("nan"), float("nan"), float("nan"), float("nan"))
    centres, counts = _histogram(values)
    smooth = _smooth(counts)
    peaks = _major_peaks(smooth, min_mass=max(2.0, 0.0005 * smooth.max()))
    fit = _two_clouds(centres, counts, smooth, peaks, negative_cloud) if len(peaks) >= 1 else None
    if fit is not None and rain_edge:
        fit = _negative_edge(values, fit, centres, counts)
    if fit is None:
        mu, sd = robust_centre(centres, counts)
        fit = ThresholdFit(mu + _K_EMPTY * sd, "one_cloud", mu, sd, float("nan"), float("nan"))
    if ntc_values is not None and ntc_values.size >= 100:
        fit = _apply_ntc(fit, ntc_values[np.isfinite(ntc_values)], centres, counts)
    return fit


def _first_positive_peak(smooth: NDArray[np.float64], peaks: NDArray[np.int64], negative: int) -> int | None:
    """The first major peak above the negative one that a clear valley separates from it."""
    for candidate in peaks[peaks > negative]:
        valley = smooth[negative:candidate + 1].min()
        if valley < 0.5 * min(smooth[negative], smooth[candidate]):
            return int(candidate)
    return None


def _last_negative_peak(smooth: NDArray[np.float64], peaks: NDArray[np.int64], positive: int,
                        min_height: float) -> int | None:
    """The nearest peak below the tallest one, at least ``min_height`` high and clearly separated."""
    for candidate in peaks[peaks < positive][::-1]:
        valley = smooth[candidate:positive + 1].min()
        if smooth[candidate] >= min_height and valley < 0.5 * min(smooth[positive], smooth[candidate]):
            return int(candidate)
    return None


def _two_clouds(centres: NDArray[np.float64], counts: NDArray[np.float64], smooth: NDArray[np.float64],
                peaks: NDArray[np.int64], negative_cloud: str) -> ThresholdFit | None:
    negative = int(peaks[np.argmax(smooth[peaks])])
    positive = _first_positive_peak(smooth, peaks, negative)
    if positive is None:  # the tallest cloud may be the positive one (high lambda): look below it
        floor = 0.0 if negative_cloud == "any" else _MIN_NEGATIVE_HEIGHT * smooth[negative]
        positive, lower = negative, _last_negative_peak(smooth, peaks, negative, floor)
        if lower is None:
            return None
        negative = lower
    if positive is None:
        return None
    low_peak, high_peak = float(centres[negative]), float(centres[positive])
    valley = _valley(centres, smooth, low_peak, high_peak)
    threshold, method = valley, "valley"
    if positive == peaks[-1]:  # exactly two clouds: the mixture crossing, if it lies in the gap
        below = centres < valley
        _, sd_low = robust_centre(centres[below], counts[below])
        _, sd_high = robust_centre(centres[~below], counts[~below])
        weights, means, sds = _em(centres, counts, [low_peak, high_peak], [sd_low, sd_high])
        crossing = _crossing(centres, weights, means, sds)
        mu_neg, sd_neg, mu_pos, sd_pos = _clouds(centres, counts, valley)
        if np.isfinite(crossing) and mu_neg + _K_RAIN * sd_neg <= crossing <= mu_pos - _K_RAIN * sd_pos:
            threshold, method = crossing, "mixture"
    mu_neg, sd_neg, mu_pos, sd_pos = _clouds(centres, counts, threshold)
    fit = ThresholdFit(threshold, method, mu_neg, sd_neg, mu_pos, sd_pos)  # type: ignore[arg-type]
    return fit if fit.resolution >= _MIN_RESOLUTION else None


def _apply_ntc(fit: ThresholdFit, ntc: NDArray[np.float32], centres: NDArray[np.float64],
               counts: NDArray[np.float64]) -> ThresholdFit:
    if ntc.size < 100:
        return fit
    median = float(np.median(ntc))
    sd = 1.4826 * float(np.median(np.abs(ntc - median)))
    candidate = median + _K_EMPTY * sd
    ceiling = fit.mu_pos - _K_RAIN * fit.sd_pos if np.isfinite(fit.mu_pos) else np.inf
    if candidate <= fit.threshold or candidate >= ceiling:
        return fit
    mu_neg, sd_neg, mu_pos, sd_pos = _clouds(centres, counts, candidate)
    return ThresholdFit(candidate, "ntc", mu_neg, sd_neg, mu_pos, sd_pos)


def _negative_edge(values: NDArray[np.float32], fit: ThresholdFit, centres: NDArray[np.float64],
                   counts: NDArray[np.float64]) -> ThresholdFit:
    """Lower the threshold to the upper edge of the negative cloud, so rain above it counts as positive.

    The edge mirrors the cloud's lower tail (which rain never reaches) about its centre:
    ``mu_neg + (mu_neg - q)`` with ``q`` the amplitude that ``_EDGE_FRACTION`` of the
    negative cloud lies below, at least ``_EDGE_MIN_SD`` robust SDs from the centre.
    """
    below = values[values <= fit.threshold]
    if below.size < 100:
        return fit
    rank = int(_EDGE_FRACTION * below.size)
    q = float(np.partition(below, rank)[rank])
    edge = fit.mu_neg + max(fit.mu_neg - q, _EDGE_MIN_SD * fit.sd_neg)
    if not edge < fit.threshold:
        return fit
    mu_neg, sd_neg, mu_pos, sd_pos = _clouds(centres, counts, edge)
    return ThresholdFit(edge, "edge", mu_neg, sd_neg, mu_pos, sd_pos)
