"""The hash-chained audit trail: append, and verify that no event was edited, deleted, re-ordered or inserted.

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON of its fields (seq, at,
user, action, target, run, old, new, reason): a hash chain as in linked timestamping (Haber & Stornetta 1991,
"How to time-stamp a digital document", J. Cryptology 3:99-111). The first event chains to 64 zeros.

A chain alone cannot show that its last events were cut off, so the head (last seq and hash) is anchored twice:
in the ``audit_head`` row, written in the same transaction as each event and allowed by a trigger only to
advance by one, and optionally in a file outside the database (``anchor_path``), rewritten atomically after
each commit. Verification checks the chain, then that the stored head and the file anchor both name an event
that exists with that hash and that nothing is missing after the head.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from chipdx.store._models import AuditEvent, AuditHead, utcnow

__all__ = ["GENESIS", "AuditReport", "append_event", "event_hash", "read_anchor", "verify_chain", "write_anchor"]

GENESIS = "0" * 64


def event_hash(prev_hash: str, seq: int, at: str, user: str, action: str, target: str, run_id: int | None,
               old: str, new: str, reason: str) -> str:
    """SHA-256 hex of the previous hash and the canonical JSON of one event."""
    body = json.dumps([seq, at, user, action, target, run_id, old, new, reason], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _stored_hash(event: Row[Any]) -> str:
    return event_hash(event.prev_hash, event.seq, event.at, event.user, event.action, event.target, event.run_id,
                      event.old, event.new, event.reason)


def append_event(session: Session, user: str, action: str, target: str, *, run_id: int | None = None,
                 old: str = "", new: str = "", reason: str = "") -> AuditEvent:
    """Add the next event of the chain to ``session`` (committed with the change it records).

    The head row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
    ``BEGIN IMMEDIATE``), so concurrent writers get consecutive sequence numbers.
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    seq = head.seq + 1
    at = utcnow().isoformat(timespec="microseconds")
    event = AuditEvent(seq=seq, at=at, user=user, action=action, target=target, run_id=run_id, old=old, new=new,
                       reason=reason, prev_hash=head.hash,
                       hash=event_hash(head.hash, seq, at, user, action, target, run_id, old, new, reason))
    session.add(event)
    head.seq = seq
    head.hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of verifying the chain: events checked, and the first problem found (``None`` = intact)."""

    checked: int
    problem: str | None
    head_seq: int
    head_hash: str

    @property
    def intact(self) -> bool:
        return self.problem is None


def _chain_problem(session: Session) -> tuple[int, str | None, dict[int, str]]:
    """Walk the chain in seq order: (events checked, first problem, seq -> hash of the walked events)."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    hashes: dict[int, str] = {}
    table = AuditEvent.__table__
    for event in session.execute(select(table).order_by(table.c.seq)):  # plain rows: no ORM objects to build
        count += 1
        if event.seq != expected_seq:
            return count, f"audit event {expected_seq}: missing (deleted); the next stored event is {event.seq}", hashes
        if event.prev_hash != expected_prev:
            return count, (f"audit event {event.seq}: does not chain to event {event.seq - 1} (inserted, "
                           "re-ordered or the previous event was replaced)"), hashes
        if _stored_hash(event) != event.hash:
            return count, f"audit event {event.seq}: content does not match its hash (edited)", hashes
        hashes[event.seq] = event.hash
        expected_prev, expected_seq = event.hash, expected_seq + 1
    return count, None, hashes


def _anchor_problem(what: str, seq: int, digest: str, hashes: dict[int, str]) -> str | None:
    last = max(hashes, default=0)
    if seq > last:
        return f"audit event {last + 1}: missing (deleted); the {what} names event {seq} as the head"
    if seq > 0 and hashes[seq] != digest:
        return f"audit event {seq}: hash differs from the {what} (the chain was rewritten)"
    return None


def verify_chain(session: Session, anchor_path: Path | None = None) -> AuditReport:
    """Check every event, the stored head and (when given and present) the file anchor."""
    count, problem, hashes = _chain_problem(session)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if problem is None and head is None:
        problem = "audit head row is missing (deleted)"
    if problem is None:
        problem = _anchor_problem("stored head", head_seq, head_hash, hashes)
    if problem is None and max(hashes, default=0) > head_seq:
        problem = f"audit event {head_seq + 1}: not covered by the stored head (appended outside the store)"
    try:
        anchor = read_anchor(anchor_path) if anchor_path is not None else None
    except ValueError as exc:
        anchor, problem = None, problem or f"anchor file unreadable: {exc}"
    if problem is None and anchor is not None:
        problem = _anchor_problem(f"anchor file {anchor_path.name if anchor_path else ''}", anchor[0], anchor[1],
                                  hashes)
    return AuditReport(count, problem, head_seq, head_hash)


def read_anchor(path: Path) -> tuple[int, str] | None:
    """(seq, hash) from an anchor file, ``None`` when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("seq"), int) or not isinstance(data.get("hash"), str):
        raise ValueError(f"{path.name}: expected {{\"seq\": int, \"hash\": str}}, found {text[:60]!r}")
    return data["seq"], data["hash"]


def write_anchor(path: Path, seq: int, digest: str) -> None:
    """Atomically replace the anchor file with the head (never moved backwards)."""
    try:
        current = read_anchor(path)
    except ValueError:
        current = None
    if current is not None and current[0] >= seq:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-head-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"seq": seq, "hash": digest}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
