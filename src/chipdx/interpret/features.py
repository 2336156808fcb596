"""Interpretable, instrument-independent features of amplification curves.

Every feature is computed for a whole ``(curves x cycles)`` matrix at once (no
per-curve Python loop) and is made independent of the instrument's fluorescence
scale: levels are divided by the curve's own range, slopes and jumps by its own
noise, and positions are given both in cycles and as a fraction of the run.
Missing readings (``NaN``) are filled from their neighbours before anything is
computed; a curve with fewer than :data:`MIN_CYCLES` readings yields ``NaN``
features and is routed to review by the classifier.

The descriptors follow the curve descriptors of PCRedux (Burdukiewicz et al.,
JOSS 2022, doi:10.21105/joss.04407): amplitude and signal-to-noise, first and
second derivative maxima (cpD1/cpD2, Spiess et al. 2015), baseline and plateau
slopes, hook (post-plateau decline), linear- against sigmoid-fit quality, and
threshold-crossing cycles of the normalised curve. They are re-implemented
here from those descriptions.

Examples
--------
>>> import numpy as np
>>> cycles = np.arange(1, 41, dtype=float)
>>> rise = 100 + 900 / (1 + np.exp(-(cycles - 22) / 1.5))
>>> flat = np.full(40, 100.0) + np.sin(cycles)
>>> table = curve_features(np.vstack([rise, flat]))
>>> table.shape == (2, len(FEATURE_NAMES))
True
>>> bool(table[0, FEATURE_NAMES.index("log_snr")] > table[1, FEATURE_NAMES.index("log_snr")])
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FEATURE_NAMES", "MIN_CYCLES", "curve_features", "fill_missing", "smooth3"]

MIN_CYCLES = 10
"""Fewest readings a curve needs for features to be computed."""

SHAPE_POINTS = (0.2, 0.4, 0.6, 0.8, 0.9)
"""Fractions of the run at which the normalised curve level is sampled."""

FEATURE_NAMES: tuple[str, ...] = (
    "n_cycles",
    "log_snr",
    "snr_end",
    "log_fold_change",
    "noise_rel",
    "d1_max_rel",
    "d1_max_snr",
    "cpd1",
    "cpd1_rel",
    "cpd2",
    "cpd2_rel",
    "d2_ratio",
    "d1_width",
    "sigmoid_r2",
    "linear_r2",
    "sigmoid_minus_linear",
    "baseline_slope_rel",
    "baseline_slope_snr",
    "plateau_slope_rel",
    "hook_rel",
    "argmax_rel",
    "end_level",
    "start_level",
    "area",
    "c10",
    "c50",
    "c90",
    "rise_width",
    "takeoff",
    "monotonic_frac",
    "d1_sign_changes",
    "d1_autocorr",
    "spike_snr",
    "step_snr",
    "step_share",
    "spike_rel",
    "step_rel",
    "efficiency_proxy",
    "late_rise",
    *(f"level_{round(p * 100)}" for p in SHAPE_POINTS),
)
"""Names of the columns of :func:`curve_features`, in order (see ``docs/interpretation.md``)."""

_EPS = 1e-12


def fill_missing(fluorescence: ArrayLike) -> NDArray[np.float64]:
    """Fill ``NaN`` readings with the nearest earlier reading (later one at the start).

    Rows that hold no reading at all stay ``NaN``.

    >>> fill_missing([[np.nan, 1.0, np.nan, 3.0]]).tolist()
    [[1.0, 1.0, 1.0, 3.0]]
    """
    f = np.array(fluorescence, dtype=np.float64, ndmin=2, copy=True)
    n, c = f.shape
    valid = ~np.isnan(f)
    index = np.where(valid, np.arange(c), 0)
    np.maximum.accumulate(index, axis=1, out=index)
    forward = f[np.arange(n)[:, None], index]
    first = np.argmax(valid, axis=1)
    lead = np.arange(c)[None, :] < first[:, None]
    forward[lead] = np.broadcast_to(f[np.arange(n), first][:, None], (n, c))[lead]
    forward[~valid.any(axis=1)] = np.nan
    return forward


def smooth3(f: NDArray[np.float64]) -> NDArray[np.float64]:
    """Centred 3-point moving average along cycles (ends keep their 2-point means)."""
    padded = np.concatenate([f[:, :1], f, f[:, -1:]], axis=1)
    return np.asarray((padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3.0)


def _rows(values: NDArray[np.float64], index: NDArray[np.intp]) -> NDArray[np.float64]:
    return np.asarray(values[np.arange(values.shape[0]), index])


def _noise(f: NDArray[np.float64]) -> NDArray[np.float64]:
    """Robust noise SD per curve: MAD of second differences (flat for linear trends)."""
    d2 = np.diff(f, n=2, axis=1)
    mad = np.median(np.abs(d2 - np.median(d2, axis=1, keepdims=True)), axis=1)
    return np.asarray(1.4826 * mad / np.sqrt(6.0) + _EPS)


def _r2(y: NDArray[np.float64], fit: NDArray[np.float64]) -> NDArray[np.float64]:
    ss_res = np.sum((y - fit) ** 2, axis=1)
    ss_tot = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1) + _EPS
    return np.asarray(1.0 - ss_res / ss_tot)


def _crossing(z: NDArray[np.float64], level: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """First cycle (interpolated) where the normalised curve reaches ``level`` for good."""
    below = z < level
    c = z.shape[1]
    # last cycle that is still below the level; the crossing follows it
    last_below = c - 1 - np.argmax(below[:, ::-1], axis=1)
    last_below = np.where(below.any(axis=1), last_below, -1)
    i = np.clip(last_below, 0, c - 2)
    z0, z1 = _rows(z, i), _rows(z, i + 1)
    frac = np.clip((level - z0) / np.where(np.abs(z1 - z0) > _EPS, z1 - z0, _EPS), 0.0, 1.0)
    cross = x[i] + frac * (x[i + 1] - x[i])
    cross = np.where(last_below < 0, x[0], cross)
    return np.asarray(np.where(last_below >= c - 1, x[-1], cross))


def _linear_fit(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Slope and intercept of a least-squares line per row of ``y`` over shared ``x``."""
    xm = x.mean()
    xc = x - xm
    slope = (y * xc).sum(axis=1) / (xc @ xc + _EPS)
    intercept = y.mean(axis=1) - slope * xm
    return slope, intercept


def curve_features(fluorescence: ArrayLike) -> NDArray[np.float64]:
    """Feature matrix of shape ``(n_curves, len(FEATURE_NAMES))``.

    Parameters
    ----------
    fluorescence
        Readings, shape ``(n_curves, n_cycles)``, one reading per cycle starting at
        cycle 1; ``NaN`` for missing readings (trailing ``NaN`` pad shorter curves).

    Returns
    -------
    numpy.ndarray
        Finite features for curves with at least :data:`MIN_CYCLES` readings; rows
        of ``NaN`` otherwise.
    """
    raw = np.array(fluorescence, dtype=np.float64, ndmin=2)
    valid = ~np.isnan(raw)
    n_valid = np.sum(valid, axis=1)
    # a curve ends at its last reading: trailing NaN only pad shorter runs
    length = np.where(valid.any(axis=1), raw.shape[1] - np.argmax(valid[:, ::-1], axis=1), 0)
    f = fill_missing(raw)
    out = np.full((raw.shape[0], len(FEATURE_NAMES)), np.nan)
    for size in np.unique(length[n_valid >= MIN_CYCLES]):  # one pass per run length, not per curve
        rows = np.flatnonzero((length == size) & (n_valid >= MIN_CYCLES))
        out[rows] = _features(f[rows, :size], n_valid[rows])
    return out


def _features(f: NDArray[np.float64], n_valid: NDArray[np.intp]) -> NDArray[np.float64]:
    c = f.shape[1]
    x = np.arange(1.0, c + 1.0)
    s = smooth3(f)
    noise = _noise(f)
    k = max(3, min(10, c // 5))
    base = np.median(s[:, 1 : k + 1], axis=1)
    lo, hi = s.min(axis=1), s.max(axis=1)
    span = hi - lo + _EPS
    z = (s - lo[:, None]) / span[:, None]
    end = s[:, -3:].mean(axis=1)
    d1 = np.gradient(s, axis=1)
    d2 = np.gradient(d1, axis=1)
    i1 = np.argmax(d1, axis=1)
    i2 = np.argmax(d2, axis=1)
    d1max = _rows(d1, i1)
    cols: dict[str, NDArray[np.float64]] = {}
    cols["n_cycles"] = n_valid.astype(np.float64)
    cols["log_snr"] = np.log10(span / noise)
    cols["snr_end"] = np.clip((end - base) / noise, -1e4, 1e4)
    cols["log_fold_change"] = np.clip(np.log10(np.abs(end) + noise) - np.log10(np.abs(base) + noise), -4, 4)
    cols["noise_rel"] = noise / span
    cols["d1_max_rel"] = d1max / span
    cols["d1_max_snr"] = np.clip(d1max / noise, -1e4, 1e4)
    cols["cpd1"], cols["cpd1_rel"] = x[i1], x[i1] / c
    cols["cpd2"], cols["cpd2_rel"] = x[i2], x[i2] / c
    cols["d2_ratio"] = _rows(d2, i2) / (np.abs(d2.min(axis=1)) + _EPS)
    cols["d1_width"] = np.sum(d1 > 0.5 * d1max[:, None], axis=1).astype(np.float64)
    _shape_fit(cols, z, x, i1, d1max / span)
    _slopes(cols, s, x, k, span, noise)
    cols["hook_rel"] = (hi - end) / span
    cols["argmax_rel"] = np.argmax(s, axis=1) / max(c - 1, 1)
    cols["end_level"] = z[:, -3:].mean(axis=1)
    cols["start_level"] = z[:, :k].mean(axis=1)
    cols["area"] = z.mean(axis=1)
    for level in (10, 50, 90):
        cols[f"c{level}"] = _crossing(z, level / 100, x)
    cols["rise_width"] = cols["c90"] - cols["c10"]
    above = (s - base[:, None]) > 10 * noise[:, None]
    cols["takeoff"] = np.where(above.any(axis=1), x[np.argmax(above, axis=1)], c + 1.0)
    _texture(cols, f, s, d1, noise, span)
    b = np.maximum(s - base[:, None], noise[:, None])
    ratio = _rows(b, np.clip(i2 + 1, 0, c - 1)) / _rows(b, np.clip(i2, 0, c - 1))
    cols["efficiency_proxy"] = np.clip(ratio, 0.0, 4.0)
    cols["late_rise"] = np.clip((c - cols["takeoff"]) / c, -0.1, 1.0) * (cols["end_level"] > 0.5)
    for p in SHAPE_POINTS:
        cols[f"level_{round(p * 100)}"] = z[:, min(c - 1, round(p * (c - 1)))]
    return np.column_stack([cols[name] for name in FEATURE_NAMES])


def _shape_fit(cols: dict[str, NDArray[np.float64]], z: NDArray[np.float64], x: NDArray[np.float64],
               i1: NDArray[np.intp], d1max_rel: NDArray[np.float64]) -> None:
    """Quality of a logistic template anchored at cpD1 against a straight line."""
    scale = 1.0 / (4.0 * np.maximum(d1max_rel, 1e-3))
    template = 1.0 / (1.0 + np.exp(-np.clip((x[None, :] - x[i1][:, None]) / scale[:, None], -50, 50)))
    # least-squares scale/offset of the template to the curve
    tm = template.mean(axis=1, keepdims=True)
    zm = z.mean(axis=1, keepdims=True)
    a = np.sum((template - tm) * (z - zm), axis=1) / (np.sum((template - tm) ** 2, axis=1) + _EPS)
    fit = zm + a[:, None] * (template - tm)
    cols["sigmoid_r2"] = _r2(z, fit)
    slope, intercept = _linear_fit(x, z)
    cols["linear_r2"] = _r2(z, intercept[:, None] + slope[:, None] * x[None, :])
    cols["sigmoid_minus_linear"] = cols["sigmoid_r2"] - cols["linear_r2"]


def _slopes(cols: dict[str, NDArray[np.float64]], s: NDArray[np.float64], x: NDArray[np.float64], k: int,
            span: NDArray[np.float64], noise: NDArray[np.float64]) -> None:
    """Slopes of the early baseline and of the last cycles, relative to range and noise."""
    first = slice(1, k + 2)
    slope_b, _ = _linear_fit(x[first], s[:, first])
    slope_p, _ = _linear_fit(x[-5:], s[:, -5:])
    cols["baseline_slope_rel"] = slope_b * s.shape[1] / span
    cols["baseline_slope_snr"] = np.clip(slope_b / noise, -1e3, 1e3)
    cols["plateau_slope_rel"] = slope_p * s.shape[1] / span


def _texture(cols: dict[str, NDArray[np.float64]], f: NDArray[np.float64], s: NDArray[np.float64],
             d1: NDArray[np.float64], noise: NDArray[np.float64], span: NDArray[np.float64]) -> None:
    """Monotonicity, wiggliness, single-point spikes and steps."""
    steps = np.diff(f, axis=1)
    cols["monotonic_frac"] = np.mean(steps > 0, axis=1)
    signs = np.sign(np.diff(s, axis=1))
    cols["d1_sign_changes"] = np.mean(signs[:, 1:] * signs[:, :-1] < 0, axis=1)
    dc = d1 - d1.mean(axis=1, keepdims=True)
    cols["d1_autocorr"] = np.sum(dc[:, 1:] * dc[:, :-1], axis=1) / (np.sum(dc**2, axis=1) + _EPS)
    # spike: a reading that jumps away and comes back (a step only jumps away)
    back = np.where(steps[:, :-1] * steps[:, 1:] < 0, np.minimum(np.abs(steps[:, :-1]), np.abs(steps[:, 1:])), 0)
    cols["spike_snr"] = np.clip(back.max(axis=1) / noise, 0, 1e4)
    cols["spike_rel"] = np.clip(back.max(axis=1) / span, 0, 10)
    # step: the largest jump compared with the second largest (a sigmoid spreads its rise)
    abs_steps = np.sort(np.abs(steps), axis=1)
    cols["step_snr"] = np.clip(abs_steps[:, -1] / noise, 0, 1e4)
    cols["step_rel"] = abs_steps[:, -1] / span
    cols["step_share"] = abs_steps[:, -1] / (abs_steps[:, -1] + abs_steps[:, -2] + abs_steps[:, -3] + _EPS)
