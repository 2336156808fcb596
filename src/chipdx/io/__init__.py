"""Readers and writers of run files, behind one registry.

>>> from chipdx import io
>>> [f.name for f in io.formats()]
['quantstudio-eds', 'quantstudio-txt', 'quantstudio-xlsx', 'rdml', 'roche-lc480', 'rotorgene-rex']
"""

from chipdx.io import quantstudio_eds, quantstudio_txt, quantstudio_xlsx, rdml, roche_lc480, rotorgene
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES

__all__ = [
    "MAX_INPUT_BYTES",
    "FileFormat",
    "atomic_output",
    "detect",
    "formats",
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
