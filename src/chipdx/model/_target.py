"""Targets (what an assay detects) and dyes (how it is seen)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Dye", "DyeChemistry", "Sequences", "Target", "TargetType"]


class DyeChemistry(StrEnum):
    """Detection chemistries, with the RDML 1.3 wording."""

    NON_SATURATING_DYE = "non-saturating DNA binding dye"
    SATURATING_DYE = "saturating DNA binding dye"
    HYBRIDIZATION_PROBE = "hybridization probe"
    HYDROLYSIS_PROBE = "hydrolysis probe"
    LABELLED_FORWARD_PRIMER = "labelled forward primer"
    LABELLED_REVERSE_PRIMER = "labelled reverse primer"
    DNA_ZYME_PROBE = "DNA-zyme probe"


class TargetType(StrEnum):
    """Role of a target in relative quantification (RDML ``toi``/``ref``)."""

    OF_INTEREST = "toi"
    REFERENCE = "ref"


@dataclass(frozen=True, slots=True)
class Dye:
    """A fluorescent dye, which is also an optical channel (FAM, HEX, SYBR, ...)."""

    id: str
    chemistry: DyeChemistry | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a dye id must not be empty")


@dataclass(frozen=True, slots=True)
class Sequences:
    """Oligonucleotide sequences of an assay (5'→3', IUPAC letters)."""

    forward_primer: str | None = None
    reverse_primer: str | None = None
    probe1: str | None = None
    probe2: str | None = None
    amplicon: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """An amplicon that an assay detects.

    ``efficiency`` is the amplification factor per cycle as RDML stores it
    (2.0 means 100 %), as reported by the source file; chipdx's own estimates
    live in analysis results, never here.
    """

    id: str
    dye_id: str
    type: TargetType = TargetType.OF_INTEREST
    description: str | None = None
    efficiency: float | None = None
    efficiency_se: float | None = None
    efficiency_method: str | None = None
    melting_temperature_c: float | None = None
    detection_limit: float | None = None
    sequences: Sequences | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a target id must not be empty")
        if not self.dye_id:
            raise ValueError(f"target {self.id!r} needs a dye id")
