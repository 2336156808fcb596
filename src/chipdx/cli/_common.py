"""What every command module shares: exit codes and writing to the terminal."""

from __future__ import annotations

import sys

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "fail", "out"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def out(text: str = "") -> None:
    """Print one line of results to standard output."""
    sys.stdout.write(text + "\n")


def fail(message: str) -> int:
    """Print one error line to standard error and return the 'invalid input' exit code."""
    sys.stderr.write(f"chipdx: {message}\n")
    return EXIT_INVALID
