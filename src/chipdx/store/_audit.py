"""The hash-chained audit trail: append, and verify that no event was edited, deleted, re-ordered or inserted.

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON of its fields (seq, at,
user, action, target, old, new, reason), as in a hash chain / linked timestamping (Haber & Stornetta 1991,
"How to time-stamp a digital document"). The genesis event chains to 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipdx.store._models import AuditEvent, utcnow

__all__ = ["GENESIS", "AuditBreak", "append_event", "event_hash", "verify_chain"]

GENESIS = "0" * 64


def event_hash(prev_hash: str, seq: int, at: str, user: str, action: str, target: str, old: str, new: str,
               reason: str) -> str:
    """SHA-256 hex of the previous hash and the canonical JSON of one event."""
    body = json.dumps([seq, at, user, action, target, old, new, reason], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append_event(session: Session, user: str, action: str, target: str, old: str = "", new: str = "",
                 reason: str = "") -> AuditEvent:
    """Add the next event of the chain to ``session`` (committed with the change it records)."""
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
                           .with_for_update()).scalar_one_or_none()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    at = utcnow().isoformat(timespec="microseconds")
    event = AuditEvent(seq=seq, at=at, user=user, action=action, target=target, old=old, new=new, reason=reason,
                       prev_hash=prev, hash=event_hash(prev, seq, at, user, action, target, old, new, reason))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditBreak:
    """The first event where the chain breaks, and how."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit event {self.seq}: {self.problem}"


def verify_chain(session: Session) -> tuple[int, AuditBreak | None]:
    """(number of events checked, the first break or None when the chain is intact)."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if event.seq != expected_seq:
            return count, AuditBreak(expected_seq, f"missing (deleted); next stored event is {event.seq}")
        if event.prev_hash != expected_prev:
            return count, AuditBreak(event.seq, "does not chain to the previous event (inserted, re-ordered "
                                                "or the previous event was replaced)")
        recomputed = event_hash(event.prev_hash, event.seq, event.at, event.user, event.action, event.target,
                                event.old, event.new, event.reason)
        if recomputed != event.hash:
            return count, AuditBreak(event.seq, "content does not match its hash (edited)")
        expected_prev = event.hash
        expected_seq += 1
    return count, None


def event_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
