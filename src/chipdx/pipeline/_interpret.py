"""Interpret one input with an assay: a Cq table as written, or a run file analysed end to end first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx import io

if TYPE_CHECKING:
    from chipdx.interpret.assays import Assay
    from chipdx.interpret.results import SampleResult
    from chipdx.interpret.rules import Observation

__all__ = ["interpret_file", "interpret_files", "is_table"]

CQ_TABLE_COLUMNS = ("sample", "sample_type", "target")


def is_table(path: Path, columns: Iterable[str]) -> bool:
    """Whether the header of ``path`` names all ``columns`` (a table as labs write it: see
    :func:`chipdx.io.tables.table_columns`)."""
    header = set(io.tables.table_columns(path))
    return all(c in header for c in columns)


def _table_observations(path: Path) -> list[Observation]:
    from chipdx.interpret.rules import Observation

    return [Observation(r.sample, r.sample_type, r.target, r.cq, copies_per_ul=r.copies_per_ul,
                        n_partitions=r.n_partitions, curve_call=r.curve_call, p_amplified=r.p_amplified,
                        well=r.well, tm_c=r.tm_c) for r in io.tables.read_cq_table(path)]


def interpret_file(path: Path, assay: Assay, *, require_controls: bool = True) -> tuple[SampleResult, ...]:
    """Sample results of ``assay`` on ``path``.

    A Cq table (``sample, sample_type, target, cq``…) is interpreted as written, with the
    classifier's provenance when the table carries curve calls. Any run file goes through
    :func:`~chipdx.pipeline.analyze_dataset` and :func:`~chipdx.pipeline.interpret_dataset`,
    so its answer is the one ``report`` and ``demo`` give.
    """
    if not is_table(path, CQ_TABLE_COLUMNS):
        from chipdx.pipeline._analysis import analyze_dataset, interpret_dataset

        analysis = analyze_dataset(io.read(path))
        return interpret_dataset(analysis, assay, require_controls=require_controls).results
    from chipdx.interpret.model_store import DEFAULT_MODEL, load_model
    from chipdx.interpret.rules import interpret_observations

    observations = _table_observations(path)
    from chipdx.interpret.assays import require_assay_targets

    require_assay_targets(assay, (o.target for o in observations), str(path))
    model = load_model(DEFAULT_MODEL) if any(o.curve_call is not None for o in observations) else None
    return tuple(interpret_observations(observations, assay, require_controls=require_controls,
                                        model_id=model.model_id if model else None,
                                        model_sha256=model.sha256 if model else None))


def interpret_files(paths: Sequence[Path], assay: Assay, *, require_controls: bool = True) -> tuple[
        SampleResult, ...]:
    """Sample results of ``assay`` on several inputs.

    Run files are read into one dataset (runs and samples that two files name alike told
    apart by file, :func:`~chipdx.pipeline.combine`) and interpreted together; Cq tables are
    interpreted one by one, each as written.
    """
    if len(paths) == 1:
        return interpret_file(paths[0], assay, require_controls=require_controls)
    tables = [path for path in paths if is_table(path, CQ_TABLE_COLUMNS)]
    runs = [path for path in paths if path not in tables]
    results: list[SampleResult] = []
    if runs:
        from chipdx.pipeline._analysis import analyze_dataset, interpret_dataset
        from chipdx.pipeline._inputs import read_inputs

        analysis = analyze_dataset(read_inputs(runs))
        results += interpret_dataset(analysis, assay, require_controls=require_controls).results
    for path in tables:
        results += interpret_file(path, assay, require_controls=require_controls)
    return tuple(results)
