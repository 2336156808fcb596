"""Readers and writers of run files, behind one registry.

The registry (:mod:`chipdx.io._catalogue`) knows every format's name, endings, a
cheap sniffer and the module that reads it; :func:`read` sniffs the format from the
content (then the file ending), trying formats in the catalogue's order, and imports
only the reader it needs; :func:`write` picks the writer from the output's ending.
The reader modules (``chipdx.io.qx``, ``chipdx.io.rdml``...) are imported when first
used, also as attributes of this package.

>>> from chipdx import io
>>> {"rdml", "quantstudio-txt", "qx-amplitude", "qiacuity-partitions"} <= {f.name for f in io.formats()}
True
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from chipdx.io import _catalogue  # noqa: F401  (registers the formats)
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, content_sha256, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES, read_file_bounded
from chipdx.io._text import read_text

if TYPE_CHECKING:  # for the type checker: the submodules, imported lazily below
    from chipdx.io import (
        absolute_q,
        biorad_cfx,
        dpcr_summaries,
        partition_table,
        qiacuity,
        qpcr_table,
        quantstudio_eds,
        quantstudio_txt,
        quantstudio_xlsx,
        qx,
        qx_results,
        rdml,
        records,
        roche_lc480,
        rotorgene,
        tables,
    )

#: The reader/writer modules, imported on first attribute access (``chipdx.io.qx``).
SUBMODULES = frozenset({
    "absolute_q", "biorad_cfx", "dpcr_summaries", "partition_table", "qiacuity", "qpcr_table", "quantstudio_eds",
    "quantstudio_txt", "quantstudio_xlsx", "qx", "qx_results", "rdml", "records", "roche_lc480", "rotorgene", "tables",
})

__all__ = [
    "MAX_INPUT_BYTES",
    "SUBMODULES",
    "FileFormat",
    "absolute_q",
    "atomic_output",
    "biorad_cfx",
    "content_sha256",
    "detect",
    "dpcr_summaries",
    "formats",
    "partition_table",
    "qiacuity",
    "qpcr_table",
    "quantstudio_eds",
    "quantstudio_txt",
    "quantstudio_xlsx",
    "qx",
    "qx_results",
    "rdml",
    "read",
    "read_file_bounded",
    "read_text",
    "records",
    "register",
    "roche_lc480",
    "rotorgene",
    "tables",
    "write",
]


def __getattr__(name: str) -> ModuleType:
    """Import a reader/writer module when it is first used as ``chipdx.io.<name>``."""
    if name in SUBMODULES:
        return importlib.import_module(f"chipdx.io.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
