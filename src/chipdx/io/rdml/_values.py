"""Decoding RDML text into numbers and arrays, with errors that name the place."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from chipdx.errors import FormatError, quote

__all__ = ["ValueDecoder"]


class ValueDecoder:
    """Turns element text into floats for one source file.

    RDML uses ``NaN`` and ``-1`` to say "not available" in optional scalar fields;
    those become ``None``. Curve points must be finite numbers.
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, place: str, expected: str, found: str) -> FormatError:
        """A :class:`FormatError` for this source."""
        return FormatError(self.source, place, expected, found)

    def number(self, text: str | None, place: str) -> float:
        """A required finite number."""
        if text is None or not text.strip():
            raise self.fail(place, "a number", "nothing")
        try:
            value = float(text)
        except ValueError:
            raise self.fail(place, "a number", quote(text)) from None
        if not math.isfinite(value):
            raise self.fail(place, "a finite number", quote(text.strip()))
        return value

    def optional(self, text: str | None, place: str, *, negative_is_missing: bool = False) -> float | None:
        """An optional number; empty, ``NaN`` (and negatives where RDML says so) give ``None``."""
        if text is None or not text.strip() or text.strip().lower() == "nan":
            return None
        value = self.number(text, place)
        if negative_is_missing and value < 0:
            return None
        return value

    def integer(self, text: str | None, place: str) -> int:
        """A required non-negative whole number."""
        value = self.number(text, place)
        if value != int(value) or value < 0:
            raise self.fail(place, "a whole number >= 0", quote(text))
        return int(value)

    def array(
        self, texts: Sequence[str], place: Callable[[int], str], *, what: str = "a finite number"
    ) -> NDArray[np.float64]:
        """Many numbers at once; on failure, the message names the first bad one."""
        try:
            values = np.array(texts, dtype=np.float64)
        except ValueError:
            values = None
        if values is not None and bool(np.all(np.isfinite(values))):
            return values
        for index, text in enumerate(texts):
            self.number(text, place(index))
        raise self.fail(place(0), what, "a value that is not")  # pragma: no cover - found above
