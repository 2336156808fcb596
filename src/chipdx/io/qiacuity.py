"""QIAGEN QIAcuity Software Suite partition export (CSV, one row per partition x channel).

Layout (``sep=,`` first line, then)::

    Plate name,Plate ID,Plate type,Well,Sample,Channel,Cycled volume,Threshold,Partition,Is invalid,Is positive,RFU,REF

The partition volume is the well's ``Cycled volume`` (µL) divided by its number
of partitions; without it, the documented nanoplate default
(:data:`DEFAULT_VOLUME_NL`, by plate type) is used. ``Is invalid`` partitions are
``EXCLUDED``; ``Is positive`` gives the instrument's calls. Channels become the
targets (the export names no targets); a plate layout maps them to targets.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chipdx.errors import FormatError
from chipdx.io._text import read_text, split_lines
from chipdx.model import Dataset, Dye, PartitionCall, PlateFormat, Run, Sample, Software, Target, WellPartitions

if TYPE_CHECKING:  # pandas is imported when a file is read, not when chipdx starts
    import pandas as pd

__all__ = ["DEFAULT_VOLUME_NL", "read_qiacuity"]

#: Nominal partition volumes (nL) by nanoplate type; QIAGEN figures, used only when the file gives no volume.
DEFAULT_VOLUME_NL = {"26K": 0.91, "8.5K": 0.34}
_REQUIRED = ("Well", "Channel", "Partition", "Is invalid", "Is positive", "RFU")
_TRUE = {"true", "1", "yes"}


def _frame(path: Path) -> pd.DataFrame:
    import pandas as pd

    lines = split_lines(read_text(path))
    start = 1 if lines and lines[0].lower().startswith("sep=") else 0
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(str(path), f"line {start + 1}", "a QIAcuity partition table", str(exc)[:60]) from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise FormatError(str(path), f"line {start + 1}", f"columns {', '.join(_REQUIRED)}",
                          f"no column {missing[0]!r}")
    return frame


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> NDArray[np.float64]:
    import pandas as pd

    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & (frame[column].str.strip() != "").to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise FormatError(str(path), f"data row {row + 1}, column {column}", "a number",
                          repr(frame[column].iat[row])[:40])
    return values


def _volume(group: pd.DataFrame, n_partitions: int) -> float:
    import pandas as pd

    if "Cycled volume" in group.columns:
        cycled = pd.to_numeric(group["Cycled volume"], errors="coerce").dropna()
        if len(cycled) and cycled.iloc[0] > 0 and n_partitions:
            return float(cycled.iloc[0]) * 1000.0 / n_partitions
    plate_type = str(group["Plate type"].iloc[0]) if "Plate type" in group.columns else ""
    return DEFAULT_VOLUME_NL["8.5K"] if "8.5K" in plate_type else DEFAULT_VOLUME_NL["26K"]


def read_qiacuity(path: str | Path) -> Dataset:
    """Read a QIAcuity partition CSV into one run of :class:`~chipdx.model.WellPartitions`."""
    path = Path(path)
    frame = _frame(path)
    frame["_rfu"] = _numbers(frame, "RFU", path)
    frame["_part"] = _numbers(frame, "Partition", path)
    channels = list(dict.fromkeys(frame["Channel"].str.strip()))
    plate = PlateFormat(8, 12)
    wells: list[WellPartitions] = []
    samples: dict[str, Sample] = {}
    for label, group in frame.groupby("Well", sort=False):
        try:
            well = plate.parse(str(label))
        except ValueError:
            raise FormatError(str(path), "column Well", "a well such as A1", repr(label)) from None
        parts = group["_part"].to_numpy().astype(np.int64)
        index = np.unique(parts, return_inverse=True)[1]
        n = int(index.max()) + 1 if len(index) else 0
        amplitudes = np.full((n, len(channels)), np.nan, dtype=np.float32)
        calls = np.full((n, len(channels)), PartitionCall.UNDEFINED, dtype=np.int8)
        column = group["Channel"].str.strip().map({c: i for i, c in enumerate(channels)}).to_numpy()
        amplitudes[index, column] = group["_rfu"].to_numpy()
        positive = group["Is positive"].str.strip().str.lower().isin(_TRUE).to_numpy()
        invalid = group["Is invalid"].str.strip().str.lower().isin(_TRUE).to_numpy()
        calls[index, column] = np.where(invalid, PartitionCall.EXCLUDED, positive.astype(np.int8))
        sample = str(group["Sample"].iloc[0]).strip() if "Sample" in group.columns else ""
        sample = sample or well.label
        samples.setdefault(sample, Sample(sample))
        wells.append(WellPartitions(well, sample, _volume(group, n), targets=tuple(channels),
                                    amplitudes=amplitudes, calls=calls))
    name = str(frame["Plate name"].iloc[0]).strip() if "Plate name" in frame.columns and len(frame) else ""
    run = Run(name or path.stem, plate, partitions=tuple(sorted(wells, key=lambda w: w.well.index)),
              software=Software("QIAcuity Software Suite"))
    return Dataset((run,), samples=tuple(samples.values()), targets=tuple(Target(c, dye_id=c) for c in channels),
                   dyes=tuple(Dye(c) for c in channels))
