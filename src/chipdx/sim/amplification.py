"""PCR amplification: a stochastic branching process that hands over to a deterministic model.

Each molecule is copied in a cycle with probability ``p(N) = v / (1 + (N / K)^theta)``: for
``theta = 1`` the Michaelis–Menten saturating branching process of Jagers & Klebaner (2003)
and Chigansky, Jagers & Klebaner (J Math Biol 2017, 76:679); ``theta`` is a Richards-type
exponent (Richards, J Exp Bot 1959, 10:290) that moves the fall of efficiency later and makes
the shoulder sharper, the asymmetry that 5-parameter fits of real curves need (Spiess et al.,
BMC Biotechnol 2008, 8:65). Optionally the new copies per cycle are capped smoothly by a
polymerase capacity ``C``, ``g = N p / (1 + N p / C)``: once the enzyme is saturated product
grows linearly per cycle before the plateau (Kainz, Biochim Biophys Acta 2000, 1494:23).
While a reaction holds fewer than :data:`HANDOVER_COPIES` copies the count is an integer and
grows by ``Binomial(N, p(N))``, which gives the right Cq spread and dropouts at a few copies;
above it the mean recursion ``N += N p(N)`` is used (the binomial's relative spread is
below 1 % there). Everything is vectorised over reactions (or partitions): one Python
loop over cycles only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["HANDOVER_COPIES", "PLATEAU_COPIES", "amplify", "efficiency_to_probability"]

#: Copies above which the branching process is replaced by its mean (design choice).
HANDOVER_COPIES = 1.0e4
#: Michaelis–Menten constant K: copies in a 20 µL reaction where saturation halves the
#: per-cycle efficiency. [assumption] K ≈ 1e10–1e12 (labchip_hardware.md §2.2; 0.1 µM primer in 20 µL ≈ 1.2e12).
PLATEAU_COPIES = 1.0e12


def efficiency_to_probability(efficiency: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Per-molecule copy probability ``v`` for an amplification factor (2.0 = 100 %).

    >>> round(float(efficiency_to_probability(1.9)), 6)
    0.9
    """
    return np.clip(np.asarray(efficiency, dtype=np.float64) - 1.0, 0.0, 1.0)


def amplify(
    n0: NDArray[np.int64] | NDArray[np.float64],
    efficiency: NDArray[np.float64],
    n_cycles: int,
    *,
    rng: np.random.Generator,
    plateau: NDArray[np.float64] | float = PLATEAU_COPIES,
    delay: NDArray[np.float64] | None = None,
    capacity: NDArray[np.float64] | float | None = None,
    shape: NDArray[np.float64] | float = 1.0,
) -> NDArray[np.float64]:
    """Copies after each cycle, shape ``(n_reactions, n_cycles)``.

    Parameters
    ----------
    n0
        Starting copies per reaction (integers), shape ``(n,)``.
    efficiency
        Initial amplification factor per cycle (1.0–2.0), shape ``(n,)``.
    n_cycles
        Number of cycles.
    rng
        The random generator (the only source of randomness).
    plateau
        Michaelis–Menten constant K per reaction (or one value).
    delay
        Optional cycles without amplification before the first copy (late onset, used for
        dPCR rain); fractional delays lower the first cycle's efficiency.
    capacity
        Optional most new copies the polymerase can make in one cycle, per reaction (or one
        value); the growth ``g = N p(N)`` becomes ``g / (1 + g / capacity)``, a smooth minimum.
    shape
        Richards exponent ``theta`` of the saturation, ``p(N) = v / (1 + (N / K)^theta)``; 1.0
        is the Michaelis–Menten form, larger values keep the efficiency high until closer to K.

    Returns
    -------
    numpy.ndarray
        Copies at the end of cycles ``1 .. n_cycles``.
    """
    counts = np.asarray(n0, dtype=np.float64).copy()
    v = efficiency_to_probability(np.asarray(efficiency, dtype=np.float64))
    k = np.broadcast_to(np.asarray(plateau, dtype=np.float64), counts.shape)
    wait = np.zeros_like(counts) if delay is None else np.asarray(delay, dtype=np.float64)
    cap = None if capacity is None else np.broadcast_to(np.asarray(capacity, dtype=np.float64), counts.shape)
    theta = np.broadcast_to(np.asarray(shape, dtype=np.float64), counts.shape)
    out = np.empty((counts.size, n_cycles))
    for cycle in range(n_cycles):
        active = np.clip(cycle + 1 - wait, 0.0, 1.0)
        p = v * active / (1.0 + (counts / k) ** theta)
        small = counts < HANDOVER_COPIES
        grow = counts * p
        if cap is not None:
            grow = grow / (1.0 + grow / cap)
        if small.any():
            grow[small] = rng.binomial(counts[small].astype(np.int64), p[small])
        counts = counts + grow
        out[:, cycle] = counts
    return out
