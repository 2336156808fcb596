"""What every command module shares: exit codes, writing to the terminal, progress bars."""

from __future__ import annotations

import argparse
import csv
import io as text_io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipdx.errors import UnsupportedError, close_names
from chipdx.io import atomic_output

if TYPE_CHECKING:
    from chipdx.model import Dataset

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "LOG_NAME", "OUTPUT_OPTIONS", "cell_text", "csv_text", "emit",
           "fail", "missing_output_folder", "note", "out", "progress", "require_known", "require_partitions",
           "require_reactions",
           "write_event_log"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

#: The run log written beside simulated data (one JSON event per line).
LOG_NAME = "run_log.jsonl"


def out(text: str = "") -> None:
    """Print one line of results to standard output."""
    sys.stdout.write(text + "\n")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV table as text: header row, then the rows, ``\\n`` line ends."""
    buffer = text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


#: Argument names (``dest``) that name an output file: ``-o/--output``, ``convert``'s OUT, ``--targets-out``.
OUTPUT_OPTIONS = ("output", "targets_out")


def missing_output_folder(args: argparse.Namespace) -> str | None:
    """The one-line error for an output file whose folder does not exist, or None when all can be written.

    Checked once, before any command runs, so a mistyped folder is refused before the work and never
    created silently (folders for outputs are the user's to make).
    """
    for name in OUTPUT_OPTIONS:
        path = getattr(args, name, None)
        if isinstance(path, Path) and not path.parent.is_dir():
            return f"{path}: output folder {path.parent} does not exist (create it first)"
    return None


def require_partitions(dataset: Dataset, source: Path) -> None:
    """Refuse a file without dPCR partitions before ``dpcr analyze`` writes an empty table."""
    if any(run.partitions for run in dataset.runs):
        return
    if any(run.amplification is not None for run in dataset.runs):
        raise UnsupportedError(f"{source}: holds qPCR curves, no dPCR partitions: use chipdx qpcr analyze")
    if any(run.reactions for run in dataset.runs):
        raise UnsupportedError(f"{source}: holds qPCR reactions (Cq values), no dPCR partitions: "
                               "use chipdx qpcr analyze")
    raise UnsupportedError(f"{source}: holds no dPCR partitions")


def require_reactions(dataset: Dataset, source: Path) -> None:
    """Refuse a file without qPCR reactions before ``qpcr analyze`` writes an empty table."""
    if any(run.reactions for run in dataset.runs):
        return
    if any(run.partitions for run in dataset.runs):
        raise UnsupportedError(f"{source}: holds dPCR partitions, no qPCR curves: use chipdx dpcr analyze")
    raise UnsupportedError(f"{source}: holds no qPCR reactions")


def require_known(option: str, names: Iterable[str], known: Iterable[str], source: str, *,
                  kind: str = "target") -> None:
    """Refuse a name given to ``option`` that ``source`` does not hold, listing what it holds and close names.

    >>> try:
    ...     require_known("--threshold", ["N1", "Rp"], ["N1", "N2", "RP"], "run.rdml")
    ... except UnsupportedError as err:
    ...     print(err)
    run.rdml: --threshold names target 'Rp' (did you mean RP?); the file has: N1, N2, RP
    """
    known = list(dict.fromkeys(known))
    for name in names:
        if name not in known:
            close = close_names(name, known)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UnsupportedError(f"{source}: {option} names {kind} {name!r}{hint}; "
                                   f"the file has: {', '.join(known) or 'none'}")


def cell_text(value: object) -> str:
    """A value as a CSV cell, one way in every output: ``true``/``false``, numbers to 6 significant digits,
    an empty cell for ``NaN`` or ``None``.

    >>> [cell_text(v) for v in (True, 0.123456789, float("nan"), None, "A1")]
    ['true', '0.123457', '', '', 'A1']
    """
    import numpy as np

    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{float(value):.6g}"
    return str(value)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or print it when no output file is given."""
    if output is None:
        for line in text.rstrip("\n").split("\n"):
            out(line)
        return
    with atomic_output(output) as stream:
        stream.write(text.encode())


def note(message: str) -> None:
    """Print one line about the input (not an error) to standard error."""
    sys.stderr.write(f"chipdx: note: {message}\n")


def fail(message: str) -> int:
    """Print one error line to standard error and return the 'invalid input' exit code."""
    sys.stderr.write(f"chipdx: {message}\n")
    return EXIT_INVALID


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A progress bar on standard error for long work; silent when stderr is not a terminal.

    Yields ``advance(steps)``. Output files and standard output are never touched, so
    piping or redirecting results stays clean.
    """
    if not sys.stderr.isatty():

        def ignore(steps: float = 1) -> None:
            del steps

        yield ignore
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f}"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(steps: float = 1) -> None:
            bar.advance(task, steps)

        yield advance


def write_event_log(path: Path, events: Sequence[dict[str, Any]]) -> None:
    """Write a run's events as JSON lines, atomically (the log beside simulated data)."""
    from chipdx.sim.execute import events_to_jsonl

    with atomic_output(path) as stream:
        stream.write(events_to_jsonl(tuple(events)))
