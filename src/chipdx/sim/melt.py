"""Melt curves of intercalating-dye reactions.

Each double-stranded product contributes ``a / (1 + exp((T - Tm) / w))`` (a two-state
melting transition, as assumed by derivative-peak Tm calling, e.g. Ririe et al., Anal Biochem
1997, 245:154); free dye fluorescence falls linearly with temperature. Widths, slopes and the
primer-dimer Tm are [assumption].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MELT_STEP_C", "melt_curves", "melt_temperatures"]

MELT_STEP_C = 0.5
_WIDTH_C = 0.9
_DYE_SLOPE = 0.012  # relative loss of background fluorescence per °C [assumption]


def melt_temperatures(start_c: float = 65.0, stop_c: float = 95.0, step_c: float = MELT_STEP_C) -> NDArray[np.float64]:
    """The melt ramp (°C).

    >>> melt_temperatures(65, 66, 0.5).tolist()
    [65.0, 65.5, 66.0]
    """
    return np.round(np.arange(start_c, stop_c + step_c / 2, step_c), 6)


def melt_curves(
    amounts: NDArray[np.float64],
    tm_c: NDArray[np.float64],
    temperatures: NDArray[np.float64],
    *,
    rng: np.random.Generator,
    amplitude: float = 6000.0,
    background: float = 800.0,
    noise: float = 6.0,
) -> NDArray[np.float64]:
    """Fluorescence ``(n, points)`` for ``amounts`` and ``tm_c`` of shape ``(n, products)``.

    ``amounts`` are the products' signal fractions at the end of cycling (0–1).
    """
    t = temperatures[None, None, :]
    tm = tm_c[..., None] + 0.15 * rng.standard_normal(tm_c.shape)[..., None]
    bound = amounts[..., None] / (1.0 + np.exp((t - tm) / _WIDTH_C))
    fraction = bound.sum(axis=1)
    free = background * (1.0 - _DYE_SLOPE * (temperatures - temperatures[0]))
    signal = amplitude * fraction * (1.0 - 0.004 * (temperatures - temperatures[0])) + free
    return np.asarray(signal + noise * rng.standard_normal(signal.shape), dtype=np.float64)
