"""Database triggers that make the audit trail append-only (SQLite and PostgreSQL).

UPDATE and DELETE on ``audit_events`` are refused; the ``audit_head`` row cannot be deleted and may only
advance by exactly one event. Someone who can drop triggers (the database owner) can still tamper: the hash
chain and the file anchor are what detect it (see docs/service.md).
"""

from __future__ import annotations

__all__ = ["create_statements", "drop_statements"]

_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit head: DELETE refused'); END",
    "CREATE TRIGGER audit_head_advance BEFORE UPDATE ON audit_head WHEN NEW.seq <> OLD.seq + 1 OR NEW.id <> OLD.id "
    "BEGIN SELECT RAISE(ABORT, 'audit head may only advance by one event'); END",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete",
                "DROP TRIGGER IF EXISTS audit_head_no_delete", "DROP TRIGGER IF EXISTS audit_head_advance"]

_POSTGRES = [
    """CREATE FUNCTION chipdx_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END $$""",
    """CREATE FUNCTION chipdx_audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.seq <> OLD.seq + 1 OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'audit head may only advance by one event: % refused', TG_OP;
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION chipdx_audit_refuse()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION chipdx_audit_refuse()",
    "CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION chipdx_audit_head_guard()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION chipdx_audit_refuse()",
]
_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_head_guard ON audit_head",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
    "DROP FUNCTION IF EXISTS chipdx_audit_head_guard()",
    "DROP FUNCTION IF EXISTS chipdx_audit_refuse()",
]


def create_statements(dialect: str) -> list[str]:
    """The CREATE statements of the append-only triggers for ``dialect`` (``sqlite`` or ``postgresql``)."""
    return list(_POSTGRES if dialect == "postgresql" else _SQLITE)


def drop_statements(dialect: str) -> list[str]:
    """The statements that remove them (the migration's downgrade; tests use them to play an attacker)."""
    return list(_POSTGRES_DROP if dialect == "postgresql" else _SQLITE_DROP)
