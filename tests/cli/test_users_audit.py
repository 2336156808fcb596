"""``chipdx users add|list|passwd`` and ``chipdx audit verify`` (SPEC §7) on a data folder's SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from chipdx.cli import _users, main
from chipdx.store import ROLES, Store
from chipdx.store._triggers import drop_statements


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_and_audit_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = ["--data-dir", str(tmp_path / "lab")]
    monkeypatch.setenv("CHIPDX_PASSWORD", "a long password")
    assert _run(capsys, "users", "add", "ada", "--role", "admin", *data)[:2] == (0, "added     ada (admin)\n")
    assert _run(capsys, "users", "add", "tess", "--role", "technician", *data)[0] == 0
    code, out, _ = _run(capsys, "users", "list", *data)
    assert code == 0 and [line.split(",")[:2] for line in out.splitlines()] == [
        ["name", "role"], ["ada", "admin"], ["tess", "technician"]]
    code, _, err = _run(capsys, "users", "add", "ada", "--role", "admin", *data)
    assert (code, err) == (1, "chipdx: error: user 'ada': already exists\n")
    monkeypatch.setenv("CHIPDX_PASSWORD", "a new long password")
    assert _run(capsys, "users", "passwd", "tess", *data)[0] == 0
    store = Store.open(f"sqlite:///{tmp_path / 'lab' / 'chipdx.db'}")
    assert store.authenticate("tess", "a new long password").name == "tess"

    code, out, _ = _run(capsys, "audit", "verify", *data)
    assert code == 0 and out.startswith("audit trail intact: 4 events")  # 2 adds, passwd, login
    with store.engine.begin() as conn:  # an attacker with the database owner's rights
        for statement in drop_statements("sqlite"):
            conn.exec_driver_sql(statement)
        conn.execute(text("UPDATE audit_events SET new = 'admin' WHERE seq = 2"))
    store.close()
    code, out, err = _run(capsys, "audit", "verify", *data)
    assert (code, out) == (1, "")
    assert err == "chipdx: error: audit trail broken: audit event 2: content does not match its hash (edited)\n"


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPDX_PASSWORD", "short")
    code, _, err = _run(capsys, "users", "add", "bob", "--role", "admin", "--data-dir", str(tmp_path))
    assert (code, err) == (1, "chipdx: error: users: parameter password: expected at least 8 characters, found 5\n")
    code, _, err = _run(capsys, "audit", "verify", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert code == 1 and err.startswith("chipdx: error: cannot open the database postgresql") and err.count("\n") == 1
    code, _, err = _run(capsys, "audit", "verify", "--db", "mysql://x@y/z")
    assert code == 1 and "a sqlite:/// or postgresql+psycopg:// URL" in err
    with pytest.raises(SystemExit) as usage:
        main(["users", "add", "bob", "--role", "boss"])
    assert usage.value.code == 2


def test_cli_roles_are_the_store_roles() -> None:
    assert _users.ROLES == ROLES


def test_audit_verify_on_either_backend_with_the_anchor(db_url: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPDX_PASSWORD", "a long password")
    lab = ["--db", db_url, "--data-dir", str(tmp_path / "lab")]
    (tmp_path / "lab").mkdir()
    for name in ("ada", "bo", "cy"):
        assert _run(capsys, "users", "add", name, "--role", "technician", *lab)[0] == 0
    assert _run(capsys, "audit", "verify", *lab)[1].startswith("audit trail intact: 3 events")
    store = Store.open(db_url)
    with store.engine.begin() as conn:  # cut the last event and rewrite the head row to match
        for statement in drop_statements(conn.dialect.name):
            conn.exec_driver_sql(statement)
        conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
        conn.execute(text("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)"))
    store.close()
    # without the data folder's anchor the database looks consistent; with it, the cut is named
    assert _run(capsys, "audit", "verify", "--db", db_url)[0] == 0
    code, _, err = _run(capsys, "audit", "verify", *lab)
    assert code == 1 and "audit event 3: missing (deleted); the anchor file audit-head.json names event 3" in err
