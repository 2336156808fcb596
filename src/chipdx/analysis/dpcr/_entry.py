"""One (well, target) row of a dPCR plate while it is being built (shared by simplex and multiplex calling)."""

from __future__ import annotations

import dataclasses

from chipdx.analysis.dpcr._layout import LayoutRow

__all__ = ["Entry"]


@dataclasses.dataclass(slots=True)
class Entry:
    """One (well, target) row being built."""

    row: LayoutRow
    well_index: int
    sample: str
    volume_nl: float
    n_positive: int = 0
    n_negative: int = 0
    n_rain: int = 0
    n_invalid: int = 0
    threshold: float = float("nan")
    rain_band: tuple[float, float] = (float("nan"), float("nan"))
    resolution: float = float("nan")
    method: str = ""
    n_above: int | None = None  # partitions above the threshold, when rain allocation changed the count
    rain_variance: float = 0.0
    hidden: float = 0.0
    flags: list[str] = dataclasses.field(default_factory=list)
