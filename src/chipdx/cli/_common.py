"""What every command module shares: exit codes, writing to the terminal, progress bars."""

from __future__ import annotations

import csv
import io as text_io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from chipdx.io import atomic_output

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "csv_text", "emit", "fail", "out", "progress"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


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


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or print it when no output file is given."""
    if output is None:
        for line in text.rstrip("\n").split("\n"):
            out(line)
        return
    with atomic_output(output) as stream:
        stream.write(text.encode())


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
