"""Decoding instrument text exports: encodings, line endings, ragged CSV rows.

Vendor CSV files arrive as UTF-8 (with or without a byte-order mark), as
Latin-1/cp1252 (``°`` and ``µ`` as single bytes), with CRLF, LF or CR-only
line endings, and with rows that have more or fewer fields than the header.
Every text reader decodes through these functions so those quirks are handled
in one place.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._safety import read_file_bounded

__all__ = ["decode_text", "fields_of", "read_text", "split_lines"]


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (BOM removed), falling back to cp1252 and then Latin-1.

    >>> decode_text(b"\\xef\\xbb\\xbfsep=,")
    'sep=,'
    >>> decode_text(b"60\\xb0C")
    '60°C'
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_text(path: Path) -> str:
    """Read a bounded text file, refusing binary content with a :class:`FormatError`."""
    data = read_file_bounded(path)
    if b"\x00" in data[:4096]:
        raise FormatError(str(path), "", "a text (CSV) file", "binary data")
    return decode_text(data)


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or CR alone.

    >>> split_lines("a\\rb\\r\\nc\\nd")
    ['a', 'b', 'c', 'd']
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def fields_of(lines: list[str], *, delimiter: str = ",") -> list[list[str]]:
    """Parse CSV lines (quotes honoured) into lists of stripped fields; rows may be ragged."""
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    return [[field.strip() for field in row] for row in reader]
