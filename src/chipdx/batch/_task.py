"""One batch task: one input read, analysed (and interpreted), its rows written, its outcome recorded.

A task never raises for a bad input: the one-line error is its outcome, so one broken
file becomes an ``errors`` row and the rest of the batch completes. The outcome is
written last (atomically, under ``state/``), after every Parquet part of the input:
an input is done exactly when its outcome file exists, which is what ``--resume`` reads.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chipdx import io, pipeline
from chipdx._version import __version__
from chipdx.batch._tables import write_parts
from chipdx.errors import ChipdxError, UnsupportedError

__all__ = ["Outcome", "outcome_path", "process_input", "read_outcome", "read_outcomes", "write_outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task did: rows written per table, its runs, timings (s), or the one-line error.

    ``peak_rss_mb`` is the peak resident memory of the worker process so far, when the task ended.
    """

    file: str
    sha256: str
    error: str = ""
    runs: tuple[str, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    model_id: str = ""
    model_sha256: str = ""
    software_version: str = __version__
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def outcome_path(out: Path, sha256: str) -> Path:
    """Where the outcome of the input with ``sha256`` is kept."""
    return out / "state" / f"{sha256}.json"


def read_outcome(path: Path) -> Outcome:
    """An outcome written by :func:`process_input`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["runs"] = tuple(data["runs"])
    return Outcome(**data)


def write_outcome(out: Path, outcome: Outcome) -> None:
    """Record ``outcome`` (atomically): from now on its input counts as done, or as failed."""
    with io.atomic_output(outcome_path(out, outcome.sha256)) as stream:
        stream.write(json.dumps(asdict(outcome), sort_keys=True).encode())


def read_outcomes(out: Path) -> list[Outcome]:
    """Every outcome recorded in the batch folder ``out``, in file-name order."""
    folder = out / "state"
    names = sorted(p for p in folder.glob("*.json") if len(p.stem) == 64) if folder.is_dir() else []
    return [read_outcome(p) for p in names]


@functools.lru_cache(maxsize=4)
def _assay(spec: str) -> Any:
    """The assay, loaded once per worker process."""
    return pipeline.load_assay(spec)


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (``ru_maxrss`` is in KiB on Linux)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, ChipdxError) else f"internal error ({type(exc).__name__}: {exc})"
    return " ".join(text.split())


def _analyse(path: Path, sha256: str, out: Path, assay: str | None, seconds: dict[str, float]) -> Outcome:
    start = time.perf_counter()
    dataset = io.read(path)
    seconds["read"] = time.perf_counter() - start
    analysis = pipeline.analyze_dataset(dataset)
    if assay is not None:
        analysis = pipeline.interpret_dataset(analysis, _assay(assay))
    records = pipeline.result_records(analysis, source_sha256=sha256)
    seconds["analyse"] = time.perf_counter() - start - seconds["read"]
    if dataset.provenance is not None and dataset.provenance.sha256 != sha256:
        raise UnsupportedError(f"{path}: the file changed after the batch started (SHA-256 differs)")
    runs = tuple(dict.fromkeys(run.id for run in dataset.runs))
    written: list[Path] = []
    try:
        written += write_parts(out, "reactions", records.reactions, sha256)
        written += write_parts(out, "dpcr", records.dpcr, sha256)
        written += write_parts(out, "samples", records.samples, sha256, run="+".join(runs))
    except BaseException:  # never leave some of an input's rows behind
        for part in written:
            part.unlink(missing_ok=True)
        raise
    seconds["write"] = time.perf_counter() - start - seconds["read"] - seconds["analyse"]
    rows = {"reactions": len(records.reactions), "dpcr": len(records.dpcr), "samples": len(records.samples)}
    return Outcome(str(path), sha256, runs=runs, rows=rows, seconds=seconds,
                   model_id=analysis.model.model_id, model_sha256=analysis.model.sha256)


def process_input(path: str, sha256: str, out: str, assay: str | None = None) -> Outcome:
    """Run one input through the pipeline into ``out``; returns (and records) its outcome, never raises for bad input.

    ``assay`` is a shipped assay name or an assay YAML path the worker can read.
    """
    seconds: dict[str, float] = {}
    try:
        outcome = _analyse(Path(path), sha256, Path(out), assay, seconds)
    except Exception as exc:  # one bad input must not stop the batch: its error is its result
        outcome = Outcome(path, sha256, error=_one_line(exc), seconds=seconds)
    outcome = dataclasses.replace(outcome, peak_rss_mb=_peak_rss_mb())
    write_outcome(Path(out), outcome)
    return outcome
