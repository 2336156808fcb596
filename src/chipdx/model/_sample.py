"""Samples: the template solutions put into reactions (RDML ``sample``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Quantity", "QuantityUnit", "Sample", "SampleType"]


class SampleType(StrEnum):
    """What a sample is for, with the RDML codes plus an extraction control.

    RDML 1.3 defines ``unkn``, ``ntc``, ``nac``, ``std``, ``ntp``, ``nrt``,
    ``pos`` and ``opt``. chipdx adds ``ext``: an extraction control (such as the
    CDC human specimen control) that goes through extraction with the specimens.
    RDML has no code for it, so the RDML writer stores it as ``unkn`` with a
    ``chipdx:sample_type`` annotation that the reader restores.
    """

    UNKNOWN = "unkn"
    NTC = "ntc"
    NO_AMPLIFICATION_CONTROL = "nac"
    STANDARD = "std"
    NO_TARGET_PRESENT = "ntp"
    NO_REVERSE_TRANSCRIPTION = "nrt"
    POSITIVE_CONTROL = "pos"
    OPTICAL_CALIBRATOR = "opt"
    EXTRACTION_CONTROL = "ext"


class QuantityUnit(StrEnum):
    """Units of a sample quantity, as RDML names them."""

    COPIES = "cop"
    FOLD = "fold"
    DILUTION = "dil"
    NANOGRAM = "ng"
    NANOMOLE = "nMol"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A known amount of template, for standards and calibrators.

    >>> Quantity(1500.0, QuantityUnit.COPIES)
    Quantity(value=1500.0, unit=<QuantityUnit.COPIES: 'cop'>)
    """

    value: float
    unit: QuantityUnit = QuantityUnit.COPIES

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"a quantity must be a finite number, got {self.value!r}")


@dataclass(frozen=True, slots=True)
class Sample:
    """A template solution.

    Parameters
    ----------
    id
        The sample name as the user gave it; unique within a dataset.
    type
        The sample type valid for every target unless overridden per target.
    quantity
        The known input amount (standards), or ``None``.
    types_by_target
        ``(target_id, type)`` pairs where the type differs per target (RDML allows it).
    description
        Free text.
    annotations
        ``(property, value)`` pairs kept from the source file.
    """

    id: str
    type: SampleType = SampleType.UNKNOWN
    quantity: Quantity | None = None
    types_by_target: tuple[tuple[str, SampleType], ...] = ()
    description: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a sample id must not be empty")

    def type_for(self, target_id: str) -> SampleType:
        """The sample type that applies to ``target_id``.

        >>> s = Sample("S1", SampleType.UNKNOWN, types_by_target=(("RP", SampleType.POSITIVE_CONTROL),))
        >>> s.type_for("RP"), s.type_for("N1")
        (<SampleType.POSITIVE_CONTROL: 'pos'>, <SampleType.UNKNOWN: 'unkn'>)
        """
        for target, sample_type in self.types_by_target:
            if target == target_id:
                return sample_type
        return self.type
