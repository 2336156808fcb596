"""Readers and writers of run files, behind one registry.

>>> from chipdx import io
>>> names = [f.name for f in io.formats()]
>>> names[:4]
['biorad-cfx', 'qpcr-table', 'quantstudio-eds', 'quantstudio-txt']
>>> names[4:]
['quantstudio-xlsx', 'rdml', 'roche-lc480', 'rotorgene-rex']
"""

from chipdx.io import (
    biorad_cfx,
    qpcr_table,
    quantstudio_eds,
    quantstudio_txt,
    quantstudio_xlsx,
    rdml,
    roche_lc480,
    rotorgene,
)
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES

__all__ = [
    "MAX_INPUT_BYTES",
    "FileFormat",
    "atomic_output",
    "biorad_cfx",
    "detect",
    "formats",
    "qpcr_table",
    "quantstudio_eds",
    "quantstudio_txt",
    "quantstudio_xlsx",
    "rdml",
    "read",
    "register",
    "roche_lc480",
    "rotorgene",
    "write",
]
