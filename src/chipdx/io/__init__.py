"""Readers and writers of run files, behind one registry.

>>> from chipdx import io
>>> [f.name for f in io.formats()]
['rdml']
"""

from chipdx.io import rdml, tables
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES

__all__ = [
    "MAX_INPUT_BYTES",
    "FileFormat",
    "atomic_output",
    "detect",
    "formats",
    "rdml",
    "read",
    "register",
    "tables",
    "write",
]
