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
    from chipdx.model import Dataset
    from chipdx.pipeline._analysis import Analysis
    from chipdx.pipeline._layout import Layout
    from chipdx.pipeline._manual import ManualSettings

__all__ = ["CQ_TABLE_COLUMNS", "CQ_TABLE_FORMAT", "interpret_file", "interpret_files", "is_table", "table_analysis",
           "table_observations"]

CQ_TABLE_COLUMNS = ("sample", "sample_type", "target")


def is_table(path: Path, columns: Iterable[str]) -> bool:
    """Whether the header of ``path`` names all ``columns`` (a table as labs write it: see
    :func:`chipdx.io.tables.table_columns`)."""
    header = set(io.tables.table_columns(path))
    return all(c in header for c in columns)


def table_observations(path: Path, assay: Assay) -> list[Observation]:
    """The rows of a Cq table as observations: its ``cq`` is the instrument's (``cq_method`` ``instrument``),
    flagged ``CQ-NOT-ASSAY-METHOD`` where the assay states its cut-offs on another Cq."""
    from chipdx.interpret.rules import Observation

    qpcr = assay.kind == "qpcr"
    other = ("CQ-NOT-ASSAY-METHOD",) if qpcr and assay.cq.method != "instrument" else ()
    return [Observation(r.sample, r.sample_type, r.target, r.cq, copies_per_ul=r.copies_per_ul,
                        n_partitions=r.n_partitions, curve_call=r.curve_call, p_amplified=r.p_amplified,
                        well=r.well, tm_c=r.tm_c, cq_method="instrument" if qpcr else "", flags=other)
            for r in io.tables.read_cq_table(path)]


def _no_curves(path: Path, settings: ManualSettings | None, layout: Layout | None = None) -> None:
    from chipdx.errors import UnsupportedError

    if settings:
        raise UnsupportedError(f"{path}: a Cq table has no curves to re-read: a manual threshold or baseline "
                               "needs a run file")
    if layout is not None:
        raise UnsupportedError(f"{path}: a Cq table names its samples itself: a plate layout ({layout.name}) is "
                               "for run files")


#: ``Provenance.format`` of a dataset made from Cq tables (no runs, no curves: :func:`table_analysis`).
CQ_TABLE_FORMAT = "Cq table"


def _table_dataset(paths: Sequence[Path], observations: Sequence[Observation], assay: Assay) -> Dataset:
    """The samples and targets of Cq tables as a dataset without runs (what a report lists of its input)."""
    from chipdx.model import Dataset, Dye, Provenance, Sample, SampleType, Target

    channels = {t.name: t.channel or "unknown" for t in assay.targets}
    samples = {o.sample: Sample(o.sample, SampleType(o.sample_type)) for o in reversed(observations)}
    targets = {o.target: Target(o.target, channels.get(o.target, "unknown")) for o in reversed(observations)}
    dyes = {t.dye_id: Dye(t.dye_id) for t in targets.values()}
    return Dataset((), samples=tuple(reversed(samples.values())), targets=tuple(reversed(targets.values())),
                   dyes=tuple(dyes.values()),
                   provenance=Provenance(", ".join(p.name for p in paths), CQ_TABLE_FORMAT))


def table_analysis(paths: Sequence[Path], assay: Assay, *, require_controls: bool = True) -> Analysis:
    """Cq tables interpreted with ``assay``, each on its own (its controls apply to its specimens), as an
    :class:`~chipdx.pipeline.Analysis` without runs: what ``report`` lays out for a Cq table (no curves;
    the calls rest on the tables' Cq, read as the instrument's)."""
    from chipdx.interpret.assays import require_assay_targets
    from chipdx.interpret.model_store import DEFAULT_MODEL, load_model
    from chipdx.interpret.rules import interpret_observations
    from chipdx.pipeline._analysis import Analysis

    model = load_model(DEFAULT_MODEL)
    every: list[Observation] = []
    results: list[SampleResult] = []
    for path in paths:
        observations = table_observations(path, assay)
        require_assay_targets(assay, (o.target for o in observations), str(path))
        classified = any(o.curve_call is not None for o in observations)
        results += interpret_observations(observations, assay, require_controls=require_controls,
                                          model_id=model.model_id if classified else None,
                                          model_sha256=model.sha256 if classified else None)
        every += observations
    return Analysis(_table_dataset(paths, every, assay), (), None, model, assay, tuple(results))


def interpret_file(path: Path, assay: Assay, *, require_controls: bool = True,
                   settings: ManualSettings | None = None, layout: Layout | None = None) -> tuple[SampleResult, ...]:
    """Sample results of ``assay`` on ``path``.

    A Cq table (``sample, sample_type, target, cq``…) is interpreted as written, its Cq read as
    the instrument's, with the classifier's provenance when the table carries curve calls. Any run
    file is named by ``layout`` (a plate layout, :class:`~chipdx.pipeline.Layout`), then goes through
    :func:`~chipdx.pipeline.analyze_with_settings` (``settings``: a reviewer's manual threshold or
    baseline) and :func:`~chipdx.pipeline.interpret_dataset`, so its answer
    is the one ``report`` and ``demo`` give.
    """
    if not is_table(path, CQ_TABLE_COLUMNS):
        from chipdx.pipeline._analysis import interpret_dataset
        from chipdx.pipeline._manual import ManualSettings, analyze_with_settings

        dataset = io.read(path)
        analysis = analyze_with_settings(layout.apply(dataset) if layout else dataset, settings or ManualSettings())
        return interpret_dataset(analysis, assay, require_controls=require_controls).results
    _no_curves(path, settings, layout)
    return table_analysis([path], assay, require_controls=require_controls).results


def interpret_files(paths: Sequence[Path], assay: Assay, *, require_controls: bool = True,
                    settings: ManualSettings | None = None, layout: Layout | None = None) -> tuple[
        SampleResult, ...]:
    """Sample results of ``assay`` on several inputs.

    Run files are read into one dataset (runs and samples that two files name alike told
    apart by file, :func:`~chipdx.pipeline.combine`) and interpreted together; Cq tables are
    interpreted one by one, each as written.
    """
    if len(paths) == 1:
        return interpret_file(paths[0], assay, require_controls=require_controls, settings=settings, layout=layout)
    tables = [path for path in paths if is_table(path, CQ_TABLE_COLUMNS)]
    runs = [path for path in paths if path not in tables]
    results: list[SampleResult] = []
    if runs:
        from chipdx.pipeline._analysis import interpret_dataset
        from chipdx.pipeline._inputs import read_inputs
        from chipdx.pipeline._manual import ManualSettings, analyze_with_settings

        dataset = read_inputs(runs)
        analysis = analyze_with_settings(layout.apply(dataset) if layout else dataset, settings or ManualSettings())
        results += interpret_dataset(analysis, assay, require_controls=require_controls).results
    for path in tables:
        _no_curves(path, settings, layout)
        results += interpret_file(path, assay, require_controls=require_controls)
    return tuple(results)
