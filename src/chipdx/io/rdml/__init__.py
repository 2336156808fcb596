"""RDML, the MIQE-endorsed exchange format for qPCR and dPCR data.

Reads RDML 1.0 to 1.4 (zip or plain XML, any single inner XML name) and writes
RDML 1.3 that validates against the official 1.3 XSD. See ``docs/formats.md``.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from chipdx.io._registry import FileFormat, register
from chipdx.io.rdml._container import is_rdml_head, open_container
from chipdx.io.rdml._read import VERSIONS, parse_dataset
from chipdx.io.rdml._write import dataset_to_xml, write_rdml
from chipdx.model import Dataset

__all__ = ["FORMAT", "VERSIONS", "dataset_to_xml", "read_rdml", "sniff_rdml", "write_rdml"]


def sniff_rdml(path: Path, head: bytes) -> bool:
    """True when ``head`` starts an RDML zip or an XML document with an ``<rdml>`` root."""
    if head.startswith(b"PK"):
        if path.suffix.lower() == ".rdml":
            return True
        try:
            with zipfile.ZipFile(BytesIO(path.read_bytes()) if path.stat().st_size < 1 << 26 else path) as archive:
                xml = [n for n in archive.namelist() if n.lower().endswith(".xml") and "/" not in n]
                return len(xml) >= 1 and any(is_rdml_head(archive.open(n).read(4096)) for n in xml[:3])
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            return False
    return is_rdml_head(head)


def read_rdml(path: Path, *, melt: bool = True) -> Dataset:
    """Read an RDML file (version 1.0-1.4) into a :class:`~chipdx.model.Dataset`.

    ``melt=False`` leaves the melt curves out without parsing their points (faster when
    only amplification is analysed; the melt data are then not checked either).
    """
    return parse_dataset(open_container(path), str(path), melt=melt)


def _read_rdml_amplification(path: Path) -> Dataset:
    return read_rdml(path, melt=False)


FORMAT = register(
    FileFormat(
        name="rdml",
        description="RDML 1.0-1.4",
        extensions=(".rdml",),
        sniff=sniff_rdml,
        reader=read_rdml,
        writer=write_rdml,
        amplification_reader=_read_rdml_amplification,
    )
)
