"""Several files in one analysis: runs and samples that two files name alike are told apart by file."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chipdx import io, pipeline
from chipdx.errors import ValidationError
from chipdx.model import Dataset

EXAMPLE = Path(pipeline.__file__).resolve().parents[1] / "data" / "example_run.rdml"


def _copies(tmp_path: Path, *names: str) -> list[Path]:
    paths = [tmp_path / name for name in names]
    for path in paths:
        shutil.copy(EXAMPLE, path)
    return paths


def test_runs_with_the_same_ids_are_told_apart_by_file(tmp_path: Path) -> None:
    first, second = _copies(tmp_path, "a.rdml", "b.rdml")
    dataset = pipeline.read_inputs([first, second])
    one = io.read(first)
    assert [r.id for r in dataset.runs] == [*(r.id for r in one.runs), *(f"b.rdml/{r.id}" for r in one.runs)]
    analysis = pipeline.analyze_dataset(dataset)
    table = analysis.reactions
    assert len(table) == 2 * sum(len(r.reactions) for r in one.runs)
    assert not table.duplicated(["run", "well", "target"]).any()  # every well kept apart


def test_samples_that_differ_under_one_name_are_told_apart(tmp_path: Path) -> None:
    first, second = _copies(tmp_path, "a.rdml", "b.rdml")
    a, b = io.read(first), io.read(second)
    sample = b.samples[0]
    changed = dataclasses.replace(sample, description="another specimen")
    b = dataclasses.replace(b, samples=(changed, *b.samples[1:]))
    combined = pipeline.combine(a, b)
    ids = {s.id for s in combined.samples}
    assert sample.id in ids and f"b.rdml/{sample.id}" in ids
    renamed_run = combined.runs[-1]
    assert any(r.sample_id == f"b.rdml/{sample.id}" for r in renamed_run.reactions)
    assert combined.first_undeclared_reference() is None


def test_a_target_declared_differently_is_refused(tmp_path: Path) -> None:
    first, second = _copies(tmp_path, "a.rdml", "b.rdml")
    a, b = io.read(first), io.read(second)
    target = dataclasses.replace(b.targets[0], description="another assay under the same name")
    b = dataclasses.replace(b, targets=(target, *b.targets[1:]))
    with pytest.raises(ValidationError, match=r"a\.rdml, b\.rdml: target .* declared differently"):
        pipeline.combine(a, b)


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    (first,) = _copies(tmp_path, "a.rdml")
    with pytest.raises(ValidationError, match="given twice"):
        pipeline.read_inputs([first, first])


def test_report_of_two_files_sharing_run_ids(tmp_path: Path) -> None:
    first, second = _copies(tmp_path, "a.rdml", "b.rdml")
    report = tmp_path / "r.html"
    done = subprocess.run([sys.executable, "-m", "chipdx.cli", "report", str(first), str(second), "-o", str(report)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "b.rdml/" in report.read_text()


def test_combining_keeps_a_dataset_of_one_file_as_it_is() -> None:
    one = io.read(EXAMPLE)
    assert isinstance(pipeline.combine(one), Dataset)
    assert [r.id for r in pipeline.combine(one).runs] == [r.id for r in one.runs]
