"""Uploaded assays in the store (SQLite and PostgreSQL): admin only, one row per name and version, hash of the
text, newest active version read back, retired with a reason and still readable; audited."""

from __future__ import annotations

import hashlib

import pytest

from chipdx.errors import AccessRefusedError, ConflictError, InvalidParameterError
from chipdx.store import Store
from tests.store.test_workflow import _people


def test_add_read_and_retire(store: Store) -> None:
    people = _people(store)
    with pytest.raises(AccessRefusedError):
        store.add_assay("lab-1", "1", "id: lab-1\n", by=people["releaser"])
    first = store.add_assay("lab-1", "1", "id: lab-1\nversion: 1\n", by=people["admin"])
    second = store.add_assay("lab-1", "2", "id: lab-1\nversion: 2\n", by=people["admin"])
    assert first.sha256 == hashlib.sha256(b"id: lab-1\nversion: 1\n").hexdigest()
    with pytest.raises(ConflictError, match="already uploaded"):
        store.add_assay("lab-1", "2", "other", by=people["admin"])
    found = store.assay_text("lab-1")
    assert found is not None and found[0].version == "2" and found[1].endswith("version: 2\n")
    with pytest.raises(InvalidParameterError, match="reason"):
        store.retire_assay(second.id, by=people["admin"], reason=" ")
    store.retire_assay(second.id, by=people["admin"], reason="withdrawn")
    found = store.assay_text("lab-1")
    assert found is not None and found[0].version == "1"  # the newest one not retired
    store.retire_assay(first.id, by=people["admin"], reason="withdrawn")
    assert store.assay_text("lab-1", include_retired=False) is None
    assert store.assay_text("lab-1") is not None  # runs that used it still analyse with it
    with pytest.raises(ConflictError, match="already retired"):
        store.retire_assay(first.id, by=people["admin"], reason="again")
    assert [a.retired for a in store.assays()] == [True, True] and store.assay_text("nope") is None
    actions = [e.action for e in store.audit() if e.action.startswith("assay.")]
    assert actions == ["assay.add", "assay.add", "assay.retire", "assay.retire"] and store.verify_audit().intact
