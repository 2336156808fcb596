"""Decoding instrument text exports in one place: gzip, encodings, line endings, dialects, rows.

Vendor exports arrive gzipped or plain; as UTF-8 (with or without a byte-order mark),
UTF-16 with a BOM, or a Windows code page (``°`` and ``µ`` as single bytes); with CRLF,
LF or CR-only line endings; with the delimiter and decimal mark of the exporting PC's
regional settings (Bio-Rad CFX writes ``;`` and ``,`` on a French or German PC); and
with rows that have more or fewer fields than the header. Every text reader decodes
through these functions.
"""

from __future__ import annotations

import csv
import io
import zlib
from pathlib import Path

from chipdx.errors import FormatError, UnsafeInputError
from chipdx.io._safety import MAX_INPUT_BYTES, read_file_bounded

__all__ = [
    "decode_text",
    "fields_of",
    "guess_dialect",
    "gunzip_bounded",
    "gunzip_head",
    "read_text",
    "split_lines",
    "split_rows",
]

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def gunzip_bounded(data: bytes, *, source: str) -> bytes:
    """Unpack gzip data (returned as is when not gzip), refusing more than the input limit."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_INPUT_BYTES + 1)
    except zlib.error as exc:
        raise FormatError(source, "gzip stream", "intact gzip data", str(exc)) from None
    if len(out) > MAX_INPUT_BYTES or inflater.unconsumed_tail:
        raise UnsafeInputError(source, "gzip stream", f"at most {MAX_INPUT_BYTES} bytes unpacked", "more")
    if not inflater.eof:
        raise FormatError(source, "gzip stream", "a complete gzip file", "a truncated stream")
    return out


def gunzip_head(head: bytes) -> bytes:
    """The first unpacked bytes of gzip data, for sniffing (``head`` itself when not gzip)."""
    if not head.startswith(b"\x1f\x8b"):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 8192)
    except zlib.error:
        return b""


def decode_text(data: bytes, *, source: str | None = None) -> str:
    """Bytes to text: UTF-16 with a BOM, else UTF-8 (BOM removed), else cp1252, else Latin-1.

    With ``source``, binary data (NUL bytes outside UTF-16) is refused with a
    :class:`~chipdx.errors.FormatError` naming it.

    >>> decode_text(b"\\xef\\xbb\\xbfsep=,")
    'sep=,'
    >>> decode_text(b"60\\xb0C")
    '60°C'
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FormatError(source or "", f"byte {exc.start}", "UTF-16 text", "an invalid byte sequence") from None
    if source is not None and b"\x00" in data[:4096]:
        raise FormatError(source, "", "a text export", f"binary data (first bytes {data[:8].hex(' ')})")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
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


def guess_dialect(header: str) -> tuple[str, str]:
    """The (delimiter, decimal mark) of a CSV export, from its header line.

    >>> guess_dialect(",Well,Fluor,Cq"), guess_dialect(";Well;Fluor;Cq"), guess_dialect("Well\\tCq")
    ((',', '.'), (';', ','), ('\\t', '.'))
    """
    counts = {delimiter: header.count(delimiter) for delimiter in ("\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    return delimiter, "," if delimiter == ";" else "."


def split_rows(text: str, delimiter: str, *, source: str) -> list[list[str]]:
    """Rows of cells (quoted cells may hold the delimiter)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        raise FormatError(source, f"line {reader.line_num}", "delimited text", str(exc)) from None
