"""A plain partition table: CSV (optionally gzip) with one row per partition.

The neutral layout that R packages' partition data convert to (``ddpcr``'s
``large.rds``, Polytect's multi-colour sets): columns named ``well`` (optional;
absent = one reaction ``A1``), amplitude columns named after their channel
(``channel1``.. or a dye such as ``FAM``, ``HEX``), and optionally ``cluster``/
``cluster_name`` (ignored). The partition volume is not in the file: 0.85 nL
unless overridden. Gzip input is decompressed in bounded chunks.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from chipdx.errors import FormatError
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import PARTITION_CHANNEL as _CHANNEL
from chipdx.io._sniff import PARTITION_IGNORED as _IGNORED
from chipdx.io._text import decode_text, gunzip_bounded, split_lines
from chipdx.model import Dataset, Dye, PlateFormat, Run, Sample, Target, WellPartitions

__all__ = ["read_partition_table"]

_DEFAULT_VOLUME_NL = 0.85


def read_partition_table(path: str | Path) -> Dataset:
    """Read a partition table (see the module docstring)."""
    import pandas as pd

    path = Path(path)
    data = read_file_bounded(path)
    data = gunzip_bounded(data, source=str(path))
    text = "\n".join(split_lines(decode_text(data)))
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(str(path), "", "a CSV partition table", str(exc)[:60]) from None
    lower = {c: c.strip().lower() for c in frame.columns}
    channels = [c for c in frame.columns if lower[c] != "well" and lower[c] not in _IGNORED]
    if not channels or not all(_CHANNEL.match(lower[c]) for c in channels):
        raise FormatError(str(path), "line 1", "columns [well,] channel1.. or dye names",
                          repr(list(frame.columns))[:40])
    for column in channels:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            bad = pd.to_numeric(frame[column], errors="coerce").isna() & frame[column].notna()
            row = int(np.argmax(bad.to_numpy()))
            raise FormatError(str(path), f"line {row + 2}, column {column}", "a number", repr(frame[column].iat[row]))
    well_column = next((c for c in frame.columns if lower[c] == "well"), None)
    plate = PlateFormat(8, 12)
    groups = frame.groupby(well_column, sort=False) if well_column else [("A1", frame)]
    wells = []
    names = tuple(str(c) for c in channels)
    for label, group in groups:
        try:
            well = plate.parse(str(label))
        except ValueError:
            raise FormatError(str(path), "column well", "a well such as A1", repr(label)) from None
        wells.append(WellPartitions(well, well.label, _DEFAULT_VOLUME_NL, targets=names,
                                    amplitudes=group[channels].to_numpy(np.float32)))
    run = Run(path.name.split(".")[0], plate, partitions=tuple(sorted(wells, key=lambda w: w.well.index)))
    return Dataset((run,), samples=tuple(Sample(w.sample_id) for w in run.partitions),
                   targets=tuple(Target(n, dye_id=n) for n in names), dyes=tuple(Dye(n) for n in names))
