"""Two-colour quadrant counts (Ch1+Ch2+, Ch1+Ch2-, Ch1-Ch2+, Ch1-Ch2-) per well.

The quadrants follow from the per-channel thresholds of :func:`analyze`, as in
QuantaSoft's 2-D view; they feed linkage and exclusive-count estimates such as
``lambda_i = ln(1 + P(only i) / P(empty))``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chipdx.analysis.dpcr._plate import plate_matrix
from chipdx.model import Dataset

__all__ = ["quadrant_counts"]


def quadrant_counts(dataset: Dataset, result: pd.DataFrame, *, first: str, second: str) -> pd.DataFrame:
    """Counts of the four quadrants of targets ``first`` and ``second`` in every well holding both.

    ``result`` is the :func:`analyze` table of ``dataset`` (its thresholds are used).
    Returns columns ``run``, ``well``, ``pp``, ``pn``, ``np``, ``nn`` (first sign = ``first``).
    """
    frames = []
    for run in dataset.runs:
        table = result[result.run == run.id].set_index(["well", "target"])
        matrix = plate_matrix(dataset, run)
        labels = [w.well.label for w in matrix.wells]
        thresholds = np.full((matrix.n_wells, 2), np.nan)
        columns = [0, 0]
        for index, label in enumerate(labels):
            for j, target in enumerate((first, second)):
                if (label, target) in table.index:
                    thresholds[index, j] = table.loc[(label, target), "threshold"]
                    columns[j] = matrix.channels.index(str(table.loc[(label, target), "channel"]))
        both = np.isfinite(thresholds).all(axis=1)
        with np.errstate(invalid="ignore"):
            a = matrix.values[:, columns[0]] > matrix.spread(thresholds[:, 0])
            b = matrix.values[:, columns[1]] > matrix.spread(thresholds[:, 1])
        valid = matrix.valid
        counts = {name: matrix.per_well(valid & mask) for name, mask in
                  (("pp", a & b), ("pn", a & ~b), ("np", ~a & b), ("nn", ~a & ~b))}
        frame = pd.DataFrame({"run": run.id, "well": labels, **counts})
        frames.append(frame[both])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
