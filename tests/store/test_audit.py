"""The audit trail on SQLite and PostgreSQL: the database refuses UPDATE/DELETE; an attacker who drops the
triggers and edits, deletes, inserts, re-orders, cuts the tail or rewrites the chain is caught and named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from chipdx.store import Store
from chipdx.store._audit import GENESIS, event_hash
from chipdx.store._triggers import drop_statements
from tests.postgres import fast_hasher

N_EVENTS = 6


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(db_url, anchor_path=tmp_path / "audit-head.json", hasher=fast_hasher())
    admin = opened.add_user("ada", "admin", "a long password")  # event 1
    for n in range(2, N_EVENTS + 1):
        opened.add_user(f"user{n}", "technician", "a long password", by=admin.id)
    yield opened
    opened.close()


def _sql(store: Store, *statements: str) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _as_attacker(store: Store, work: Callable[[Connection], None]) -> None:
    """What someone with the database owner's rights can do: drop the triggers, then write directly."""
    with store.engine.begin() as conn:
        for statement in drop_statements(conn.dialect.name):
            conn.exec_driver_sql(statement)
        work(conn)


def _rehash_from(conn: Connection, first: int) -> tuple[int, str]:
    """Recompute every hash from ``first`` on (a careful forger); returns the new head."""
    rows = conn.execute(text("SELECT seq, at, \"user\", action, target, run_id, old, new, reason FROM audit_events "
                             "ORDER BY seq")).all()
    prev = GENESIS
    for row in rows:
        if row.seq >= first:
            digest = event_hash(prev, row.seq, row.at, row.user, row.action, row.target, row.run_id, row.old,
                                row.new, row.reason)
            conn.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"p": prev, "h": digest, "s": row.seq})
        prev = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": row.seq}).scalar_one()
    return rows[-1].seq, prev


def test_intact_chain_verifies(store: Store) -> None:
    report = store.verify_audit()
    assert (report.intact, report.checked, report.head_seq) == (True, N_EVENTS, N_EVENTS)
    events = store.audit()
    assert [e.seq for e in events] == list(range(1, N_EVENTS + 1))
    assert events[0].action == "user.add" and events[0].user == "system" and events[1].user == "ada"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 2",
    "DELETE FROM audit_events WHERE seq = 2",
    "DELETE FROM audit_events",
    "UPDATE audit_head SET seq = 2",
    "DELETE FROM audit_head",
])
def test_database_refuses_changes(store: Store, statement: str) -> None:
    with pytest.raises(DBAPIError, match=r"append-only|advance|refused"):
        _sql(store, statement)
    assert store.verify_audit().intact


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has no TRUNCATE
def test_postgres_refuses_truncate(store: Store) -> None:
    with pytest.raises(DBAPIError, match="refused"):
        _sql(store, "TRUNCATE audit_events")


def _edit(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_events SET new = 'admin' WHERE seq = 3"))


def _delete_middle(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))


def _insert_middle(conn: Connection) -> None:
    for seq in range(N_EVENTS, 2, -1):  # make room at 3, then forge an event that chains to event 2
        conn.execute(text("UPDATE audit_events SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
    prev = conn.execute(text("SELECT hash FROM audit_events WHERE seq = 2")).scalar_one()
    at = "2026-01-01T00:00:00.000000+00:00"
    digest = event_hash(prev, 3, at, "mallory", "user.add", "user:mallory", None, "", "admin", "")
    conn.execute(text("INSERT INTO audit_events (seq, at, \"user\", action, target, run_id, old, new, reason, "
                      "prev_hash, hash) VALUES (3, :at, 'mallory', 'user.add', 'user:mallory', NULL, '', 'admin', "
                      "'', :p, :h)"), {"at": at, "p": prev, "h": digest})


def _reorder(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_events SET seq = 100 WHERE seq = 2"))
    conn.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 3"))
    conn.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = 100"))


def _cut_tail(conn: Connection) -> None:
    conn.execute(text(f"DELETE FROM audit_events WHERE seq > {N_EVENTS - 2}"))


def _cut_tail_and_head(conn: Connection) -> None:
    _cut_tail(conn)
    digest = conn.execute(text(f"SELECT hash FROM audit_events WHERE seq = {N_EVENTS - 2}")).scalar_one()
    conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": N_EVENTS - 2, "h": digest})


def _rewrite_chain(conn: Connection) -> None:
    _edit(conn)
    seq, digest = _rehash_from(conn, 3)
    conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": seq, "h": digest})


def _append_outside(conn: Connection) -> None:
    prev = conn.execute(text(f"SELECT hash FROM audit_events WHERE seq = {N_EVENTS}")).scalar_one()
    seq, at = N_EVENTS + 1, "2026-01-01T00:00:00.000000+00:00"
    digest = event_hash(prev, seq, at, "mallory", "user.add", "user:mallory", None, "", "admin", "")
    conn.execute(text("INSERT INTO audit_events (seq, at, \"user\", action, target, run_id, old, new, reason, "
                      "prev_hash, hash) VALUES (:s, :at, 'mallory', 'user.add', 'user:mallory', NULL, '', 'admin', "
                      "'', :p, :h)"), {"s": seq, "at": at, "p": prev, "h": digest})


TAMPERING = {
    "edited": (_edit, "audit event 3: content does not match its hash (edited)"),
    "deleted": (_delete_middle, "audit event 3: missing (deleted); the next stored event is 4"),
    "inserted": (_insert_middle, "audit event 4: does not chain to event 3"),
    "re-ordered": (_reorder, "audit event 2: does not chain to event 1"),
    "tail cut": (_cut_tail, f"audit event {N_EVENTS - 1}: missing (deleted); the stored head names event {N_EVENTS}"),
    "tail cut, head row rewritten": (_cut_tail_and_head, f"audit event {N_EVENTS - 1}: missing (deleted); the "
                                                         f"anchor file audit-head.json names event {N_EVENTS}"),
    "chain recomputed, head row rewritten": (_rewrite_chain, f"audit event {N_EVENTS}: hash differs from the "
                                                             "anchor file audit-head.json"),
    "appended outside the store": (_append_outside, f"audit event {N_EVENTS + 1}: not covered by the stored head"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_caught_and_named(store: Store, case: str) -> None:
    tamper, expected = TAMPERING[case]
    _as_attacker(store, tamper)
    report = store.verify_audit()
    assert not report.intact
    assert report.problem is not None and report.problem.startswith(expected), report.problem


def test_new_events_after_reopen_continue_the_chain(store: Store, tmp_path: Path) -> None:
    again = Store.open(str(store.engine.url.render_as_string(hide_password=False)),
                       anchor_path=tmp_path / "audit-head.json", hasher=fast_hasher())
    again.add_user("late", "technician", "a long password")
    assert again.verify_audit().head_seq == N_EVENTS + 1 and store.verify_audit().intact
    again.close()
