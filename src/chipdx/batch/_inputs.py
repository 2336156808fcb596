"""What a batch reads: files, folders and glob patterns expanded to run inputs, each with its SHA-256."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chipdx import io
from chipdx.errors import UnsupportedError

__all__ = ["BatchInput", "expand_inputs"]

#: Endings shared by many kinds of table: a folder member with one of these is a run only when its content says so.
_GENERIC_ENDINGS = frozenset({".csv", ".txt", ".tsv", ".gz"})


@dataclass(frozen=True, slots=True)
class BatchInput:
    """One run input (a file, or a folder export such as QX amplitude CSVs) and its content SHA-256."""

    path: Path
    sha256: str


def _sniffed(path: Path) -> bool:
    """Whether a known reader recognises ``path`` by its content (a folder export, or a file's first bytes)."""
    head = b""
    if path.is_file():
        with path.open("rb") as stream:
            head = stream.read(64 * 1024)
    return any(f.reader is not None and f.sniff(path, head) for f in io.formats())


def _run_like(path: Path) -> bool:
    """A folder member worth reading: sniffed by content, or ending as only run files end (``.rdml``, ``.eds``...)."""
    if path.name.startswith("."):
        return False
    if _sniffed(path):
        return True
    suffix = path.suffix.lower()
    return suffix not in _GENERIC_ENDINGS and any(suffix in f.extensions for f in io.formats() if f.reader)


def _members(folder: Path, skipped: list[Path]) -> list[Path]:
    """A folder's run inputs: the folder itself when it is one export, else its run files, recursively."""
    if _sniffed(folder):
        return [folder]
    found: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            found += _members(child, skipped)
        elif _run_like(child):
            found.append(child)
        elif not child.name.startswith("."):
            skipped.append(child)
    return found


def _expand(spec: str, skipped: list[Path]) -> list[Path]:
    path = Path(spec)
    if path.is_dir():
        return _members(path, skipped)
    if path.exists():
        return [path]
    if glob.has_magic(spec):
        matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
        if not matches:
            raise UnsupportedError(f"{spec}: the pattern matches no file")
        return [m for match in matches for m in ([match] if match.is_file() else _members(match, skipped))]
    raise UnsupportedError(f"{spec}: no such file or folder")


def expand_inputs(specs: Sequence[str]) -> tuple[list[BatchInput], list[Path]]:
    """The run inputs named by ``specs`` (files, folders, globs) in order, once each, with their SHA-256.

    Files named directly or by a pattern are always inputs (an unreadable one becomes an error
    row); inside a folder, files no reader recognises (a ``truth.csv``, notes) are returned
    second, as skipped, so the manifest can list them.
    """
    skipped: list[Path] = []
    seen: set[Path] = set()
    inputs: list[BatchInput] = []
    for spec in specs:
        for path in _expand(spec, skipped):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                inputs.append(BatchInput(path, io.content_sha256(path)))
    if not inputs:
        raise UnsupportedError(f"{', '.join(specs)}: no run files found")
    return inputs, skipped
