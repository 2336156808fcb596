"""What each well holds: samples, targets, channels, sample types and dilutions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from chipdx.model import SampleType

__all__ = ["LayoutRow"]


@dataclass(frozen=True, slots=True)
class LayoutRow:
    """One target read in one well (a row of the plate layout CSV).

    Parameters
    ----------
    well
        Well label (``A1`` or ``A01``).
    target
        Target name.
    channel
        The channel(s) the target is read in: ``Ch1``, or ``Ch1+Ch2`` for an
        amplitude-multiplexed target that lights both.
    sample
        Sample name (``None``: keep the file's).
    sample_type
        ``unkn``, ``ntc``, ``std``, ``pos``... (RDML codes).
    dilution
        Dilution factor from specimen to reaction (copies per specimen volume =
        copies/µL x dilution).
    reaction_volume_ul
        Reaction volume, for copies per reaction.
    reference
        This well is the reference for finding multiplex clusters.
    """

    well: str
    target: str
    channel: str
    sample: str | None = None
    sample_type: SampleType = SampleType.UNKNOWN
    dilution: float = 1.0
    reaction_volume_ul: float = 20.0
    reference: bool = False

    def __post_init__(self) -> None:
        if not self.target or not self.channel:
            raise ValueError(f"layout well {self.well}: target and channel must not be empty")
        if not (math.isfinite(self.dilution) and self.dilution > 0):
            raise ValueError(f"layout well {self.well}: dilution must be > 0, got {self.dilution}")
        if not (math.isfinite(self.reaction_volume_ul) and self.reaction_volume_ul > 0):
            raise ValueError(f"layout well {self.well}: reaction volume must be > 0")

    @property
    def channels(self) -> tuple[str, ...]:
        """The channel names, split on ``+``."""
        return tuple(part.strip() for part in self.channel.split("+"))
