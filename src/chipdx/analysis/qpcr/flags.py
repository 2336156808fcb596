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

from chipdx.codes import meaning

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


FLAG_DESCRIPTIONS: dict[QcFlag, str] = {flag: meaning(flag.code) for flag in QcFlag}
"""Each flag in words, from the one code registry (:mod:`chipdx.codes`)."""


def has(bits: NDArray[np.uint32], flag: QcFlag) -> NDArray[np.bool_]:
    """Boolean mask of the reactions whose ``bits`` include ``flag``."""
    return np.asarray((bits & np.uint32(flag.bit)) != 0, dtype=bool)


def decode(bits: NDArray[np.uint32]) -> list[tuple[str, ...]]:
    """The codes set in each element of ``bits``, in the order of :class:`QcFlag`."""
    flags = list(QcFlag)
    masks = np.stack([has(bits, f) for f in flags], axis=1) if len(bits) else np.zeros((0, len(flags)), bool)
    return [tuple(flags[j].code for j in np.flatnonzero(row)) for row in masks]
