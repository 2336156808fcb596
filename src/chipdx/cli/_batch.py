"""``chipdx batch IN... --out DIR`` (many runs on Dask into Parquet) and ``chipdx batch summary DIR``.

:mod:`chipdx.batch` (Dask, pyarrow) is imported when a batch command runs, so ``chipdx --help``
and every other command start without it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipdx.cli._common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, fail, out, progress
from chipdx.errors import UnsupportedError

if TYPE_CHECKING:
    from chipdx.batch import Outcome

__all__ = ["add_commands"]


def _workers(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 worker, got {value!r}")
    return number


def _scheduler(value: str) -> str:
    if not value.startswith(("tcp://", "tls://", "inproc://", "ucx://")) or value.endswith("//"):
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address such as tcp://HOST:8786, got {value!r}")
    return value


def _import_batch() -> Any:
    """:mod:`chipdx.batch`, or one line naming the pip extra when Dask or pyarrow is missing."""
    from chipdx.extras import EXTRAS, require

    for module in EXTRAS["batch"]:
        require(module, extra="batch", feature="chipdx batch")
    import chipdx.batch as batch

    return batch


def _summary(folder: Path, html: Path | None) -> int:
    batch = _import_batch()
    if not (folder / "manifest.json").is_file():
        raise UnsupportedError(f"{folder}: expected a batch folder (with manifest.json), found none")
    summary = batch.summarise(folder)
    for line in batch.summary_text(summary).splitlines():
        out(line)
    target = html or folder / "summary.html"
    batch.write_summary_html(summary, target)
    out(f"wrote     {target}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    if args.inputs[:1] == ["summary"] and args.out is None:
        if len(args.inputs) != 2:
            fail("usage: chipdx batch summary DIR [--html FILE]")
            return EXIT_USAGE
        return _summary(Path(args.inputs[1]), args.html)
    if args.out is None:
        fail("usage: chipdx batch IN... --out DIR (the output folder is required)")
        return EXIT_USAGE
    batch = _import_batch()
    plan = batch.plan_batch(args.inputs, args.out, assay=args.assay, resume=args.resume)
    with progress("batch", total=len(plan.todo)) as advance:

        def on_result(outcome: Outcome) -> None:
            del outcome
            advance(1)

        report = batch.execute_plan(plan, workers=args.workers, scheduler=args.scheduler, on_result=on_result)
    already = f", {report.resumed} already done" if report.resumed else ""
    same = f", {report.duplicates} duplicate file(s) skipped" if report.duplicates else ""
    out(f"batch     {report.inputs} inputs: {report.done} done, {report.errors} errors{already}{same} "
        f"on {report.workers} worker(s) in {report.seconds:.1f} s")
    out(f"wrote     {args.out} (reactions/, dpcr/, samples/, errors.parquet, manifest.json)")
    if report.errors:
        out(f"errors    {args.out / 'errors.parquet'} (one row per input that failed)")
    return EXIT_INVALID if report.errors else EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``batch`` (and ``batch summary DIR``) to the ``chipdx`` subparsers."""
    text = "analyse many runs on Dask into Parquet (reactions, dpcr, samples, errors, manifest)"
    parser = commands.add_parser(
        "batch", help=text, description=f"{text}. 'chipdx batch summary DIR' prints per-target statistics and "
        "writes DIR/summary.html.")
    parser.add_argument("inputs", nargs="+", metavar="IN", help="run files, folders or glob patterns (any format)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (created; must be new or a batch)")
    parser.add_argument("--assay", default=None, help="also interpret each run with this assay (name or YAML)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None,
                       help="local worker processes (default: one per usable core)")
    where.add_argument("--scheduler", type=_scheduler, default=None, metavar="tcp://HOST:PORT",
                       help="run on this Dask scheduler instead of a local cluster")
    parser.add_argument("--resume", action="store_true", help="skip inputs already done in --out (by SHA-256)")
    parser.add_argument("--html", type=Path, default=None,
                        help="summary: the HTML page to write (default DIR/summary.html)")
    parser.set_defaults(handler=_run)
