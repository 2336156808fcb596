"""Benchmark-only loaders for the public qPCR sets in ../shared/data/qpcr (tidy .csv.gz and .rda).

These never enter the library: chipdx reads run files through ``chipdx.io``; the
tidy tables and R data files exist only as validation data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "qpcr"


def tidy_curves(relative: str) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(fluorescence matrix, cycles, one metadata row per curve) from a tidy long table."""
    table = pd.read_csv(SHARED / relative)
    keys = [c for c in table.columns if c not in ("cycle", "fluor")]
    table[keys] = table[keys].astype(object).where(table[keys].notna(), "")
    curve = table.groupby(keys, sort=False).ngroup().to_numpy()
    cycles = np.sort(table["cycle"].unique()).astype(float)
    column = np.searchsorted(cycles, table["cycle"].to_numpy(float))
    matrix = np.full((curve.max() + 1, cycles.size), np.nan)
    matrix[curve, column] = table["fluor"].to_numpy(float)
    meta = table.drop_duplicates(subset=keys)[keys].reset_index(drop=True)
    return matrix, cycles, meta


def ht_pcr() -> tuple[np.ndarray, np.ndarray]:
    """The qpcR htPCR set (8 858 BioMark curves) as (curves x cycles) and cycles."""
    import pyreadr

    frame = next(iter(pyreadr.read_r(str(SHARED / "qpcR_sets" / "htPCR.rda")).values()))
    cycles = frame["Cycles"].to_numpy(float)
    return frame.drop(columns="Cycles").to_numpy(float).T.copy(), cycles
