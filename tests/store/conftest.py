"""The store tests' fixture: a fresh store on each backend (SQLite and a real PostgreSQL, see tests/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chipdx.store import Store
from tests.postgres import fast_hasher


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url, hasher=fast_hasher())
    yield opened
    opened.close()
