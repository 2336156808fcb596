"""Stable QC flag codes for digital PCR wells and the settings that trigger them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from chipdx.analysis.dpcr._quantify import CiMethod
from chipdx.codes import Source, codes_of

__all__ = ["DPCR_FLAG_DESCRIPTIONS", "DpcrFlag", "DpcrSettings"]


class DpcrFlag(StrEnum):
    """QC codes written in the flags column (;-separated); they never change."""

    EMPTY_WELL = "QC-DPCR-EMPTY-WELL"
    """No valid partition at all."""
    FEW_PARTITIONS = "QC-DPCR-FEW-PARTITIONS"
    """Fewer accepted partitions than min_partitions."""
    INVALID_PARTITIONS = "QC-DPCR-INVALID-PARTITIONS"
    """More than max_invalid_fraction of partitions invalid (instrument-excluded or NaN)."""
    FAILED_WELL = "QC-DPCR-FAILED-WELL"
    """The well's negative cloud lies more than failed_well_sd robust SDs from the median of its assay's wells."""
    POOR_SEPARATION = "QC-DPCR-POOR-SEPARATION"
    """Cloud resolution below min_resolution."""
    HIGH_RAIN = "QC-DPCR-HIGH-RAIN"
    """More than max_rain_fraction of accepted partitions lie between the clouds."""
    SATURATED = "QC-DPCR-SATURATED"
    """lambda above max_lambda (or every partition positive): imprecise or unquantifiable."""
    ONE_CLOUD = "QC-DPCR-ONE-CLOUD"
    """The assay shows one cloud only; the threshold is negative-cloud + 7 SD."""
    CHANNEL_MISSING = "QC-DPCR-CHANNEL-MISSING"
    """The layout names a channel the well's file does not have."""
    MANUAL_THRESHOLD = "QC-DPCR-MANUAL-THRESHOLD"
    """The threshold was set by the user."""
    MULTIPLEX_UNRESOLVED = "QC-DPCR-MULTIPLEX-UNRESOLVED"
    """Fewer clusters than targets were found on the reference well."""
    SPILL_ESTIMATED = "QC-DPCR-SPILL-ESTIMATED"
    """Spill into this channel was estimated from the droplets and subtracted (no calibration given)."""

#: Each flag code in words, for reports.
DPCR_FLAG_DESCRIPTIONS: dict[str, str] = codes_of(Source.DPCR)
"""The dPCR flags in words, from the one code registry (:mod:`chipdx.codes`)."""



@dataclass(frozen=True, slots=True)
class DpcrSettings:
    """Parameters of :func:`~chipdx.analysis.dpcr.analyze`; results record them.

    Parameters
    ----------
    ci_method
        Interval for k/n: wilson (default), exact or quantasoft.
    volume_cv
        Coefficient of variation of the partition volume, added to the interval (0 = off).
    partition_volume_nl
        Overrides the volume read from the file or the platform default.
    thresholds
        Manual thresholds as (target or channel, amplitude) pairs.
    min_partitions
        Fewest accepted partitions; None = max(1000, min(10 000, 0.6 x plate median)).
    crosstalk
        Known spill as (from_channel, into_channel, fraction): before classification,
        fraction x amplitude(from) is subtracted from into (linear compensation,
        as a spectral compensation matrix). Empty = estimate strong spill from the data
        (``spill="auto"``) and rely on the conditional fits for the rest.
    spill
        ``"auto"``: without ``crosstalk``, estimate each channel pair's spill from the 2-D
        clusters and subtract it when it lifts the crosstalk cloud by >= 4 negative SDs
        (runs without amplitude multiplex); ``"off"``: never.
    rain
        ``"threshold"`` (default): rain is called by the mixture/valley threshold, which
        matches expert and QuantaSoft calls on real data; ``"positive"``: the threshold
        is lowered to the upper edge of the negative cloud, so rain above it counts as
        positive (delayed amplification; see docs/dpcr.md for the trade-off).
    """

    ci_method: CiMethod = "wilson"
    volume_cv: float = 0.0
    partition_volume_nl: float | None = None
    thresholds: tuple[tuple[str, float], ...] = ()
    min_partitions: int | None = None
    max_invalid_fraction: float = 0.05
    max_rain_fraction: float = 0.025
    min_resolution: float = 2.0
    max_lambda: float = 5.0
    failed_well_sd: float = 6.0
    crosstalk: tuple[tuple[str, str, float], ...] = ()
    spill: Literal["auto", "off"] = "auto"
    rain: Literal["posterior", "threshold", "positive"] = "posterior"

    def __post_init__(self) -> None:
        if self.volume_cv < 0 or (self.partition_volume_nl is not None and not self.partition_volume_nl > 0):
            raise ValueError("volume_cv must be >= 0 and partition_volume_nl > 0")
