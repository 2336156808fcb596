"""Per-electrode capacitance sensing: offsets, calibration, noise and the settle criterion.

A droplet on an actuated electrode raises its capacitance towards ``c_full`` times the droplet's
volume fraction with first-order dynamics; readings every 25 ms carry noise and a per-electrode
offset that the calibration removes (imperfectly). A move is done when the calibrated
capacitance is steady (standard error of the last readings <= 2 % of their mean), at least
0.3 s have passed and the level is at least ``min_fraction`` of a full droplet; otherwise it
times out. The criterion and sample interval are those of DropBot's ``move_liquid`` (dropbot.py
``move.py``: std-error <= 2 %, >= 0.3 s, >= 10 pF, 25 ms); PurpleDrop calibrates per-electrode
offsets (purpledrop-driver ``docs/calibration.md``). Magnitudes are [assumption].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Reading", "Sensor", "SensorParams"]


@dataclass(frozen=True, slots=True)
class SensorParams:
    """Capacitance model and settle criterion."""

    c_full_pf: float = 12.0
    offset_sd_pf: float = 0.8
    calibration_error_pf: float = 0.05
    noise_pf: float = 0.08
    tau_s: float = 0.06
    sample_s: float = 0.025
    min_settle_s: float = 0.3
    timeout_s: float = 1.5
    window: int = 4
    stderr_limit: float = 0.02
    min_fraction: float = 0.7


@dataclass(frozen=True, slots=True)
class Reading:
    """Summary of one closed-loop move: settled or not, level and time taken."""

    settled: bool
    capacitance_pf: float
    settle_s: float
    samples: int


class Sensor:
    """The capacitance sensor of a chip with its per-electrode offsets and calibration."""

    def __init__(self, columns: int, rows: int, *, rng: np.random.Generator,
                 params: SensorParams | None = None) -> None:
        self.params = params or SensorParams()
        p = self.params
        self.offsets: NDArray[np.float64] = p.offset_sd_pf * rng.standard_normal((columns, rows))
        self.calibrated: NDArray[np.float64] = self.offsets + p.calibration_error_pf * rng.standard_normal(
            (columns, rows))
        self._times = np.arange(1, int(p.timeout_s / p.sample_s) + 1) * p.sample_s

    def move(self, cell: tuple[int, int], fraction: float, *, rng: np.random.Generator) -> Reading:
        """Actuate ``cell`` with a droplet of ``fraction`` of a unit volume arriving (0 = nothing arrives)."""
        p = self.params
        level = p.c_full_pf * fraction * -np.expm1(-self._times / p.tau_s)
        raw = level + self.offsets[cell] + p.noise_pf * rng.standard_normal(self._times.size)
        value = raw - self.calibrated[cell]
        w = p.window
        windows = np.lib.stride_tricks.sliding_window_view(value, w)
        mean = windows.mean(axis=1)
        stderr = windows.std(axis=1, ddof=1) / np.sqrt(w)
        ok = ((stderr <= p.stderr_limit * np.abs(mean)) & (self._times[w - 1:] >= p.min_settle_s)
              & (mean >= p.min_fraction * p.c_full_pf))
        hits = np.flatnonzero(ok)
        if hits.size:
            k = int(hits[0]) + w - 1
            return Reading(True, round(float(mean[hits[0]]), 3), round(float(self._times[k]), 3), k + 1)
        return Reading(False, round(float(mean[-1]), 3), p.timeout_s, int(self._times.size))
