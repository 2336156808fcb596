"""Interpretation commands: ``classify`` (curve-level AI) and ``interpret`` (assay decision table).

``chipdx classify IN [-o OUT.csv]``
    IN is a long curve table (``dataset, curve_id, cycle, fluo``, optionally gzipped) or
    any run file ``chipdx.io.read`` knows (its amplification matrix; ``dataset`` = run id,
    ``curve_id`` = ``well:target``). Output (SPEC §7): dataset, curve_id, p_amplified,
    call, flags, reasons.
``chipdx interpret IN --assay NAME|FILE [-o OUT.csv] [--targets-out FILE]``
    IN is a Cq table (``sample, sample_type, target, cq``) or any run file, which is
    analysed end to end first (qPCR engine, locked curve classifier; dPCR engine for
    partitions: :mod:`chipdx.cli._pipeline`). Output (SPEC §7): sample,
    sample_type, result, action, reason_codes, rule_ids; ``--targets-out`` writes the
    per-target records with model and ruleset provenance.
"""

from __future__ import annotations

import argparse
import gzip
import io as _io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from chipdx import io
from chipdx.cli._common import EXIT_OK, csv_text, emit, out
from chipdx.errors import FormatError
from chipdx.io import read_file_bounded

if TYPE_CHECKING:  # the interpretation layer (scikit-learn) loads only when a command needs it
    from chipdx.interpret.assays import Assay
    from chipdx.interpret.results import SampleResult
    from chipdx.interpret.rules import Observation

__all__ = ["CLASSIFY_COLUMNS", "INTERPRET_COLUMNS", "TARGET_COLUMNS", "add_commands", "load_assay_spec"]

CLASSIFY_COLUMNS = ("dataset", "curve_id", "p_amplified", "call", "flags", "reasons")
INTERPRET_COLUMNS = ("sample", "sample_type", "result", "action", "reason_codes", "rule_ids")
TARGET_COLUMNS = ("sample", "target", "role", "channel", "cq", "copies_per_ul", "p_amplified", "call", "flags",
                  "reason_codes", "rule_ids", "needs_review", "review_reason", "wells", "model_id", "model_sha256",
                  "ruleset_id", "ruleset_sha256", "software_version")

def _head(path: Path) -> str:
    data = read_file_bounded(path)[:65536]
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.GzipFile(fileobj=_io.BytesIO(data)).read(4096)
        except (OSError, EOFError):
            return ""
    return data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").lower()


def _is_table(path: Path, columns: Iterable[str]) -> bool:
    header = {h.strip() for h in _head(path).split(",")}
    return all(c in header for c in columns)


def _curves(path: Path) -> tuple[list[str], list[str], NDArray[np.float64]]:
    if _is_table(path, ("dataset", "curve_id", "fluo")):
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


def _write_csv(rows: Iterable[Sequence[object]], header: Sequence[str], target: Path | None) -> None:
    emit(csv_text(header, rows), target)


def _fmt(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.6g}"


def _classify(args: argparse.Namespace) -> int:

    from chipdx.interpret.model_store import load_model

    datasets, ids, fluorescence = _curves(args.input)
    model = load_model(args.model) if args.model else load_model()
    calls = model.classifier.classify(fluorescence)
    rows = ([d, c, _fmt(float(p)), call, ";".join(flags), ";".join(reasons)]
            for d, c, p, call, flags, reasons in zip(datasets, ids, calls.p_amplified, calls.call, calls.flags,
                                                     calls.reasons, strict=True))
    _write_csv(rows, CLASSIFY_COLUMNS, args.output)
    if args.output is not None:
        review = int(np.sum(calls.needs_review))
        out(f"classified {len(ids)} curves with {model.model_id} (sha256 {model.sha256[:12]}…): "
            f"{review} to review; wrote {args.output}")
    return EXIT_OK


def load_assay_spec(spec: str) -> Assay:

    """The assay named ``spec`` (a shipped assay) or read from the YAML file ``spec``."""
    from chipdx.interpret.assays import load_assay, parse_assay, shipped_assays

    path = Path(spec)
    if spec in shipped_assays() and not path.exists():
        return load_assay(spec)
    if path.suffix.lower() in {".yaml", ".yml"} or path.exists():
        return parse_assay(read_file_bounded(path), str(path))
    return load_assay(spec)  # raises with the list of shipped assays


def _observations(path: Path, assay: Assay) -> list[Observation]:
    from chipdx.interpret.rules import Observation

    if _is_table(path, ("sample", "sample_type", "target")):
        return [Observation(r.sample, r.sample_type, r.target, r.cq, copies_per_ul=r.copies_per_ul,
                            n_partitions=r.n_partitions, curve_call=r.curve_call, p_amplified=r.p_amplified,
                            well=r.well, tm_c=r.tm_c) for r in io.tables.read_cq_table(path)]
    from chipdx.cli._pipeline import analyze_dataset, assay_observations  # heavy: only for run files

    return assay_observations(analyze_dataset(io.read(path)), assay)


def _target_rows(results: Sequence[SampleResult]) -> Iterable[list[Any]]:
    for result in results:
        for t in result.targets:
            yield [t.sample, t.target, t.role, t.channel, _fmt(t.cq), _fmt(t.copies_per_ul), _fmt(t.p_amplified),
                   t.call, ";".join(t.flags), ";".join(t.reason_codes), ";".join(t.rule_ids),
                   str(t.needs_review).lower(), t.review_reason, ";".join(t.wells), t.model_id or "",
                   t.model_sha256 or "", t.ruleset_id, t.ruleset_sha256, t.software_version]


def _interpret(args: argparse.Namespace) -> int:

    assay = load_assay_spec(args.assay)
    from chipdx.interpret.model_store import DEFAULT_MODEL, load_model
    from chipdx.interpret.rules import interpret_observations

    observations = _observations(args.input, assay)
    uses_model = any(o.curve_call is not None for o in observations)
    model = load_model(DEFAULT_MODEL) if uses_model else None
    results = interpret_observations(observations, assay, require_controls=not args.no_control_check,
                                     model_id=model.model_id if model else None,
                                     model_sha256=model.sha256 if model else None)
    rows = ([r.sample, r.sample_type, r.result, r.action, ";".join(r.reason_codes), ";".join(r.rule_ids)]
            for r in results)
    _write_csv(rows, INTERPRET_COLUMNS, args.output)
    if args.targets_out is not None:
        _write_csv(_target_rows(results), TARGET_COLUMNS, args.targets_out)
    if args.output is not None:
        review = sum(r.needs_review for r in results)
        out(f"interpreted {len(results)} samples with {assay.ruleset_id} (sha256 {assay.sha256[:12]}…): "
            f"{review} to review; wrote {args.output}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``classify`` and ``interpret`` to the ``chipdx`` subparsers."""
    classify = commands.add_parser("classify", help="curve-level AI: amplified / not amplified / review")
    classify.add_argument("input", type=Path, help="long curve CSV (dataset,curve_id,cycle,fluo[.gz]) or a run file")
    classify.add_argument("-o", "--output", type=Path, default=None, help="output CSV (default: standard output)")
    classify.add_argument("--model", default=None, help="locked model id (default: the shipped model)")
    classify.set_defaults(handler=_classify)

    interpret = commands.add_parser("interpret", help="apply an assay decision table to a run or a Cq table")
    interpret.add_argument("input", type=Path, help="any run file, or a Cq table CSV (sample,sample_type,target,cq)")
    interpret.add_argument("--assay", required=True,
                           help="shipped assay (cdc-2019-ncov, who-charite-e-rdrp, dpcr-sars-cov-2, resp-4plex-demo) "
                           "or an assay YAML file")
    interpret.add_argument("-o", "--output", type=Path, default=None, help="output CSV (default: standard output)")
    interpret.add_argument("--targets-out", type=Path, default=None, help="also write per-target records here")
    interpret.add_argument("--no-control-check", action="store_true",
                           help="do not require the assay's control samples to be present in the table")
    interpret.set_defaults(handler=_interpret)
