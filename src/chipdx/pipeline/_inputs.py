"""What the pipeline starts from: run files read into one dataset, and an assay by name or file."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx import io
from chipdx.errors import ValidationError
from chipdx.model import Dataset, Dye, Run, Sample, Target

if TYPE_CHECKING:
    from chipdx.interpret.assays import Assay

__all__ = ["combine", "load_assay", "read_inputs"]


def read_inputs(paths: Sequence[Path], *, melt: bool = True) -> Dataset:
    """Read every run file (any supported format) into one dataset, runs side by side."""
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise ValidationError(str(path), ["given twice"])
        seen.add(path.resolve())
    datasets = [io.read(path, melt=melt) for path in paths]
    return datasets[0] if len(datasets) == 1 else combine(*datasets)


def load_assay(spec: str) -> Assay:
    """The assay named ``spec`` (a shipped assay) or read from the YAML file ``spec``."""
    from chipdx.interpret.assays import load_assay as load_shipped
    from chipdx.interpret.assays import parse_assay, shipped_assays

    path = Path(spec)
    if spec in shipped_assays() and not path.exists():
        return load_shipped(spec)
    if path.suffix.lower() in {".yaml", ".yml"} or path.exists():
        return parse_assay(io.read_file_bounded(path), str(path))
    return load_shipped(spec)  # raises with the list of shipped assays


def combine(*datasets: Dataset) -> Dataset:
    """Several datasets as one (runs side by side), for a report or table that spans them.

    Runs and samples that two files name alike are told apart by file: a run id (or a sample
    id with a different record) already taken is prefixed with the file name
    (``ds_94_4.rdml/run``), so wells and specimens of different files never merge. Targets
    shared by id must be the same records; a dye shared by id keeps its first record (a dye is
    an optical channel; the chemistry is the assay's). The same file given twice, or a target
    declared differently, raises :class:`~chipdx.errors.ValidationError` naming the files.
    """
    runs: dict[tuple[str, str], str] = {}
    samples: dict[str, Sample] = {}
    targets: dict[str, Target] = {}
    dyes: dict[str, Dye] = {}
    parts: list[Run] = []
    for dataset in datasets:
        source = _source(dataset)
        dataset = _with_source(_told_apart(dataset, source, runs, samples, datasets), source)
        for run in dataset.runs:
            runs[(run.experiment_id, run.id)] = source
        parts += dataset.runs
        for sample in dataset.samples:
            samples.setdefault(sample.id, sample)
        for target in dataset.targets:
            if target.id in targets and targets[target.id] != target:
                raise ValidationError(_sources(datasets), [
                    f"target {target.id!r} is declared differently in two of the files to combine"])
            targets.setdefault(target.id, target)
        for dye in dataset.dyes:
            dyes.setdefault(dye.id, dye)
    return Dataset(tuple(parts), tuple(samples.values()), tuple(targets.values()), tuple(dyes.values()),
                   datasets[0].provenance)


def _source(dataset: Dataset) -> str:
    return dataset.provenance.source if dataset.provenance else "(dataset)"


def _sources(datasets: tuple[Dataset, ...]) -> str:
    return ", ".join(_source(d) for d in datasets)


def _told_apart(dataset: Dataset, source: str, runs: dict[tuple[str, str], str], samples: dict[str, Sample],
                datasets: tuple[Dataset, ...]) -> Dataset:
    """``dataset`` with the run and sample ids that earlier files already use prefixed by its file name."""
    taken = [run for run in dataset.runs if (run.experiment_id, run.id) in runs]
    if taken and all(runs[(run.experiment_id, run.id)] == source for run in taken):
        raise ValidationError(_sources(datasets), [
            f"two inputs named {source} hold the same run ids: rename one to tell them apart"])
    run_ids = {run.id: f"{source}/{run.id}" for run in taken}
    sample_ids = {s.id: f"{source}/{s.id}" for s in dataset.samples if s.id in samples and samples[s.id] != s}
    if not run_ids and not sample_ids:
        return dataset
    for new in [*run_ids.values(), *sample_ids.values()]:
        if any(new == run_id for _, run_id in runs) or new in samples:
            raise ValidationError(_sources(datasets), [f"{new!r} is named in two of the files to combine"])
    return dataclasses.replace(
        dataset, runs=tuple(_renamed_run(run, run_ids, sample_ids) for run in dataset.runs),
        samples=tuple(dataclasses.replace(s, id=sample_ids.get(s.id, s.id)) for s in dataset.samples))


def _renamed_run(run: Run, run_ids: dict[str, str], sample_ids: dict[str, str]) -> Run:
    reactions = tuple(dataclasses.replace(r, sample_id=sample_ids.get(r.sample_id, r.sample_id))
                      for r in run.reactions)
    partitions = tuple(dataclasses.replace(w, sample_id=sample_ids.get(w.sample_id, w.sample_id))
                       for w in run.partitions)
    return dataclasses.replace(run, id=run_ids.get(run.id, run.id), reactions=reactions, partitions=partitions)


def _with_source(dataset: Dataset, source: str) -> Dataset:
    return dataclasses.replace(dataset, runs=tuple(dataclasses.replace(run, source=run.source or source)
                                                   for run in dataset.runs))
