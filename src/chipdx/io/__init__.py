"""Readers and writers of run files, behind one registry.

Every format module registers itself when ``chipdx.io`` is imported; :func:`read`
sniffs the format from the content (then the file ending), trying formats in the
order they are imported here, and :func:`write` picks the writer from the output's
ending.

>>> from chipdx import io
>>> {"rdml", "quantstudio-txt", "qx-amplitude", "qiacuity-partitions"} <= {f.name for f in io.formats()}
True
"""

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
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, content_sha256, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES, read_file_bounded
from chipdx.io._text import read_text

__all__ = [
    "MAX_INPUT_BYTES",
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
