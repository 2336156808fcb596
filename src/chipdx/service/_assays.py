"""Assay management: admins upload assay YAML (validated by the assay loader, size-limited), see version and hash,
retire one; uploads may pick any shipped or active uploaded assay; the worker analyses with the one named."""

from __future__ import annotations

from typing import Any

from chipdx import pipeline
from chipdx.errors import FormatError, InvalidParameterError
from chipdx.interpret.assays import Assay, parse_assay, shipped_assays
from chipdx.service._access import Identity
from chipdx.service._uploads import read_limited, safe_name

__all__ = ["ASSAY_LIMIT", "available", "resolve", "upload_assay"]

ASSAY_LIMIT = 256 * 1024  # bytes; the shipped assay files are 2-6 KiB


def available(store: Any) -> tuple[str, ...]:
    """The assays an upload may pick: the shipped ones and every uploaded one not retired."""
    uploaded = {a.name for a in store.assays() if not a.retired}
    return tuple(sorted(set(shipped_assays()) | uploaded))


def upload_assay(store: Any, who: Identity, stream: object, file_name: str) -> Any:
    """Validate an uploaded assay file with the assay loader and keep it; one-line errors, nothing kept on one."""
    name = safe_name(file_name)
    data = read_limited(stream, ASSAY_LIMIT)
    if not data.strip():
        raise FormatError(name, "", "an assay definition (YAML)", "an empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(name, f"byte {exc.start}", "UTF-8 text", "an undecodable byte") from None
    assay = parse_assay(data, name)
    if assay.assay_id in shipped_assays():
        raise InvalidParameterError(name, "id", "a name other than the shipped assays'", repr(assay.assay_id))
    return store.add_assay(assay.assay_id, assay.version, text, by=who.user_id)


def resolve(store: Any, name: str) -> Assay:
    """The assay a run names: the newest uploaded version of that name (retired ones still analyse the runs that
    used them), else a shipped assay."""
    found = store.assay_text(name)
    if found is None:
        return pipeline.load_assay(name)
    info, text = found
    return parse_assay(text.encode("utf-8"), f"{info.name} {info.version} (uploaded)")
