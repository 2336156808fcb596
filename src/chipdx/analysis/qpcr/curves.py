"""Per-reaction curve analysis: amplification call, Cq by second-derivative maximum, baseline, efficiency.

:func:`analyze_curves` is the engine's core. It works on the whole ``(reactions x
cycles)`` matrix at once; per-amplicon steps (mean efficiency, threshold Cq, N0,
outliers) are in :mod:`chipdx.analysis.qpcr.amplicon`.

Method, in order (citations in ``docs/qpcr.md``):

1. missing readings are filled by linear interpolation (flag ``QC-GAPS-FILLED``);
2. first and second derivatives by Savitzky–Golay filters; the Cq is the
   interpolated maximum of the second derivative before the first-derivative
   maximum (cpD2 of qpcR, TD0 of rdmlpython 3);
3. amplification call from the rise against the ground-phase noise;
4. baseline by the LinRegPCR equal-slopes criterion on the log-linear window that
   ends just below the Cq (:mod:`~chipdx.analysis.qpcr.baseline`);
5. the individual efficiency is ``10**slope`` of that window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr._kernel import cy0, kernel_peak
from chipdx.analysis.qpcr._matrix import MAD_TO_SD, derivatives, fill_gaps, masked_slope, row_take
from chipdx.analysis.qpcr.baseline import BaselineFit, fit_baseline, window_indices
from chipdx.analysis.qpcr.detection import call_amplification
from chipdx.analysis.qpcr.flags import QcFlag
from chipdx.analysis.qpcr.parameters import CurveParameters

__all__ = ["CURVE_METHOD", "CurveAnalysis", "CurveParameters", "analyze_curves", "initial_efficiency"]

CURVE_METHOD = ("second-derivative maximum Cq (Gaussian-kernel); LinRegPCR equal-slopes baseline; window "
                "efficiency extrapolated to the reaction start (linear efficiency decline)")


@dataclass(frozen=True, slots=True, eq=False)
class CurveAnalysis:
    """Per-reaction results of :func:`analyze_curves`; arrays have one entry per row.

    ``cq`` (second-derivative maximum) is ``NaN`` where the reaction did not amplify; the
    efficiencies are ``NaN`` also where the baseline criterion failed (``QC-BASELINE-ERROR``).
    The background is ``baseline + baseline_slope * column`` (column index from 0).
    ``window_efficiency`` is LinRegPCR's ``10**slope`` of the window; ``efficiency`` is the
    same corrected for the slowing of the reaction inside the window (see
    :func:`initial_efficiency`).
    ``flags`` holds :class:`~chipdx.analysis.qpcr.flags.QcFlag` bits.
    """

    cq: NDArray[np.float64]
    cq_first_derivative: NDArray[np.float64]
    cq_cy0: NDArray[np.float64]
    efficiency: NDArray[np.float64]
    window_efficiency: NDArray[np.float64]
    baseline: NDArray[np.float64]
    baseline_slope: NDArray[np.float64]
    window_slope: NDArray[np.float64]
    window_intercept: NDArray[np.float64]
    window_top: NDArray[np.float64]
    amplitude: NDArray[np.float64]
    noise: NDArray[np.float64]
    amplified: NDArray[np.bool_]
    flags: NDArray[np.uint32]
    corrected: NDArray[np.float64] = field(repr=False)
    cycles: NDArray[np.float64] = field(repr=False)
    parameters: CurveParameters = field(default_factory=CurveParameters)
    method: str = CURVE_METHOD


def _peak_offset(curve: NDArray[np.float64], index: NDArray[np.int64]) -> NDArray[np.float64]:
    """Sub-cycle position of a maximum by a parabola through the three points around it."""
    a = row_take(curve, index - 1)
    b = row_take(curve, index)
    c = row_take(curve, index + 1)
    denominator = a - 2 * b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = np.where(denominator < 0, 0.5 * (a - c) / denominator, 0.0)
    inside = (index > 0) & (index < curve.shape[1] - 1)
    return np.where(inside, np.clip(offset, -0.5, 0.5), 0.0)


def initial_efficiency(window_efficiency: NDArray[np.float64], corrected: NDArray[np.float64],
                       window_top: NDArray[np.int64], *, width: int) -> NDArray[np.float64]:
    """Efficiency extrapolated to the start of the reaction from the window efficiency.

    Per-cycle efficiency falls roughly linearly with the amount of product and reaches
    zero at the plateau (Rutledge & Stewart 2008, *BMC Biotechnol* 8:47, the basis of
    LRE). A window whose points hold on average a fraction ``f`` of the plateau therefore
    measures ``E_w - 1 = (E_0 - 1)(1 - f)``; this returns ``E_0 = 1 + (E_w - 1)/(1 - f)``,
    which removes most of the bias of window efficiencies against dilution series
    (Ruijter et al. 2013). ``f`` is capped at 0.5.
    """
    n_cols = corrected.shape[1]
    plateau = np.max(corrected[:, max(n_cols - 5, 0):], axis=1)
    columns = np.clip(window_top[:, None] + np.arange(-width + 1, 1)[None, :], 0, n_cols - 1)
    level = np.take_along_axis(corrected, columns, axis=1).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip(np.where(plateau > 0, level / plateau, 0.0), 0.0, 0.5)
    return np.asarray(1.0 + (window_efficiency - 1.0) / (1.0 - fraction), dtype=np.float64)


def _position(cycles: NDArray[np.float64], index: NDArray[np.int64], offset: NDArray[np.float64]) -> NDArray[
        np.float64]:
    step = np.gradient(cycles) if cycles.size > 1 else np.ones_like(cycles)
    clipped = np.clip(index, 0, cycles.size - 1)
    return np.asarray(cycles[clipped] + offset * step[clipped], dtype=np.float64)


def _second_derivative_maximum(d1: NDArray[np.float64], d2: NDArray[np.float64]) -> tuple[
        NDArray[np.int64], NDArray[np.int64]]:
    peak1 = np.argmax(d1, axis=1)
    columns = np.arange(d2.shape[1])[None, :]
    allowed = (columns <= peak1[:, None]) & (columns >= np.maximum(peak1 - 10, 1)[:, None])
    peak2 = np.argmax(np.where(allowed, d2, -np.inf), axis=1)
    return peak1.astype(np.int64), peak2.astype(np.int64)


def _ground_and_noise(values: NDArray[np.float64], peak2: NDArray[np.int64]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """Ground level (median of the ground phase) and noise SD (robust, from second differences)."""
    n_cols = values.shape[1]
    columns = np.arange(n_cols)[None, :]
    end = np.clip(peak2 - 8, 4, n_cols)
    ground_mask = (columns >= 1) & (columns < end[:, None])
    ground = np.nanmedian(np.where(ground_mask, values, np.nan), axis=1)
    second = np.abs(np.diff(values, n=2, axis=1))
    second_mask = ground_mask[:, 1:-1] if n_cols > 2 else ground_mask[:, :0]
    with np.errstate(all="ignore"):
        noise = MAD_TO_SD * np.nanmedian(np.where(second_mask, second, np.nan), axis=1) / np.sqrt(6.0)
    noise = np.where(np.isfinite(noise), noise, 0.0)
    return np.where(np.isfinite(ground), ground, values[:, 0]), noise


def _ground_drift(values: NDArray[np.float64], peak2: NDArray[np.int64], span: tuple[int, int]) -> NDArray[
        np.float64]:
    """Slope (per column) of the ground phase just before the rise: cycles ``Cq - span[0]`` to ``Cq - span[1]``.

    Zero where fewer than 5 such cycles exist (from cycle 3 on) or when ``span`` is empty.
    """
    n_cols = values.shape[1]
    columns = np.arange(n_cols, dtype=np.float64)[None, :]
    start = np.maximum(peak2 - span[0], 2)[:, None]
    mask = (columns >= start) & (columns < (peak2 - span[1])[:, None])
    count = mask.sum(axis=1)
    slope = masked_slope(columns, values, mask)
    return np.asarray(np.where((count >= 5) & np.isfinite(slope), slope, 0.0), dtype=np.float64)


def _fit_window(cycles: NDArray[np.float64], values: NDArray[np.float64], cq_index: NDArray[np.float64],
                ground: NDArray[np.float64], amplitude: NDArray[np.float64],
                parameters: CurveParameters) -> tuple[BaselineFit, NDArray[np.int64]]:
    stop = np.floor(cq_index - parameters.window_gap).astype(np.int64)
    stop = np.clip(stop, 0, values.shape[1] - 1)
    columns, usable = window_indices(stop, width=parameters.window_cycles)
    x = np.broadcast_to(cycles, values.shape)
    wx = np.take_along_axis(x, columns, axis=1)
    wy = np.take_along_axis(values, columns, axis=1)
    rising = np.concatenate([np.ones((values.shape[0], 1), bool), np.diff(wy, axis=1) > 0], axis=1)
    keep = usable & np.flip(np.cumprod(np.flip(rising, axis=1), axis=1), axis=1).astype(bool)
    fit = fit_baseline(wx, wy, keep, ground=ground, amplitude=amplitude)
    return fit, stop


def analyze_curves(fluorescence: NDArray[np.float64], cycles: NDArray[np.float64], *,
                   parameters: CurveParameters | None = None) -> CurveAnalysis:
    """Analyse every amplification curve of a ``(reactions x cycles)`` matrix.

    Parameters
    ----------
    fluorescence
        Raw or background-subtracted readings; ``NaN`` marks a missing reading.
    cycles
        Cycle numbers of the columns.
    parameters
        Method settings; the defaults are documented in ``docs/qpcr.md``.

    Returns
    -------
    CurveAnalysis
        Never raises on odd curves (flat, negative, short, gapped): they get flags.

    Examples
    --------
    >>> c = np.arange(1.0, 41.0)
    >>> f = 100 + 1e4 / (1 + np.exp(-(c - 25) / 1.5))
    >>> result = analyze_curves(np.vstack([f, np.full(40, 100.0)]), c)
    >>> result.amplified.tolist(), bool(abs(result.cq[0] - 23.0) < 1.0)
    ([True, False], True)
    """
    parameters = parameters or CurveParameters()
    cycles = np.asarray(cycles, dtype=np.float64)
    values, gapped, n_valid = fill_gaps(np.asarray(fluorescence, dtype=np.float64))
    n_rows, n_cols = values.shape
    flags = np.zeros(n_rows, dtype=np.uint32)
    flags |= np.where(n_valid == 0, QcFlag.NO_DATA.bit, 0).astype(np.uint32)
    flags |= np.where((n_valid > 0) & gapped, QcFlag.GAPS_FILLED.bit, 0).astype(np.uint32)
    short = n_valid < max(parameters.min_cycles, 6)
    flags |= np.where(short & (n_valid > 0), QcFlag.SHORT_CURVE.bit, 0).astype(np.uint32)
    if n_cols < 6:
        return _empty_result(values, cycles, flags, parameters)
    d1, d2 = derivatives(values)
    peak1, peak2 = _second_derivative_maximum(d1, d2)
    ground, noise = _ground_and_noise(values, peak2)
    top = np.max(values[:, max(n_cols - 5, 0):], axis=1)
    amplitude = top - ground
    cq_index = peak2 + _peak_offset(d2, peak2)
    drift = _ground_drift(values, peak2, parameters.drift_cycles)
    levelled = values - drift[:, None] * np.arange(n_cols)[None, :]
    fit, stop = _fit_window(cycles, levelled, cq_index, _ground_and_noise(levelled, peak2)[0], amplitude, parameters)
    window_efficiency = np.power(10.0, fit.slope)
    corrected = levelled - fit.baseline[:, None]
    efficiency = initial_efficiency(window_efficiency, corrected, stop, width=parameters.window_cycles)
    amplified, call_flags = call_amplification(
        values, d1=d1, d2=d2, peak1=peak1, peak2=peak2, ground=ground, noise=noise, amplitude=amplitude,
        efficiency=efficiency, fit=fit, stop=stop, cycles=cycles, parameters=parameters)
    flags |= call_flags
    amplified &= ~short
    fine = kernel_peak(values, peak2, sigma=parameters.kernel_sigma)
    whole = np.floor(fine).astype(np.int64)
    cq = np.where(amplified, _position(cycles, whole, fine - whole), np.nan)
    cq1 = np.where(amplified, _position(cycles, peak1, _peak_offset(d1, peak1)), np.nan)
    tangent = cy0(corrected, peak1, sigma=parameters.cy0_sigma)
    tangent = np.where(np.isfinite(tangent), tangent, peak1)
    whole_cy0 = np.floor(np.clip(tangent, 0, n_cols - 1)).astype(np.int64)
    cq_cy0 = np.where(amplified, _position(cycles, whole_cy0, tangent - whole_cy0), np.nan)
    return CurveAnalysis(
        cq=cq, cq_first_derivative=cq1, cq_cy0=cq_cy0, efficiency=np.where(amplified & fit.ok, efficiency, np.nan),
        window_efficiency=np.where(amplified & fit.ok, window_efficiency, np.nan),
        baseline=fit.baseline, baseline_slope=drift, window_slope=fit.slope, window_intercept=fit.intercept,
        window_top=_position(cycles, stop, np.zeros(n_rows)), amplitude=amplitude, noise=noise,
        amplified=amplified, flags=flags, corrected=corrected, cycles=cycles,
        parameters=parameters)


def _empty_result(values: NDArray[np.float64], cycles: NDArray[np.float64], flags: NDArray[np.uint32],
                  parameters: CurveParameters) -> CurveAnalysis:
    n_rows = values.shape[0]
    nan = np.full(n_rows, np.nan)
    flags = flags | np.uint32(QcFlag.NO_AMPLIFICATION.bit)
    return CurveAnalysis(
        cq=nan, cq_first_derivative=nan, cq_cy0=nan, efficiency=nan, window_efficiency=nan, baseline=nan,
        baseline_slope=nan, window_slope=nan, window_intercept=nan,
        window_top=nan, amplitude=nan, noise=nan, amplified=np.zeros(n_rows, bool), flags=flags,
        corrected=values, cycles=cycles, parameters=parameters)
