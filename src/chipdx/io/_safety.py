"""Reading untrusted bytes safely: bounded files and zips, XML without DTDs.

Every reader goes through these functions, so the limits are the same everywhere:

* a file or zip member larger than :data:`MAX_INPUT_BYTES` is refused, and zip
  members are decompressed in chunks so that a zip bomb is stopped as soon as it
  passes the limit, whatever its header claims;
* XML that declares a DTD or entities is refused before parsing (RDML never
  needs one), which closes external-entity and entity-expansion attacks;
* the lxml parser never loads DTDs, resolves entities or touches the network.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx.errors import FormatError, UnsafeInputError, quote

if TYPE_CHECKING:  # lxml is imported by the XML readers when they parse, not by sniffing
    from lxml import etree

__all__ = [
    "MAX_INPUT_BYTES",
    "describe_bytes",
    "parse_xml",
    "read_file_bounded",
    "read_zip_member",
]

#: Largest file or decompressed zip member chipdx reads (256 MiB, > 10x the largest real RDML seen).
MAX_INPUT_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


def read_file_bounded(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Read a whole file, refusing one larger than ``limit`` bytes."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise UnsafeInputError(str(path), "file size", f"at most {limit} bytes", f"{size} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise FormatError(str(path), "", "an existing file", "no such file") from None
    except IsADirectoryError:
        raise FormatError(str(path), "", "a file", "a folder") from None
    except PermissionError:
        raise FormatError(str(path), "", "a readable file", "permission denied") from None


def read_zip_member(
    archive: zipfile.ZipFile, name: str, *, source: str, limit: int = MAX_INPUT_BYTES
) -> bytes:
    """Decompress one member in chunks, stopping as soon as it exceeds ``limit`` bytes."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise UnsafeInputError(
            source, f"zip member {name!r}", f"at most {limit} bytes decompressed", f"{info.file_size} bytes"
        )
    parts: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise UnsafeInputError(
                        source,
                        f"zip member {name!r}",
                        f"at most {limit} bytes decompressed",
                        "more (the header understates the size: a zip bomb?)",
                    )
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise FormatError(source, f"zip member {name!r}", "an intact compressed member", str(exc)) from None
    return b"".join(parts)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_xml(data: bytes, *, source: str) -> etree._Element:
    """Parse XML bytes into an element tree, refusing DTDs and entity declarations."""
    if not data.strip():
        raise FormatError(source, "", "an XML document", "an empty file")
    offset = data.find(b"<!")  # one bytes.find pass (far faster than a regex on large files)
    while offset >= 0:
        declaration = next((d for d in (b"<!DOCTYPE", b"<!ENTITY") if data.startswith(d, offset)), None)
        if declaration is not None:
            raise UnsafeInputError(
                source,
                f"line {_line_of(data, offset)}",
                "XML without a DTD or entity declarations (run files never need one)",
                declaration.decode(),
            )
        offset = data.find(b"<!", offset + 2)
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = re.sub(r",? line \d+, column \d+$", "", exc.msg or "a syntax error")
        raise FormatError(source, f"line {line}, column {column}", "well-formed XML", message) from None
    if root is None:
        raise FormatError(source, "", "an XML document", "no root element")
    return root


def describe_bytes(head: bytes) -> str:
    """Say in a few words what some bytes look like, for 'found ...' in messages.

    >>> describe_bytes(b"")
    'an empty file'
    >>> describe_bytes(b"\\x00\\x01\\x02")
    'binary data (first bytes 00 01 02)'
    >>> describe_bytes(b"hello,world")
    "text starting 'hello,world'"
    """
    if not head:
        return "an empty file"
    sample = head[:64]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > 2:
        return f"binary data (first bytes {sample[:8].hex(' ')})"
    text = sample.decode("utf-8", "replace").splitlines()[0] if sample.strip() else "whitespace"
    return f"text starting {quote(text)}"
