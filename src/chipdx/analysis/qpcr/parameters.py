"""Settings of the curve analysis (:class:`CurveParameters`), shared by the Cq and the amplification call."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CurveParameters"]


@dataclass(frozen=True, slots=True)
class CurveParameters:
    """Settings of :func:`analyze_curves` (defaults are the documented method).

    Parameters
    ----------
    kernel_sigma
        Width (cycles) of the Gaussian whose second derivative locates the Cq.
    cy0_sigma
        Width (cycles) of the Gaussian smoothing used for Cy0.
    drift_cycles
        The ground-phase drift is the slope over the cycles from ``Cq - drift_cycles[0]`` to
        ``Cq - drift_cycles[1]``; it is removed before the baseline is fitted (``(0, 0)``: never).
    window_cycles
        Cycles in the log-linear window used for the baseline and the efficiency.
    window_gap
        Cycles between the window's top point and the Cq (second-derivative maximum).
    min_cycles
        Fewer finite readings than this give ``QC-SHORT-CURVE``.
    min_rise_noise
        The rise must exceed this many ground-phase noise SDs to call amplification.
    min_rise_fraction
        ... and this fraction of the ground level (raw data; ignored when the ground is near zero).
    efficiency_range
        Individual efficiencies outside it reject the amplification call.
    late_cycles
        A Cq within this many cycles of the last cycle gives ``QC-LATE``.
    low_efficiency
        A window efficiency below it gives ``QC-LOW-EFFICIENCY``.
    """

    kernel_sigma: float = 1.8
    cy0_sigma: float = 1.0
    drift_cycles: tuple[int, int] = (16, 8)
    window_cycles: int = 6
    window_gap: float = 0.5
    min_cycles: int = 10
    min_rise_noise: float = 15.0
    min_rise_fraction: float = 0.05
    efficiency_range: tuple[float, float] = (1.3, 2.6)
    late_cycles: float = 5.0
    low_efficiency: float = 1.7
