"""What the pipeline starts from: run files read into one dataset, and an assay by name or file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx import io
from chipdx.errors import ValidationError
from chipdx.model import Dataset

if TYPE_CHECKING:
    from chipdx.interpret.assays import Assay

__all__ = ["combine", "load_assay", "read_inputs"]


def read_inputs(paths: Sequence[Path], *, melt: bool = True) -> Dataset:
    """Read every run file (any supported format) into one dataset, runs side by side."""
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
    """Several datasets as one (runs side by side), for a report that spans them.

    Samples and targets shared by id must be the same records; a dye shared by id keeps
    its first record (a dye is an optical channel; the chemistry is the assay's). Conflicts
    raise :class:`~chipdx.errors.ValidationError` naming the sources, never a bare ``ValueError``.
    """
    _refuse_shared_run_ids(datasets)
    samples: dict[str, object] = {}
    targets: dict[str, object] = {}
    dyes: dict[str, object] = {}
    for dataset in datasets:
        for kind, records, store in (("sample", dataset.samples, samples), ("target", dataset.targets, targets)):
            for record in records:
                if record.id in store and store[record.id] != record:
                    raise ValidationError(_sources(datasets), [
                        f"{kind} {record.id!r} is declared differently in two of the files to combine"])
                store.setdefault(record.id, record)
        for dye in dataset.dyes:
            dyes.setdefault(dye.id, dye)
    first = datasets[0].provenance
    return Dataset(tuple(run for d in datasets for run in d.runs), tuple(samples.values()),  # type: ignore[arg-type]
                   tuple(targets.values()), tuple(dyes.values()), first)  # type: ignore[arg-type]


def _sources(datasets: tuple[Dataset, ...]) -> str:
    return ", ".join(d.provenance.source if d.provenance else "(dataset)" for d in datasets)


def _refuse_shared_run_ids(datasets: tuple[Dataset, ...]) -> None:
    """One line naming the run id and the two files that share it."""
    seen: dict[tuple[str, str], str] = {}
    for dataset in datasets:
        source = dataset.provenance.source if dataset.provenance else "(dataset)"
        for run in dataset.runs:
            key = (run.experiment_id, run.id)
            if key in seen:
                raise ValidationError(_sources(datasets), [
                    f"run {run.experiment_id}/{run.id} is in both {seen[key]} and {source}: "
                    "runs in one report need distinct experiment/run ids"])
            seen[key] = source
