"""Interpretation commands: ``classify`` (curve-level AI) and ``interpret`` (assay decision table).

``chipdx classify IN [-o OUT.csv]``
    IN is a long curve table (``dataset, curve_id, cycle, fluo``, optionally gzipped) or
    any run file ``chipdx.io.read`` knows (its amplification matrix; ``dataset`` = run id,
    ``curve_id`` = ``well:target``). Output (SPEC §7): dataset, curve_id, p_amplified,
    call, flags, reasons.
``chipdx interpret IN --assay NAME|FILE [-o OUT.csv] [--targets-out FILE]``
    IN is a Cq table (``sample, sample_type, target, cq``) or any run file, which is
    analysed end to end first (qPCR engine, locked curve classifier; dPCR engine for
    partitions: :mod:`chipdx.pipeline`). Output (SPEC §7): sample,
    sample_type, result, action, reason_codes, rule_ids, then detected (every detected
    pathogen target of a co-infection) and findings (the matched rows' notes; for controls,
    passed/failed and why); ``--targets-out`` writes the per-target records (each target's
    own call and reportable result) with model and ruleset provenance.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chipdx.cli._common import EXIT_OK, csv_text, emit, out
from chipdx.cli._settings import add_layout_option, add_manual_options, layout_of, manual_settings

if TYPE_CHECKING:  # the interpretation layer (scikit-learn) loads only when a command needs it
    from chipdx.interpret.results import SampleResult

__all__ = ["CLASSIFY_COLUMNS", "INTERPRET_COLUMNS", "TARGET_COLUMNS", "add_commands", "call_rows", "cq_method"]

CLASSIFY_COLUMNS = ("dataset", "curve_id", "p_amplified", "call", "flags", "reasons")
#: The SPEC §7 columns, then what was detected (pathogen targets, ``;`` between them), the findings in words and
#: the Cq definition the cut-offs were compared on (``sdm``, ``threshold``, ``threshold-manual``, ``instrument``).
INTERPRET_COLUMNS = ("sample", "sample_type", "result", "action", "reason_codes", "rule_ids", "detected", "findings",
                     "cq_method")
TARGET_COLUMNS = ("sample", "target", "role", "channel", "cq", "copies_per_ul", "p_amplified", "call", "result",
                  "flags",
                  "reason_codes", "rule_ids", "needs_review", "review_reason", "wells", "model_id", "model_sha256",
                  "ruleset_id", "ruleset_sha256", "software_version", "cq_method")

def _write_csv(rows: Iterable[Sequence[object]], header: Sequence[str], target: Path | None) -> None:
    emit(csv_text(header, rows), target)


def _fmt(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.6g}"


def _classify(args: argparse.Namespace) -> int:
    from chipdx.pipeline import classify_file

    several = len(args.input) > 1
    rows: list[list[object]] = []
    review = 0
    for path in args.input:
        classified = classify_file(path, args.model)
        calls, model = classified.calls, classified.model
        review += int(np.sum(calls.needs_review))
        rows += ([d, c, _fmt(float(p)), call, ";".join(flags), ";".join(reasons), *([path.name] if several else [])]
                 for d, c, p, call, flags, reasons in zip(classified.datasets, classified.curve_ids,
                                                          calls.p_amplified, calls.call, calls.flags, calls.reasons,
                                                          strict=True))
    _write_csv(rows, (*CLASSIFY_COLUMNS, "file") if several else CLASSIFY_COLUMNS, args.output)
    if args.output is not None:
        out(f"classified {len(rows)} curves with {model.model_id} (sha256 {model.sha256[:12]}…): "
            f"{review} to review; wrote {args.output}")
    return EXIT_OK


def _target_rows(results: Sequence[SampleResult]) -> Iterable[list[Any]]:
    for result in results:
        for t in result.targets:
            yield [t.sample, t.target, t.role, t.channel, _fmt(t.cq), _fmt(t.copies_per_ul), _fmt(t.p_amplified),
                   t.call, t.result, ";".join(t.flags), ";".join(t.reason_codes), ";".join(t.rule_ids),
                   str(t.needs_review).lower(), t.review_reason, ";".join(t.wells), t.model_id or "",
                   t.model_sha256 or "", t.ruleset_id, t.ruleset_sha256, t.software_version, t.cq_method]


def call_rows(results: Sequence[SampleResult]) -> list[list[str]]:
    """One row of :data:`INTERPRET_COLUMNS` per sample result (``calls.csv`` of ``interpret`` and ``demo``)."""
    return [[r.sample, r.sample_type, r.result, r.action, ";".join(r.reason_codes), ";".join(r.rule_ids),
             ";".join(r.detected), "; ".join(r.findings), cq_method(r)] for r in results]


def cq_method(result: SampleResult) -> str:
    """The Cq definitions a sample's targets were compared on (``;`` between different ones)."""
    return ";".join(dict.fromkeys(m for t in result.targets for m in t.cq_method.split(";") if m))


def _interpret(args: argparse.Namespace) -> int:
    from chipdx.pipeline import interpret_files, load_assay

    assay = load_assay(args.assay)
    results = interpret_files(args.input, assay, require_controls=not args.no_control_check,
                              settings=manual_settings(args), layout=layout_of(args))
    _write_csv(call_rows(results), INTERPRET_COLUMNS, args.output)
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
    classify.add_argument("input", type=Path, nargs="+",
                          help="long curve CSVs (dataset,curve_id,cycle,fluo[.gz]) or run files")
    classify.add_argument("-o", "--output", type=Path, default=None, help="output CSV (default: standard output)")
    classify.add_argument("--model", default=None, help="locked model id (default: the shipped model)")
    classify.set_defaults(handler=_classify)

    interpret = commands.add_parser("interpret", help="apply an assay decision table to a run or a Cq table")
    interpret.add_argument("input", type=Path, nargs="+",
                           help="run files (interpreted together) or Cq table CSVs (sample,sample_type,target,cq)")
    interpret.add_argument("--assay", required=True,
                           help="shipped assay (cdc-2019-ncov, who-charite-e-rdrp, dpcr-sars-cov-2, resp-4plex-demo) "
                           "or an assay YAML file")
    interpret.add_argument("-o", "--output", type=Path, default=None, help="output CSV (default: standard output)")
    interpret.add_argument("--targets-out", type=Path, default=None, help="also write per-target records here")
    interpret.add_argument("--no-control-check", action="store_true",
                           help="do not require the assay's control samples to be present in the table")
    add_manual_options(interpret)
    add_layout_option(interpret)
    interpret.set_defaults(handler=_interpret)
