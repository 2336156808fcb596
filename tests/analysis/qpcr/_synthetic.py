"""Synthetic amplification curves with known N0 and efficiency (test helper)."""

from __future__ import annotations

import numpy as np


def logistic_growth(n0: np.ndarray, efficiency: float, *, cycles: int = 45, plateau: float = 1.0,
                    background: float = 0.0, gain: float = 1e4) -> np.ndarray:
    """Discrete logistic growth ``F[c+1] = F[c] * (1 + (E - 1) * (1 - F[c] / plateau))``, times ``gain``.

    ``n0`` is the starting amount in plateau units (one curve per element).
    """
    values = np.empty((n0.size, cycles))
    current = np.asarray(n0, dtype=float).copy()
    for c in range(cycles):
        current = current * (1 + (efficiency - 1) * (1 - current / plateau))
        values[:, c] = current
    return background + gain * values
