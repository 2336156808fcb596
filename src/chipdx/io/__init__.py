"""Readers and writers of run files, behind one registry.

>>> from chipdx import io
>>> [f.name for f in io.formats()]  # doctest: +NORMALIZE_WHITESPACE
['absolute-q-partitions', 'qiacuity-results', 'absolute-q-results', 'partition-table',
 'qiacuity-partitions', 'qx-results', 'qx-amplitude', 'rdml']
"""

from chipdx.io import absolute_q, dpcr_summaries, partition_table, qiacuity, qx, qx_results, rdml
from chipdx.io._atomic import atomic_output
from chipdx.io._registry import FileFormat, detect, formats, read, register, write
from chipdx.io._safety import MAX_INPUT_BYTES

__all__ = [
    "MAX_INPUT_BYTES",
    "FileFormat",
    "absolute_q",
    "atomic_output",
    "detect",
    "dpcr_summaries",
    "formats",
    "partition_table",
    "qiacuity",
    "qx",
    "qx_results",
    "rdml",
    "read",
    "register",
    "write",
]
