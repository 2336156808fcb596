"""Plate formats and well positions.

RDML numbers reactions row-first from 1 (A1=1, A2=2, ... B1=13 on a 96-well plate);
:class:`PlateFormat` converts between that number, a (row, column) pair and a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LabelFormat", "PlateFormat", "Well"]

_LABEL = re.compile(r"^\s*([A-Za-z]{1,2})\s*0*(\d{1,3})\s*$")


class LabelFormat(StrEnum):
    """How rows or columns are labelled (RDML ``labelFormatType``)."""

    LETTERS = "ABC"
    NUMBERS = "123"
    A1A1 = "A1a1"


def _letters(index: int) -> str:
    """Row letters for a 0-based index: 0 -> A, 25 -> Z, 26 -> AA."""
    if index < 26:
        return chr(ord("A") + index)
    return chr(ord("A") + index // 26 - 1) + chr(ord("A") + index % 26)


def _letters_index(text: str) -> int:
    text = text.upper()
    if len(text) == 1:
        return ord(text) - ord("A")
    return (ord(text[0]) - ord("A") + 1) * 26 + ord(text[1]) - ord("A")


@dataclass(frozen=True, slots=True, order=True)
class Well:
    """One position of a plate, rotor or chip.

    ``row`` and ``column`` count from 0; ``label`` is what people read (``"B7"``);
    ``index`` is the RDML reaction number, counted from 1 row-first.
    """

    index: int
    row: int
    column: int
    label: str

    def __post_init__(self) -> None:
        if self.index < 1 or self.row < 0 or self.column < 0:
            raise ValueError(f"well {self.label!r}: index must be >= 1 and row/column >= 0")


@dataclass(frozen=True, slots=True)
class PlateFormat:
    """The layout of a run: rows x columns and how they are labelled.

    >>> plate = PlateFormat(8, 12)
    >>> plate.well(13).label
    'B1'
    >>> plate.parse("H12").index
    96
    """

    rows: int
    columns: int
    row_label: LabelFormat = LabelFormat.LETTERS
    column_label: LabelFormat = LabelFormat.NUMBERS

    def __post_init__(self) -> None:
        if self.rows < 1 or self.columns < 1:
            raise ValueError(f"a plate needs at least 1 row and 1 column, got {self.rows}x{self.columns}")

    @property
    def size(self) -> int:
        """Number of positions."""
        return self.rows * self.columns

    def label(self, row: int, column: int) -> str:
        """The label of a 0-based (row, column) position."""
        if self.columns == 1 and self.row_label is LabelFormat.NUMBERS:
            return str(row + 1)
        rows = _letters(row) if self.row_label is not LabelFormat.NUMBERS else str(row + 1)
        return f"{rows}{column + 1}"

    def well(self, index: int) -> Well:
        """The well with RDML reaction number ``index`` (1-based, row-first)."""
        if not 1 <= index <= self.size:
            raise ValueError(f"well number {index} is outside a {self.rows}x{self.columns} plate")
        row, column = divmod(index - 1, self.columns)
        return Well(index, row, column, self.label(row, column))

    def well_at(self, row: int, column: int) -> Well:
        """The well at a 0-based (row, column) position."""
        if not (0 <= row < self.rows and 0 <= column < self.columns):
            raise ValueError(f"position ({row}, {column}) is outside a {self.rows}x{self.columns} plate")
        return Well(row * self.columns + column + 1, row, column, self.label(row, column))

    def parse(self, label: str) -> Well:
        """The well named by a label such as ``"A1"``, ``"a01"`` or, on a rotor, ``"7"``."""
        text = label.strip()
        if text.isdigit():
            return self.well(int(text))
        match = _LABEL.match(text)
        if match is None:
            raise ValueError(f"{label!r} is not a well label like 'A1'")
        return self.well_at(_letters_index(match.group(1)), int(match.group(2)) - 1)

    @classmethod
    def fitting(cls, rows: int, columns: int) -> PlateFormat:
        """The smallest standard plate (96, 384, 1536) holding ``rows`` x ``columns``.

        >>> PlateFormat.fitting(3, 5).size, PlateFormat.fitting(9, 5).size
        (96, 384)
        """
        for standard_rows, standard_columns in ((8, 12), (16, 24), (32, 48)):
            if rows <= standard_rows and columns <= standard_columns:
                return cls(standard_rows, standard_columns)
        return cls(rows, columns)
