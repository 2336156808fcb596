"""The RDML container: a zip holding one RDML XML (plus dPCR tables), or plain XML."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._safety import describe_bytes, read_file_bounded, read_zip_member
from chipdx.io._sniff import is_rdml_head

__all__ = ["RdmlContainer", "is_rdml_head", "open_container"]

_ZIP_MAGIC = b"PK"  # local header PK\3\4, or PK\7\8 first in spanned archives (Bio-Rad CFX)
_MAIN_MEMBER = "rdml_data.xml"


@dataclass(frozen=True, slots=True)
class RdmlContainer:
    """The RDML XML of a file, the name it had inside the zip, and the zip's other members."""

    xml: bytes
    member: str
    archive: zipfile.ZipFile | None = field(default=None, repr=False)


def _choose_member(archive: zipfile.ZipFile, source: str) -> str:
    names = [n for n in archive.namelist() if not n.endswith("/")]
    if _MAIN_MEMBER in names:
        return _MAIN_MEMBER
    xml = [n for n in names if n.lower().endswith(".xml") and "/" not in n]
    if len(xml) == 1:
        return xml[0]
    listed = ", ".join(names[:5]) or "nothing"
    raise FormatError(
        source, "zip members", f"{_MAIN_MEMBER!r} or exactly one top-level .xml file", listed
    )


def open_container(path: Path) -> RdmlContainer:
    """Read an RDML file (zip or plain XML) and return its XML bytes, bounded in size."""
    source = str(path)
    data = read_file_bounded(path)
    if not data:
        raise FormatError(source, "", "an RDML file (a zip or an XML document)", "an empty file")
    if data.startswith(_ZIP_MAGIC):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise FormatError(source, "zip directory", "an intact zip archive", f"{exc} (truncated?)") from None
        member = _choose_member(archive, source)
        return RdmlContainer(read_zip_member(archive, member, source=source), member, archive)
    if data.lstrip()[:1] != b"<":
        raise FormatError(source, "start of file", "a zip archive or an XML document", describe_bytes(data))
    return RdmlContainer(data, path.name)
