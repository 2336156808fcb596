"""A plate layout applied to qPCR runs: which well holds which sample, of which type, read for which target.

Some exports name no samples (Roche LightCycler 480 raw data: ``Sample 1``, ``Sample 2``; a
target per detection channel, ``483-533``). The layout CSV of ``dpcr analyze --layout``
(``docs/formats.md``, read by :func:`chipdx.cli._dpcr.read_layout`) says it: per row a well, the
``channel`` as the file names it (its target or dye), the ``target`` to call it, and optionally
the ``sample`` and its ``type``. Reactions of wells or channels the layout does not list are left
out, as for dPCR; a layout row that matches no reaction is refused (a mistyped well or channel).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chipdx.errors import UnsupportedError
from chipdx.model import Dataset, Reaction, Run, Sample, SampleType, Target
from chipdx.pipeline._manual import keep_reactions

if TYPE_CHECKING:
    from chipdx.analysis.dpcr import LayoutRow

__all__ = ["Layout", "apply_layout"]


@dataclass(frozen=True, slots=True)
class Layout:
    """The rows of a plate layout file and the file's name (for messages)."""

    rows: tuple[LayoutRow, ...]
    name: str

    def apply(self, dataset: Dataset) -> Dataset:
        """:func:`apply_layout` of these rows."""
        return apply_layout(dataset, self.rows, self.name)


def _row_for(run: Run, dataset: Dataset, reaction: Reaction, layout: Sequence[LayoutRow]) -> int | None:
    """Index of the layout row for ``reaction`` (same well; channel = the file's target or dye), or None."""
    dye = dataset.target(reaction.target_id).dye_id
    for index, row in enumerate(layout):
        if row.channel in (reaction.target_id, dye) and run.plate.parse(row.well).label == reaction.well.label:
            return index
    return None


def _samples(dataset: Dataset, named: dict[str, list[tuple[str, SampleType]]]) -> tuple[Sample, ...]:
    """One sample per name, its type by target where the layout gives several; the file's quantity kept."""
    old = {s.id: s for s in dataset.samples}
    out = []
    for name, types in named.items():
        first = types[0][1]
        by_target = tuple(dict.fromkeys((t, kind) for t, kind in types if kind is not first))
        quantity = old[name].quantity if name in old else None
        out.append(Sample(name, first, quantity, by_target))
    return tuple(out)


def apply_layout(dataset: Dataset, layout: Sequence[LayoutRow], layout_name: str) -> Dataset:
    """``dataset`` with each qPCR reaction named by ``layout`` (sample, type, target); unlisted ones left out."""
    used: set[int] = set()
    named: dict[str, list[tuple[str, SampleType]]] = {}
    targets: dict[str, Target] = {}
    runs = []
    for run in dataset.runs:
        if not run.reactions:
            runs.append(run)
            continue
        keep, reactions = [], []
        for i, reaction in enumerate(run.reactions):
            index = _row_for(run, dataset, reaction, layout)
            if index is None:
                continue
            row = layout[index]
            used.add(index)
            sample = row.sample or reaction.sample_id
            named.setdefault(sample, []).append((row.target, row.sample_type))
            targets.setdefault(row.target, dataclasses.replace(dataset.target(reaction.target_id), id=row.target))
            keep.append(i)
            reactions.append(dataclasses.replace(reaction, sample_id=sample, target_id=row.target))
        runs.append(dataclasses.replace(keep_reactions(run, keep), reactions=tuple(reactions)))
    unused = [row for i, row in enumerate(layout) if i not in used]
    if unused:
        channels = sorted({t.id for t in dataset.targets} | {t.dye_id for t in dataset.targets})
        row = unused[0]
        raise UnsupportedError(f"{layout_name}: well {row.well} channel {row.channel!r} matches no qPCR reaction of "
                               f"the data ({len(unused)} such rows); the data's channels (targets or dyes): "
                               + ", ".join(channels))
    wells = [p for run in runs for p in run.partitions]  # dPCR wells keep their own records
    dpcr_targets = {t for p in wells for t in (*p.targets, *(c.target_id for c in p.counts))}
    samples = {s.id: s for s in dataset.samples if any(p.sample_id == s.id for p in wells)}
    samples.update({s.id: s for s in _samples(dataset, named)})
    kept = {t.id: t for t in dataset.targets if t.id in dpcr_targets}
    kept.update(targets)
    dyes = {t.dye_id for t in kept.values()}
    return dataclasses.replace(dataset, runs=tuple(runs), samples=tuple(samples.values()),
                               targets=tuple(kept.values()), dyes=tuple(d for d in dataset.dyes if d.id in dyes))
