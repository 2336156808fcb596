"""The batch folder's summary files: ``errors.parquet`` (file, one-line error) and ``manifest.json``.

Both are rebuilt from the recorded outcomes (``state/``) at the end of every batch, so a
resumed batch lists the inputs of every earlier attempt once.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chipdx import io
from chipdx._version import __version__
from chipdx.batch._inputs import BatchInput
from chipdx.batch._task import Outcome, read_outcomes

__all__ = ["ERROR_SCHEMA", "write_manifest"]

ERROR_SCHEMA = pa.schema([("file", pa.string()), ("sha256", pa.string()), ("error", pa.string())])


def _write_errors(out: Path, outcomes: Sequence[Outcome]) -> None:
    failed = [o for o in outcomes if not o.ok]
    table = pa.table({"file": [o.file for o in failed], "sha256": [o.sha256 for o in failed],
                      "error": [o.error for o in failed]}, schema=ERROR_SCHEMA)
    with io.atomic_output(out / "errors.parquet") as stream:
        pq.write_table(table, stream)


def _entry(outcome: Outcome) -> dict[str, Any]:
    return {"file": outcome.file, "sha256": outcome.sha256, "status": "ok" if outcome.ok else "error",
            "error": outcome.error or None, "runs": list(outcome.runs), "rows": outcome.rows,
            "seconds": {k: round(v, 4) for k, v in outcome.seconds.items()}, "peak_rss_mb": outcome.peak_rss_mb}


def _totals(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    done = [o for o in outcomes if o.ok]
    rows = {table: sum(o.rows.get(table, 0) for o in done) for table in ("reactions", "dpcr", "samples")}
    task = [sum(o.seconds.values()) for o in done]
    return {"inputs": len(outcomes), "done": len(done), "errors": len(outcomes) - len(done), "rows": rows,
            "task_seconds_sum": round(sum(task), 3),
            "task_seconds_mean": round(sum(task) / len(task), 4) if task else None}


def write_manifest(out: Path, settings: dict[str, Any], duplicates: Sequence[BatchInput], skipped: Sequence[Path],
                   timings: dict[str, Any]) -> dict[str, Any]:
    """Write ``errors.parquet`` and ``manifest.json`` for the batch in ``out``; returns the manifest."""
    outcomes = read_outcomes(out)
    _write_errors(out, outcomes)
    models = sorted({(o.model_id, o.model_sha256) for o in outcomes if o.ok})
    manifest = {
        "chipdx_version": __version__,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "assay": settings["assay"],
        "ruleset": ({"id": settings["ruleset_id"], "sha256": settings["ruleset_sha256"]}
                    if settings["assay"] is not None else None),
        "models": [{"id": m, "sha256": s} for m, s in models],
        "totals": _totals(outcomes),
        "timings": timings,
        "inputs": [_entry(o) for o in outcomes],
        "duplicates": [{"file": str(d.path), "sha256": d.sha256} for d in duplicates],
        "skipped": [str(p) for p in skipped],
    }
    with io.atomic_output(out / "manifest.json") as stream:
        stream.write(json.dumps(manifest, indent=1, sort_keys=False).encode())
    return manifest
