"""Melt curves: smoothing, background removal, -dF/dT peaks, Tm, product flags — vectorised over reactions.

1. Gaps and padding are filled along each row; readings are smoothed by a
   Savitzky–Golay filter (Savitzky & Golay 1964) over ``smooth_points``.
2. -dF/dT by central differences on each row's own temperatures.
3. Background removal: the line through the derivative's minima at the low and high
   ends is subtracted (a linear form of the Palais & Wittwer 2009 background).
4. Peaks are local maxima above ``min_peak_fraction`` of the row's highest peak; Tm by
   a parabola through the three points around each peak. A curve has no product when its
   highest peak is below ``min_peak_snr`` (10) times the point-to-point noise of -dF/dT.
5. Flags: ``QC-MELT-NO-PEAK``, ``QC-MELT-MULTIPLE-PRODUCTS`` (a second peak >= 25 % of the
   main one and >= 2 °C away) and ``QC-MELT-PRIMER-DIMER`` (a peak >= 5 °C below the
   main one and below 80 °C); ``QC-MELT-TM-OUT-OF-RANGE`` when a reaction's Tm lies outside
   the expected window of its target (``tm_window``; e.g. from the assay's validated Tm).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chipdx.analysis.qpcr._matrix import fill_gaps, row_take, savgol
from chipdx.codes import Source, codes_of

__all__ = ["MELT_FLAGS", "MeltParameters", "analyze_melt", "melt_peaks", "tm_windows"]

MELT_FLAGS = codes_of(Source.MELT)
"""The melt flags in words, from the one code registry (:mod:`chipdx.codes`)."""


@dataclass(frozen=True, slots=True)
class MeltParameters:
    """Settings of :func:`analyze_melt`."""

    smooth_points: int = 7
    min_peak_fraction: float = 0.1
    smooth_derivative: bool = True
    min_temperature_c: float = 60.0
    max_temperature_c: float = 98.0
    min_peak_snr: float = 10.0
    """The main peak must reach this many times the point-to-point noise of -dF/dT (robust SD of its
    steps / sqrt 2); below it a curve is noise without a product (``QC-MELT-NO-PEAK``)."""


def _derivative(temperature: NDArray[np.float64], fluorescence: NDArray[np.float64]) -> NDArray[np.float64]:
    dt = temperature[:, 2:] - temperature[:, :-2]
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = -(fluorescence[:, 2:] - fluorescence[:, :-2]) / dt
    inner = np.where(np.isfinite(inner) & (dt > 0), inner, 0.0)
    return np.pad(inner, ((0, 0), (1, 1)), mode="edge")


def _remove_background(derivative: NDArray[np.float64], temperature: NDArray[np.float64]) -> NDArray[np.float64]:
    n_cols = derivative.shape[1]
    edge = max(n_cols // 10, 2)
    low_index = np.argmin(derivative[:, :edge], axis=1)
    high_index = n_cols - edge + np.argmin(derivative[:, -edge:], axis=1)
    t_low, t_high = row_take(temperature, low_index), row_take(temperature, high_index)
    y_low, y_high = row_take(derivative, low_index), row_take(derivative, high_index)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(t_high > t_low, (y_high - y_low) / (t_high - t_low), 0.0)
    return derivative - (y_low[:, None] + slope[:, None] * (temperature - t_low[:, None]))


def melt_peaks(temperature_c: NDArray[np.float64], fluorescence: NDArray[np.float64], *,
               parameters: MeltParameters | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The melt peaks: temperatures (gaps filled) and smoothed, background-free -dF/dT per reaction.

    These are the curves :func:`analyze_melt` finds its peaks in, for plotting.
    """
    parameters = parameters or MeltParameters()
    temps, _, _ = fill_gaps(temperature_c)
    values, _, _ = fill_gaps(fluorescence)
    n_cols = values.shape[1]
    width = min(parameters.smooth_points, n_cols - (1 - n_cols % 2))
    smooth = savgol(values, width, 2) if width >= 3 else values
    derivative = _derivative(temps, smooth)
    if width >= 3:
        derivative = savgol(derivative, width, 2)
    return temps, _remove_background(derivative, temps)


def analyze_melt(temperature_c: NDArray[np.float64], fluorescence: NDArray[np.float64], *,
                 parameters: MeltParameters | None = None,
                 tm_window: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None) -> pd.DataFrame:
    """Tm and product flags of every melt curve (rows of the two ``(reactions x points)`` matrices).

    Returns one row per reaction: ``tm`` (main peak, °C), ``peak_height``, ``n_peaks``,
    ``tm_second`` and ``flags`` (``;``-joined codes). ``tm`` is ``NaN`` without a peak.
    ``tm_window`` gives each row's expected ``(low, high)`` Tm in °C (``NaN``: no window); a
    main peak outside it gets ``QC-MELT-TM-OUT-OF-RANGE`` (see :func:`tm_windows`).

    >>> t = np.tile(np.linspace(65, 95, 121), (2, 1))
    >>> f = np.vstack([1 / (1 + np.exp((t[0] - 82) / 0.6)), 1 / (1 + np.exp((t[1] - 78) / 0.6))])
    >>> analyze_melt(t, f)["tm"].round(1).tolist()
    [82.0, 78.0]
    >>> analyze_melt(t, f, tm_window=(np.array([81.0, 81.0]), np.array([83.0, 83.0])))["flags"].tolist()
    ['', 'QC-MELT-TM-OUT-OF-RANGE']
    """
    parameters = parameters or MeltParameters()
    values, _, n_valid = fill_gaps(fluorescence)
    n_rows, n_cols = values.shape
    if n_cols < 5:
        empty = np.full(n_rows, np.nan)
        return pd.DataFrame({"tm": empty, "peak_height": empty, "n_peaks": 0, "tm_second": empty,
                             "flags": "QC-MELT-NO-PEAK"})
    temps, derivative = melt_peaks(temperature_c, fluorescence, parameters=parameters)
    inside = (temps >= parameters.min_temperature_c) & (temps <= parameters.max_temperature_c)
    d = np.where(inside, derivative, -np.inf)
    local = np.zeros_like(d, dtype=bool)
    local[:, 1:-1] = (d[:, 1:-1] > d[:, :-2]) & (d[:, 1:-1] >= d[:, 2:])
    top = np.max(np.where(local, d, -np.inf), axis=1)
    spread = np.nanstd(np.where(inside, derivative, np.nan), axis=1)
    peaks = local & (d >= parameters.min_peak_fraction * top[:, None]) & (d > 0)
    has_peak = (np.isfinite(top) & (top > 3 * spread * 0.5) & (top > parameters.min_peak_snr * _step_noise(d))
                & (n_valid >= 5) & peaks.any(axis=1))
    order = np.argsort(np.where(peaks, -d, np.inf), axis=1)
    main, second = order[:, 0], order[:, 1]
    tm = _interpolated(temps, derivative, main)
    tm2 = np.where(peaks[np.arange(n_rows), second], _interpolated(temps, derivative, second), np.nan)
    height2 = np.where(np.isfinite(tm2), row_take(derivative, second), 0.0)
    multiple = np.isfinite(tm2) & (height2 >= 0.25 * top) & (np.abs(tm2 - tm) >= 2.0)
    dimer = np.isfinite(tm2) & (height2 >= 0.15 * top) & (tm2 <= tm - 5.0) & (tm2 < 80.0)
    outside = _outside(tm, tm_window, n_rows)
    flags = [";".join(code for code, on in (("QC-MELT-NO-PEAK", not p), ("QC-MELT-MULTIPLE-PRODUCTS", m and p),
                                            ("QC-MELT-PRIMER-DIMER", dd and p), ("QC-MELT-TM-OUT-OF-RANGE", o and p))
                      if on)
             for p, m, dd, o in zip(has_peak.tolist(), multiple.tolist(), dimer.tolist(), outside.tolist(),
                                    strict=True)]
    return pd.DataFrame({"tm": np.where(has_peak, tm, np.nan), "peak_height": np.where(has_peak, top, np.nan),
                         "n_peaks": np.where(has_peak, peaks.sum(axis=1), 0),
                         "tm_second": np.where(has_peak, tm2, np.nan), "flags": flags})


def _step_noise(derivative: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row, the noise SD of -dF/dT from its point-to-point steps (MAD-based; ``-inf`` cells ignored).

    A melt peak spans several readings, so its steps are small beside its height; a curve
    without a product is all steps (the no-RT controls of test_mca_5 reach 7-24 noise units,
    products 78 and more on test_mca_1).
    """
    steps = np.diff(np.where(np.isfinite(derivative), derivative, np.nan), axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without two readings: NaN noise, no peak
        centre = np.nanmedian(steps, axis=1, keepdims=True)
        noise = 1.4826 * np.nanmedian(np.abs(steps - centre), axis=1) / math.sqrt(2)
    return np.where(np.isfinite(noise), noise, np.inf)


def _outside(tm: NDArray[np.float64], window: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
             n_rows: int) -> NDArray[np.bool_]:
    """Rows whose Tm lies outside their window (rows without a window, or without a Tm, never do)."""
    if window is None:
        return np.zeros(n_rows, dtype=bool)
    low, high = (np.broadcast_to(np.asarray(w, dtype=np.float64), (n_rows,)) for w in window)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(tm) & ((tm < low) | (tm > high)), dtype=bool)


def tm_windows(targets: list[str], windows: Mapping[str, tuple[float, float]]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """Per-row ``(low, high)`` arrays for :func:`analyze_melt` from a ``target -> (low, high)`` mapping.

    Rows whose target has no window get ``NaN`` (never flagged).

    >>> low, high = tm_windows(["MYCN", "ACTB"], {"MYCN": (82.0, 84.5)})
    >>> low.tolist(), high.tolist()
    ([82.0, nan], [84.5, nan])
    """
    nan = (math.nan, math.nan)
    pairs = [windows.get(target, nan) for target in targets]
    return (np.array([p[0] for p in pairs], dtype=np.float64).reshape(-1),
            np.array([p[1] for p in pairs], dtype=np.float64).reshape(-1))


def _interpolated(temps: NDArray[np.float64], values: NDArray[np.float64], index: NDArray[np.int64]) -> NDArray[
        np.float64]:
    a, b, c = (row_take(values, index + k) for k in (-1, 0, 1))
    denominator = a - 2 * b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = np.clip(np.where(denominator < 0, 0.5 * (a - c) / denominator, 0.0), -0.5, 0.5)
    t0, t1 = row_take(temps, index), row_take(temps, index + 1)
    step = np.where(t1 > t0, t1 - t0, row_take(temps, index) - row_take(temps, index - 1))
    return np.asarray(t0 + offset * step, dtype=np.float64)
