"""The ``chipdx`` command line: thin adapters that compose io, analysis and output.

Exit codes (SPEC §7): 0 success, 1 invalid input or failed validation (one line on
stderr, no traceback), 2 usage. This package is the only place that prints.

Each command group lives in its own module with an ``add_commands(subparsers)``
function; :data:`COMMAND_MODULES` lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from chipdx._version import __version__
from chipdx.cli import (
    _batch,
    _demo,
    _dpcr,
    _foundation,
    _interpret,
    _market,
    _qpcr,
    _report,
    _serve,
    _sila,
    _simulate,
    _users,
)
from chipdx.cli._common import EXIT_INVALID, fail, missing_output_folder
from chipdx.errors import ChipdxError

__all__ = ["main"]

COMMAND_MODULES: tuple[ModuleType, ...] = (_demo, _foundation, _simulate, _qpcr, _dpcr, _interpret, _report,
                                           _batch, _sila, _market, _users, _serve)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chipdx",
        description="Sample-to-answer software for a digital lab-on-a-chip molecular diagnostic.",
        epilog=_formats_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chipdx {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_commands(commands)
    return parser


def _formats_epilog() -> str:
    """The formats chipdx reads (sniffed by content), for ``--help``: errors point here instead of listing them."""
    from chipdx import io

    lines = [f"  {f.name:<20} {f.description}" for f in io.formats() if f.reader is not None]
    known = [f"  {f.name:<20} {f.description}" for f in io.formats() if f.reader is None]
    refused = "\nrecognised, not read yet:\n" + "\n".join(known) if known else ""
    return "formats read (sniffed by content, then by file ending):\n" + "\n".join(lines) + refused


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    folder_error = missing_output_folder(args)
    if folder_error is not None:
        return fail(f"error: {folder_error}")
    try:
        return handler(args)
    except ChipdxError as exc:
        sys.stderr.write(f"chipdx: error: {exc}\n")
        return EXIT_INVALID
    except BrokenPipeError:  # the reader of our output went away (``| head``): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("chipdx: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get("CHIPDX_DEBUG"):
            raise
        sys.stderr.write(
            f"chipdx: internal error ({type(exc).__name__}: {exc}); please report it with CHIPDX_DEBUG=1 output\n"
        )
        return EXIT_INVALID
