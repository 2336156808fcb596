"""Decoding and splitting the delimited text that qPCR instruments export.

Exports come in UTF-8 (with or without BOM), UTF-16 or Windows code pages, and
their delimiter and decimal mark follow the Windows regional settings of the PC
that exported them (Bio-Rad CFX writes ``;`` and ``,`` on a French or German PC).
"""

from __future__ import annotations

import csv
import io
import zlib

from chipdx.errors import FormatError, UnsafeInputError
from chipdx.io._safety import MAX_INPUT_BYTES

__all__ = ["decode_text", "guess_dialect", "gunzip_bounded", "gunzip_head", "split_rows"]


def gunzip_bounded(data: bytes, *, source: str) -> bytes:
    """Unpack gzip data (returned as is when not gzip), refusing more than the input limit."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_INPUT_BYTES + 1)
    except zlib.error as exc:
        raise FormatError(source, "gzip stream", "intact gzip data", str(exc)) from None
    if len(out) > MAX_INPUT_BYTES:
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


def decode_text(data: bytes, *, source: str) -> str:
    """Bytes to text: UTF-8 (BOM removed), UTF-16 with a BOM, else Windows-1252.

    >>> decode_text(b"\\xef\\xbb\\xbfWell", source="x")
    'Well'
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError(source, "", "a text export", f"binary data (first bytes {data[:8].hex(' ')})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FormatError(source, f"byte {exc.start}", "UTF-16 text", "an invalid byte sequence") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
