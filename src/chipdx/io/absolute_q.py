"""Thermo Fisher QuantStudio Absolute Q per-partition CSV ("fluorescence columns" export).

The "multichannel" export (``Run, Date, Instrument, Plate, Sample, Channels, Count, Copies per
microliter, Total``: partition counts per combination of positive channels, per sample, with no
well) is recognised and refused with its name, not handed to another reader.

Columns: ``Run, Date, Instrument, Plate, Well ID, Sample, Index, Reject, ROX,``
then per dye ``<dye>, <dye>_pos, <dye>_target, <dye>_threshold``. ``ROX`` is the
passive reference and is not a target channel. ``Reject = True`` partitions are
``EXCLUDED``; ``<dye>_pos`` gives the instrument's calls; ``<dye>_target`` names
the target. The microchamber volume is not in the file: :data:`DEFAULT_VOLUME_NL`
is back-calculated from Absolute Q summary exports (``Lambda / Conc.``; e.g.
0.16941 / 392.15 copies/µL = 0.432 nL).
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

__all__ = ["DEFAULT_VOLUME_NL", "read_absolute_q"]

#: Absolute Q MAP16 microchamber volume (nL), from the vendor's own lambda / concentration.
DEFAULT_VOLUME_NL = 0.432
_TRUE = {"true", "1", "yes"}


def _number_column(frame: pd.DataFrame, column: str, path: Path) -> NDArray[np.float64]:
    import pandas as pd

    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & (text != "").to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise FormatError(str(path), f"data row {row + 1}, column {column}", "a number", repr(text.iat[row])[:40])
    return values


def read_absolute_q(path: str | Path) -> Dataset:
    """Read an Absolute Q per-partition CSV."""
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(io.StringIO("\n".join(split_lines(read_text(path)))), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(str(path), "", "an Absolute Q partition table", str(exc)[:60]) from None
    dyes = [c[:-4] for c in frame.columns if c.endswith("_pos") and c[:-4] in frame.columns]
    if "Well ID" not in frame.columns or not dyes:
        raise FormatError(str(path), "line 1", "columns 'Well ID' and <dye>, <dye>_pos", "other columns")
    for dye in dyes:
        frame[f"_{dye}"] = _number_column(frame, dye, path)
    plate = PlateFormat(8, 12)
    wells: list[WellPartitions] = []
    samples: dict[str, Sample] = {}
    targets: dict[str, str] = {}
    for label, group in frame.groupby("Well ID", sort=False):
        try:
            well = plate.parse(str(label))
        except ValueError:
            raise FormatError(str(path), "column Well ID", "a well such as A1", repr(label)) from None
        amplitudes = np.column_stack([group[f"_{d}"].to_numpy() for d in dyes]).astype(np.float32)
        positive = np.column_stack([group[f"{d}_pos"].str.strip().str.lower().isin(_TRUE) for d in dyes])
        reject = group["Reject"].str.strip().str.lower().isin(_TRUE).to_numpy() if "Reject" in group else False
        calls = np.where(np.asarray(reject)[:, None], PartitionCall.EXCLUDED, positive.astype(np.int8))
        names = []
        for dye in dyes:
            name = str(group[f"{dye}_target"].iloc[0]).strip() if f"{dye}_target" in group else ""
            names.append(name or dye)
            targets.setdefault(names[-1], dye)
        if len(set(names)) < len(names):
            names = list(dyes)
            targets.update({d: d for d in dyes})
        sample = str(group["Sample"].iloc[0]).strip() if "Sample" in group else ""
        sample = sample or well.label
        samples.setdefault(sample, Sample(sample))
        wells.append(WellPartitions(well, sample, DEFAULT_VOLUME_NL, targets=tuple(names),
                                    amplitudes=amplitudes, calls=calls.astype(np.int8)))
    run_name = str(frame["Run"].iloc[0]).strip() if "Run" in frame and len(frame) else ""
    run = Run(run_name or path.stem, plate, partitions=tuple(sorted(wells, key=lambda w: w.well.index)),
              software=Software("QuantStudio Absolute Q"))
    return Dataset((run,), samples=tuple(samples.values()),
                   targets=tuple(Target(t, dye_id=d) for t, d in targets.items()), dyes=tuple(Dye(d) for d in dyes))
