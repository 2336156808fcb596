"""An uploaded run file: size-limited, named safely, read once to validate, stored by its SHA-256.

Nothing is stored for a refused upload: the bytes go to a private temporary file first, are read
by the same reader the worker uses, and only a file that reads (with reactions or dPCR wells) and
names a shipped assay is moved into ``uploads/<sha256>/<name>``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chipdx import pipeline
from chipdx.errors import ChipdxError, FormatError, InvalidParameterError, UploadTooLargeError

__all__ = ["Upload", "accept_upload", "read_limited", "safe_name", "too_large"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]")
_CHUNK = 1024 * 1024


def too_large(limit: int) -> UploadTooLargeError:
    """The refusal of an upload over ``limit`` bytes.

    >>> str(too_large(1024))
    'upload: size: expected at most 1024 bytes (the upload limit), found more'
    """
    return UploadTooLargeError("upload", "size", f"at most {limit} bytes (the upload limit)", "more")


@dataclass(frozen=True, slots=True)
class Upload:
    """A validated upload, stored at ``path``."""

    file_name: str
    data: bytes
    sha256: str
    path: Path
    format: str
    instrument: str
    simulated: bool
    assay: str


def safe_name(name: str) -> str:
    """The last path part of ``name`` with only plain characters, at most 120 of them.

    >>> safe_name("../../etc/pass wd;rm.rdml")
    'pass wd_rm.rdml'
    """
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    cleaned = _UNSAFE.sub("_", base)[-120:]
    return cleaned or "upload"


def read_limited(stream: object, limit: int) -> bytes:
    """All bytes of a file-like ``stream``, refusing (UploadTooLargeError) more than ``limit``."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(_CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)


def _check_assay(assay: str, names: tuple[str, ...]) -> None:
    if assay not in names:
        raise InvalidParameterError("upload", "assay", "one of " + ", ".join(names), repr(assay))


def _validate(path: Path, name: str) -> tuple[str, str, bool]:
    dataset = pipeline.read_inputs([path])
    if not any(run.reactions or run.partitions for run in dataset.runs):
        raise FormatError(name, "runs", "a run with reactions or dPCR wells", "none")
    provenance = dataset.provenance
    instrument = next((run.instrument for run in dataset.runs if run.instrument), "") or ""
    return (provenance.format if provenance else ""), instrument, bool(provenance and provenance.simulated)


def accept_upload(data: bytes, file_name: str, assay: str, uploads: Path, assays: tuple[str, ...] = ()) -> Upload:
    """Validate ``data`` as a run file for ``assay`` (one of ``assays``, default the shipped ones) and store it;
    raises a one-line ChipdxError otherwise."""
    from chipdx.interpret.assays import shipped_assays

    name = safe_name(file_name)
    _check_assay(assay, assays or shipped_assays())
    if not data:
        raise FormatError(name, "", "a run file", "an empty upload")
    sha256 = hashlib.sha256(data).hexdigest()
    uploads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=uploads, prefix=".upload-") as private:
        draft = Path(private) / name  # the readers name the file in their messages
        draft.write_bytes(data)
        try:
            format_name, instrument, simulated = _validate(draft, name)
        except ChipdxError:
            raise
        except (ValueError, OSError) as exc:  # a reader's unexpected refusal: still one line, nothing stored
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FormatError(name, "", "a readable run file", first) from None
        folder = uploads / sha256
        folder.mkdir(exist_ok=True)
        final = folder / name
        os.replace(draft, final)
    return Upload(name, data, sha256, final, format_name, instrument, simulated, assay)
