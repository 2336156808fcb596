"""One registry of file formats: sniffing, reading and writing by name or content.

:mod:`chipdx.io._catalogue` registers a :class:`FileFormat` for each built-in format,
whose reader and writer import their module on first use; :func:`read` and
:func:`write` find the right one. Other readers plug in by calling :func:`register`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from chipdx.errors import FormatError, UnknownFormatError, UnsupportedError
from chipdx.io._safety import describe_bytes
from chipdx.model import Dataset, Provenance

__all__ = ["FileFormat", "content_sha256", "detect", "formats", "read", "register", "write"]

_HEAD_BYTES = 64 * 1024

Sniffer = Callable[[Path, bytes], bool]
Reader = Callable[[Path], Dataset]
Writer = Callable[[Dataset, Path], None]


@dataclass(frozen=True, slots=True)
class FileFormat:
    """A file format chipdx knows.

    Parameters
    ----------
    name
        Short stable name (``"rdml"``), used by ``--format`` options.
    description
        What people call it, with the versions read.
    extensions
        File endings, lower case with the dot (``(".rdml",)``).
    sniff
        ``sniff(path, head)`` is true when the first bytes (or a folder) look like this format.
    reader
        Returns a :class:`~chipdx.model.Dataset` or raises :class:`~chipdx.errors.FormatError`.
    writer
        Writes a dataset, or ``None`` when chipdx only reads this format.
    amplification_reader
        Optional faster reader that leaves out melt curves (used by ``read(..., melt=False)``).
    refusal
        For a format chipdx recognises but does not read (``reader=None``): why, and what to
        export instead. A file it sniffs is refused with this reason, never handed to another
        format's reader by its ending.
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    sniff: Sniffer
    reader: Reader | None = None
    writer: Writer | None = None
    amplification_reader: Reader | None = None
    refusal: str = ""


_FORMATS: dict[str, FileFormat] = {}


def register(file_format: FileFormat) -> FileFormat:
    """Add a format to the registry (a later registration under the same name replaces it)."""
    _FORMATS[file_format.name] = file_format
    return file_format


def formats() -> tuple[FileFormat, ...]:
    """All registered formats, in registration order."""
    return tuple(_FORMATS.values())


def _by_name(name: str) -> FileFormat:
    try:
        return _FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(_FORMATS))
        raise UnsupportedError(f"unknown format {name!r}; known formats: {known}") from None


def _head(path: Path) -> bytes:
    if path.is_dir():
        return b""
    try:
        with path.open("rb") as stream:
            return stream.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise FormatError(str(path), "", "an existing file or folder", "no such file") from None
    except PermissionError:
        raise FormatError(str(path), "", "a readable file", "permission denied") from None


def detect(path: str | Path) -> FileFormat:
    """The format of ``path``: by content first, then by file ending.

    Raises :class:`~chipdx.errors.UnknownFormatError` naming what the file looks like.
    """
    path = Path(path)
    head = _head(path)
    readable = [f for f in _FORMATS.values() if f.reader is not None]
    for file_format in readable:
        if file_format.sniff(path, head):
            return file_format
    for file_format in _FORMATS.values():
        if file_format.reader is None and file_format.sniff(path, head):
            _refuse(path, file_format)
    suffix = path.suffix.lower()
    for file_format in readable:
        if suffix in file_format.extensions:
            return file_format
    found = "a folder with no recognised run files" if path.is_dir() else describe_bytes(head)
    raise UnknownFormatError(str(path), "", "a run file in a known format (listed by 'chipdx --help')", found)


def _refuse(path: Path, file_format: FileFormat) -> NoReturn:
    """Refuse a file of a format chipdx recognises but does not read, naming it and why."""
    reason = f" ({file_format.refusal})" if file_format.refusal else ""
    raise FormatError(str(path), "", "a format chipdx reads ('chipdx --help')",
                      f"{file_format.description}: not supported yet{reason}")


def content_sha256(path: Path) -> str:
    """SHA-256 of a run file, or of a folder's files (relative names and bytes, in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode("utf-8", "surrogateescape"))
        with file.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def read(path: str | Path, *, format: str | None = None, melt: bool = True) -> Dataset:
    """Read a run file (or folder) into a :class:`~chipdx.model.Dataset`.

    Parameters
    ----------
    path
        The file or folder.
    format
        A registered format name; sniffed from the content when ``None``.
    melt
        ``False``: the dataset has no melt curves (formats with an ``amplification_reader``
        then skip parsing them, which is faster when only amplification is analysed).

    Returns
    -------
    Dataset
        With :class:`~chipdx.model.Provenance` naming the source and its SHA-256.
    """
    path = Path(path)
    file_format = _by_name(format) if format else detect(path)
    if file_format.reader is None:
        _refuse(path, file_format)
    reader = file_format.reader if melt else (file_format.amplification_reader or file_format.reader)
    dataset = reader(path)
    if not melt and any(run.melt is not None for run in dataset.runs):
        dataset = dataclasses.replace(dataset, runs=tuple(dataclasses.replace(run, melt=None) for run in dataset.runs))
    old = dataset.provenance
    provenance = Provenance(
        source=path.name,
        format=file_format.name,
        format_version=old.format_version if old else "",
        sha256=content_sha256(path),
        simulated=old.simulated if old else False,
    )
    return dataclasses.replace(dataset, provenance=provenance)


def write(dataset: Dataset, path: str | Path, *, format: str | None = None) -> None:
    """Write ``dataset`` to ``path`` atomically, in ``format`` or the one its ending names."""
    path = Path(path)
    if format:
        file_format = _by_name(format)
    else:
        matches = [f for f in _FORMATS.values() if f.writer and path.suffix.lower() in f.extensions]
        if not matches:
            endings = ", ".join(e for f in _FORMATS.values() if f.writer for e in f.extensions)
            raise UnsupportedError(f"cannot tell the output format of {path.name!r}; use one of: {endings}")
        file_format = matches[0]
    if file_format.writer is None:
        raise UnsupportedError(f"chipdx reads but does not write {file_format.description}")
    file_format.writer(dataset, path)
