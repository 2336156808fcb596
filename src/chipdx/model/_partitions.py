"""Digital PCR partitions: end-point amplitudes per channel, calls, volume and counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from chipdx.model._arrays import frozen_array
from chipdx.model._plate import Well

__all__ = ["PartitionCall", "PartitionCounts", "WellPartitions"]


class PartitionCall(IntEnum):
    """Call of one partition for one target; ``code`` is the RDML score letter."""

    NEGATIVE = 0
    POSITIVE = 1
    UNDEFINED = 2
    EXCLUDED = 3

    @property
    def code(self) -> str:
        """The RDML letter: ``n``, ``p``, ``u`` or ``e``."""
        return "npue"[self.value]

    @classmethod
    def from_code(cls, code: str) -> PartitionCall:
        """The call for an RDML letter.

        >>> PartitionCall.from_code("p")
        <PartitionCall.POSITIVE: 1>
        """
        index = "npue".find(code)
        if index < 0 or len(code) != 1:
            raise ValueError(f"partition score must be one of n, p, u, e; got {code!r}")
        return cls(index)


@dataclass(frozen=True, slots=True)
class PartitionCounts:
    """Counts of one target in one well, as an instrument (or RDML) reports them."""

    target_id: str
    positive: int
    negative: int
    undefined: int | None = None
    excluded: int | None = None
    concentration_copies_per_ul: float | None = None
    exclusion: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        for name in ("positive", "negative", "undefined", "excluded"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} partitions of {self.target_id!r} must be >= 0, got {value}")
        conc = self.concentration_copies_per_ul
        if conc is not None and not math.isfinite(conc):
            raise ValueError(f"concentration of {self.target_id!r} must be finite, got {conc}")


@dataclass(frozen=True, slots=True, eq=False)
class WellPartitions:
    """The partitions of one dPCR well (or chip array).

    Parameters
    ----------
    well
        Where the reaction ran.
    sample_id
        The sample in the well.
    volume_nl
        Mean partition volume in nanolitres.
    counts
        Per-target counts as the source reports them (may be empty).
    targets
        The target read in each amplitude column.
    amplitudes
        End-point fluorescence, shape ``(n_partitions, len(targets))``, or ``None``
        when only counts are known.
    calls
        :class:`PartitionCall` values with the shape of ``amplitudes``, or ``None``.
    """

    well: Well
    sample_id: str
    volume_nl: float
    counts: tuple[PartitionCounts, ...] = ()
    targets: tuple[str, ...] = ()
    amplitudes: NDArray[np.float32] | None = None
    calls: NDArray[np.int8] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.volume_nl) and self.volume_nl > 0):
            raise ValueError(f"well {self.well.label}: partition volume must be > 0 nL, got {self.volume_nl}")
        if self.amplitudes is not None:
            amplitudes = frozen_array(self.amplitudes, np.float32, name="amplitudes", ndim=2)
            if amplitudes.shape[1] != len(self.targets):
                raise ValueError(
                    f"well {self.well.label}: {amplitudes.shape[1]} amplitude columns for "
                    f"{len(self.targets)} targets"
                )
            object.__setattr__(self, "amplitudes", amplitudes)
        if self.calls is not None:
            calls = frozen_array(self.calls, np.int8, name="calls", ndim=2)
            if self.amplitudes is None or calls.shape != self.amplitudes.shape:
                raise ValueError(f"well {self.well.label}: calls need amplitudes of the same shape")
            if calls.size and (calls.min() < 0 or calls.max() > max(PartitionCall)):
                raise ValueError(f"well {self.well.label}: calls must be PartitionCall values")
            object.__setattr__(self, "calls", calls)

    @property
    def n_partitions(self) -> int:
        """Number of partitions with amplitudes (0 when only counts are known)."""
        return 0 if self.amplitudes is None else int(self.amplitudes.shape[0])

    @property
    def valid(self) -> NDArray[np.bool_]:
        """Partitions not excluded for any target, shape ``(n_partitions,)``."""
        if self.calls is None:
            return np.ones(self.n_partitions, dtype=bool)
        return np.asarray(~np.any(self.calls == PartitionCall.EXCLUDED, axis=1))
