"""RDML, the MIQE-endorsed exchange format for qPCR and dPCR data.

Reads RDML 1.0 to 1.4 (zip or plain XML, any single inner XML name) and writes
RDML 1.3 that validates against the official 1.3 XSD. See ``docs/formats.md``.
"""

from __future__ import annotations

from pathlib import Path

from chipdx.io._sniff import sniff_rdml
from chipdx.io.rdml._container import open_container
from chipdx.io.rdml._read import VERSIONS, parse_dataset
from chipdx.io.rdml._write import dataset_to_xml, write_rdml
from chipdx.model import Dataset

__all__ = ["VERSIONS", "dataset_to_xml", "read_rdml", "sniff_rdml", "write_rdml"]


def read_rdml(path: Path, *, melt: bool = True) -> Dataset:
    """Read an RDML file (version 1.0-1.4) into a :class:`~chipdx.model.Dataset`.

    ``melt=False`` leaves the melt curves out without parsing their points (faster when
    only amplification is analysed; the melt data are then not checked either).
    """
    return parse_dataset(open_container(path), str(path), melt=melt)


def _read_rdml_amplification(path: Path) -> Dataset:
    return read_rdml(path, melt=False)
