"""Curve-level classification of one input: a long curve table or the curves of any run file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chipdx import io
from chipdx.errors import FormatError
from chipdx.pipeline._interpret import is_table

if TYPE_CHECKING:
    from chipdx.interpret.classifier import CurveCalls
    from chipdx.interpret.model_store import LoadedModel
    from chipdx.model import Dataset

__all__ = ["ClassifiedCurves", "classify_file", "reaction_curve_calls"]

CURVE_TABLE_COLUMNS = ("dataset", "curve_id", "fluo")


@dataclass(frozen=True, slots=True, eq=False)
class ClassifiedCurves:
    """The classifier's calls on every curve of an input, with the curve's dataset and id."""

    datasets: tuple[str, ...]
    curve_ids: tuple[str, ...]
    calls: CurveCalls
    model: LoadedModel


def _curves(path: Path) -> tuple[list[str], list[str], NDArray[np.float64]]:
    if is_table(path, CURVE_TABLE_COLUMNS):
        table = io.tables.read_curve_table(path)
        return list(table.datasets), list(table.curve_ids), table.fluorescence
    dataset = io.read(path)
    names: list[str] = []
    ids: list[str] = []
    blocks: list[NDArray[np.float64]] = []
    for run in dataset.runs:
        if run.amplification is None:
            continue
        names += [run.id] * len(run.reactions)
        ids += [f"{r.well.label}:{r.target_id}" for r in run.reactions]
        blocks.append(run.amplification.fluorescence)
    if not blocks:
        raise FormatError(str(path), "", "a run with amplification curves", "no amplification data")
    width = max(b.shape[1] for b in blocks)
    matrix = np.vstack([np.pad(b, ((0, 0), (0, width - b.shape[1])), constant_values=np.nan) for b in blocks])
    return names, ids, matrix


def classify_file(path: Path, model_id: str | None = None) -> ClassifiedCurves:
    """Calls of the locked curve classifier (``model_id``, default the shipped one) on every curve of ``path``.

    ``path`` is a long curve table (``dataset, curve_id, cycle, fluo``, optionally gzipped;
    ``curve_id`` as given) or any run file (``dataset`` = run id, ``curve_id`` = ``well:target``).
    """
    from chipdx.interpret.model_store import load_model

    datasets, ids, fluorescence = _curves(path)
    model = load_model(model_id) if model_id else load_model()
    return ClassifiedCurves(tuple(datasets), tuple(ids), model.classifier.classify(fluorescence), model)


def reaction_curve_calls(dataset: Dataset, model_id: str | None = None) -> list[str | None]:
    """The locked classifier's call on every reaction of every run that has reactions, in run order (the
    rows of ``chipdx qpcr analyze``); ``None`` for reactions of a run without curves (a Cq-only export)."""
    from chipdx.interpret.model_store import load_model

    model: LoadedModel | None = None
    calls: list[str | None] = []
    for run in dataset.runs:
        if not run.reactions:
            continue
        if run.amplification is None:
            calls += [None] * len(run.reactions)
            continue
        model = model or (load_model(model_id) if model_id else load_model())
        calls += [str(c) for c in model.classifier.classify(run.fluorescence).call]
    return calls
