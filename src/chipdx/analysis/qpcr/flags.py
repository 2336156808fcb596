"""Stable QC flag codes of the qPCR engine, carried as bits of one integer per reaction.

Each flag has a code that never changes (it appears verbatim in CSV files and
reports) and a bit, so that a whole plate's flags are one ``uint32`` array and
every check stays vectorised. :func:`decode` turns the bits back into codes.

>>> bits = np.array([QcFlag.NO_PLATEAU.bit | QcFlag.LATE.bit, 0], dtype=np.uint32)
>>> decode(bits)
[('QC-NO-PLATEAU', 'QC-LATE'), ()]
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from numpy.typing import NDArray

__all__ = ["FLAG_DESCRIPTIONS", "QcFlag", "decode", "has"]


class QcFlag(Enum):
    """QC flags: ``(code, bit)``; the code is the stable public name."""

    NO_DATA = ("QC-NO-DATA", 0)
    SHORT_CURVE = ("QC-SHORT-CURVE", 1)
    GAPS_FILLED = ("QC-GAPS-FILLED", 2)
    NO_AMPLIFICATION = ("QC-NO-AMPLIFICATION", 3)
    NO_PLATEAU = ("QC-NO-PLATEAU", 4)
    UNSTABLE_BASELINE = ("QC-UNSTABLE-BASELINE", 5)
    BASELINE_ERROR = ("QC-BASELINE-ERROR", 6)
    NOISY = ("QC-NOISY", 7)
    SPIKE = ("QC-SPIKE", 8)
    STEP = ("QC-STEP", 9)
    LATE = ("QC-LATE", 10)
    EARLY = ("QC-EARLY", 11)
    EFFICIENCY_OUTLIER = ("QC-EFFICIENCY-OUTLIER", 12)
    KINETIC_OUTLIER = ("QC-KINETIC-OUTLIER", 13)
    REPLICATE_OUTLIER = ("QC-REPLICATE-OUTLIER", 14)
    NTC_AMPLIFICATION = ("QC-NTC-AMPLIFICATION", 15)
    NEGATIVE_SIGNAL = ("QC-NEGATIVE-SIGNAL", 16)
    SHORT_LOG_PHASE = ("QC-SHORT-LOG-PHASE", 17)
    LOW_EFFICIENCY = ("QC-LOW-EFFICIENCY", 18)

    @property
    def code(self) -> str:
        """The stable code, e.g. ``"QC-NO-PLATEAU"``."""
        return self.value[0]

    @property
    def bit(self) -> int:
        """The bit mask of this flag inside a flag integer."""
        return int(1 << self.value[1])


FLAG_DESCRIPTIONS: dict[QcFlag, str] = {
    QcFlag.NO_DATA: "the reaction has no finite reading",
    QcFlag.SHORT_CURVE: "fewer readings than the minimum to analyse (default 10 cycles)",
    QcFlag.GAPS_FILLED: "missing readings were filled by linear interpolation (edges: nearest value)",
    QcFlag.NO_AMPLIFICATION: "no amplification: no rise above the ground-phase noise with an exponential phase",
    QcFlag.NO_PLATEAU: "the curve is still rising steeply at the last cycle (no plateau reached)",
    QcFlag.UNSTABLE_BASELINE: "the ground phase drifts by more than the amplitude allows, or the Cq moves by "
                              "more than 0.5 cycle when the baseline changes by 5 %",
    QcFlag.BASELINE_ERROR: "no baseline makes the log-linear phase straight (LinRegPCR criterion failed)",
    QcFlag.NOISY: "cycle-to-cycle noise of the ground phase is large against the amplitude",
    QcFlag.SPIKE: "one reading jumps far from both neighbours",
    QcFlag.STEP: "the curve shifts abruptly and stays shifted (a level step)",
    QcFlag.LATE: "the Cq is within 5 cycles of the last cycle",
    QcFlag.EARLY: "the Cq is so early that there are fewer than 3 ground-phase cycles",
    QcFlag.EFFICIENCY_OUTLIER: "the reaction's efficiency differs from its amplicon's (robust z > 3.5, Bar 2003)",
    QcFlag.KINETIC_OUTLIER: "the curve shape (cpD1 - cpD2, efficiency) is far from its amplicon's "
                            "(robust Mahalanobis distance, Tichopad 2010)",
    QcFlag.REPLICATE_OUTLIER: "the Cq is more than 4 robust SD (and 0.25 cycle) from its replicates' median",
    QcFlag.NTC_AMPLIFICATION: "a no-template control amplified",
    QcFlag.NEGATIVE_SIGNAL: "the curve falls markedly (negative amplitude)",
    QcFlag.SHORT_LOG_PHASE: "the log-linear phase spans fewer than 4 usable cycles",
    QcFlag.LOW_EFFICIENCY: "the reaction's efficiency is below 1.7 fold per cycle (inhibition, poor assay)",
}


def has(bits: NDArray[np.uint32], flag: QcFlag) -> NDArray[np.bool_]:
    """Boolean mask of the reactions whose ``bits`` include ``flag``."""
    return np.asarray((bits & np.uint32(flag.bit)) != 0, dtype=bool)


def decode(bits: NDArray[np.uint32]) -> list[tuple[str, ...]]:
    """The codes set in each element of ``bits``, in the order of :class:`QcFlag`."""
    flags = list(QcFlag)
    masks = np.stack([has(bits, f) for f in flags], axis=1) if len(bits) else np.zeros((0, len(flags)), bool)
    return [tuple(flags[j].code for j in np.flatnonzero(row)) for row in masks]
