"""The Cq an assay's cut-offs are compared with, per reaction (the assay file's ``cq:`` block).

The qPCR engine computes several quantification points per reaction: the second-derivative
maximum (``cq``), a threshold Cq at its automatic baseline and threshold (``cq_threshold``) and
Cy0. An assay's cut-off (CDC: Ct < 40.00) holds for the Cq it was validated on, so the rules get
that one (:class:`~chipdx.interpret.assays.CqDefinition`): ``sdm``, ``threshold`` (automatic or the
assay's per-target thresholds and baseline window, read by :func:`threshold_cqs`, the one reading
also used for a reviewer's manual threshold) or ``instrument`` (the Cq the file reports; in a run
that reports Cqs, a reaction without one, or with one at or after the last cycle (StepOne writes 40.0 on a
40-cycle run), is the instrument's "Undetermined": no Cq; a run that
reports none falls back to chipdx's, flagged ``CQ-INSTRUMENT-MISSING``). A reviewer's manual
threshold or baseline (:class:`~chipdx.pipeline.ManualSettings`) wins over the assay's definition
for its target: the run was re-read at the reviewer's setting, as instrument software does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr.manual import subtract_baseline, threshold_cq

if TYPE_CHECKING:
    from chipdx.interpret.assays import CqDefinition
    from chipdx.pipeline._qpcr_run import QpcrRun

__all__ = ["MANUAL_FLAGS", "ReactionCq", "assay_cqs", "threshold_cqs"]

#: Flags of a reaction whose Cq a reviewer's manual threshold or baseline re-read.
MANUAL_FLAGS = frozenset({"QC-MANUAL-THRESHOLD", "QC-MANUAL-BASELINE"})
_MISSING = "CQ-INSTRUMENT-MISSING"


@dataclass(frozen=True, slots=True)
class ReactionCq:
    """The Cq of one reaction compared with the cut-off, what it is (``cq_method``) and any flag it adds."""

    cq: float | None
    method: str
    flags: tuple[str, ...] = ()


def threshold_cqs(qpcr: QpcrRun, thresholds: Mapping[str, float], baselines: Mapping[str, tuple[int, int]]
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Threshold Cq of every reaction of the targets in ``thresholds`` or ``baselines`` (NaN elsewhere), with the
    corrected curves and log10 thresholds after those settings (a target's other reactions unchanged).

    A baseline window ``(first, last)`` replaces the automatic baseline by the mean of those cycles; a target
    without a threshold keeps the engine's automatic one.
    """
    corrected = np.array(qpcr.corrected, dtype=float)
    log_threshold = np.array(qpcr.log10_threshold, dtype=float)
    cq = np.full(corrected.shape[0], np.nan)
    targets = np.asarray(qpcr.table["target"], dtype=str)
    for target in sorted(set(thresholds) | set(baselines)):
        rows = targets == target
        if not rows.any():
            continue
        if target in baselines:
            first, last = baselines[target]
            corrected[rows] = subtract_baseline(qpcr.run.fluorescence[rows], qpcr.run.cycles, first, last)
        level = thresholds.get(target, float(10 ** log_threshold[rows][0]))
        log_threshold[rows] = math.log10(level)
        cq[rows] = threshold_cq(corrected[rows], qpcr.run.cycles, level)
    return cq, corrected, log_threshold


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _own(qpcr: QpcrRun, definition: CqDefinition, method: str, targets: NDArray[np.str_]) -> list[float | None]:
    """chipdx's own Cq of ``method`` (``sdm`` or ``threshold``) for every reaction of the run."""
    table = qpcr.table
    if method == "sdm":
        return [_number(q) if a else None for q, a in zip(table["cq"], table["amplified"], strict=True)]
    thresholds = {t: v for t, v in definition.thresholds if t in set(targets)}
    baselines = dict.fromkeys(set(targets), definition.baseline) if definition.baseline is not None else {}
    if not (thresholds or baselines):
        return [_number(q) for q in table["cq_threshold"]]
    read = threshold_cqs(qpcr, thresholds, baselines)[0]
    automatic = np.asarray(table["cq_threshold"], dtype=float)
    chosen = np.where(np.isin(targets, list({*thresholds, *baselines})), read, automatic)
    return [_number(q) for q in chosen]


def _instrument(cq: float | None, last_cycle: float) -> float | None:
    """The instrument's Cq; one at or after the last cycle is its "Undetermined" written as the cycle count
    (StepOne RDML: 40.0 on a 40-cycle run), no crossing: a threshold crossing lies before the last reading."""
    return None if cq is None or cq >= last_cycle else cq


def assay_cqs(qpcr: QpcrRun, definition: CqDefinition) -> list[ReactionCq]:
    """Per reaction of ``qpcr``: the Cq of ``definition`` (a reviewer's manual setting first)."""
    table = qpcr.table
    targets = np.asarray(table["target"], dtype=str)
    manual = [bool(MANUAL_FLAGS & set(str(f).split(";"))) for f in table["flags"]]
    fallback = definition.fallback if definition.method == "instrument" else definition.method
    own = _own(qpcr, definition, fallback, targets)
    reports = any(r.reported.cq is not None for r in qpcr.run.reactions)  # else the file has no Cq column
    last = float(qpcr.run.cycles[-1]) if qpcr.run.cycles.size else math.inf
    out = []
    for i, reaction in enumerate(qpcr.run.reactions):
        if manual[i]:
            value = _number(table["cq"].iloc[i])
            out.append(ReactionCq(value, "threshold-manual"))
        elif definition.method != "instrument":
            out.append(ReactionCq(own[i], definition.method))
        elif reports:  # a reaction without a Cq in a run that reports Cqs: the instrument's "Undetermined"
            out.append(ReactionCq(_instrument(reaction.reported.cq, last), "instrument"))
        else:
            out.append(ReactionCq(own[i], fallback, (_MISSING,)))
    return out
