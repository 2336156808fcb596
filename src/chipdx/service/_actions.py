"""What people do, shared by the pages and the API: upload, change settings, review, release, correct.

Each function checks what the web layer knows (four eyes against the uploader, the run's settings
as typed by a person) and leaves the rest to :mod:`chipdx.store`, which audits every change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chipdx.errors import AccessRefusedError, InvalidParameterError
from chipdx.service._access import Identity
from chipdx.service._assays import available
from chipdx.service._uploads import accept_upload, read_limited

__all__ = ["SETTING_KINDS", "release", "setting", "upload"]

SETTING_KINDS = ("exclude", "include", "threshold", "baseline")
_RELEASE_MEANING = "Approved: I reviewed these results and release them for reporting"


def upload(store: Any, who: Identity, stream: object, file_name: str, assay: str, uploads: Path,
           limit: int) -> Any:
    """Store a validated run file and queue its analysis; returns the run."""
    data = read_limited(stream, limit)
    accepted = accept_upload(data, file_name, assay, uploads, available(store))
    run, _job = store.add_run(accepted.file_name, accepted.data, by=who.user_id, format=accepted.format,
                              instrument=accepted.instrument, assay=accepted.assay, simulated=accepted.simulated,
                              stored_path=str(accepted.path))
    return run


def _target(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 120:
        raise InvalidParameterError("settings", what, "a name of 1-120 characters", repr(value))
    return value


def setting(kind: str, name: str, value: str) -> dict[str, str]:
    """One person-typed analysis setting as the store keeps it.

    >>> setting("threshold", "N1", "0.25"), setting("baseline", "N1", "3-15"), setting("exclude", "A1", "")
    ({'threshold:N1': '0.25'}, {'baseline:N1': '3-15'}, {'exclude:A1': '1'})
    """
    name = _target(name, "well" if kind in {"exclude", "include"} else "target")
    value = value.strip()
    if kind in {"exclude", "include"}:
        return {f"exclude:{name.upper()}": "1" if kind == "exclude" else "0"}
    if kind == "threshold":
        if value:
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not (math.isfinite(number) and number > 0):
                raise InvalidParameterError("settings", "threshold", "a positive number (empty: automatic)",
                                            repr(value))
        return {f"threshold:{name}": value}
    if kind == "baseline":
        if value:
            first, sep, last = value.partition("-")
            if not (sep and first.strip().isdigit() and last.strip().isdigit()
                    and 1 <= int(first) < int(last) <= 1000):
                raise InvalidParameterError("settings", "baseline", "cycles FIRST-LAST, 1 <= FIRST < LAST "
                                            "(empty: automatic)", repr(value))
            value = f"{int(first)}-{int(last)}"
        return {f"baseline:{name}": value}
    raise InvalidParameterError("settings", "kind", " | ".join(SETTING_KINDS), repr(kind))


def release(store: Any, who: Identity, run_id: int, password: str, meaning: str,
            deliver_to: Sequence[str] = ()) -> Any:
    """The releaser's e-signature on a run; never the person who uploaded it (four eyes). The release is queued
    for every LIS destination of the settings in the same transaction."""
    run = store.run(run_id)
    if run.uploaded_by_id == who.user_id:
        raise AccessRefusedError(f"four eyes: {who.name} uploaded run {run_id} and may not also release it")
    return store.release(run_id, by=who.user_id, password=password, meaning=meaning.strip() or _RELEASE_MEANING,
                         deliver_to=deliver_to)
