"""A real PostgreSQL server for the tests: Debian's ``initdb``/``pg_ctl`` in a temporary directory, on 127.0.0.1
and a free port, torn down afterwards. ``make test`` installs the ``postgresql`` package when it is missing.

Fixtures (imported by ``tests/conftest.py``):

* ``postgres_server`` (session): the server's base URL ``postgresql+psycopg://chipdx@127.0.0.1:PORT``.
* ``db_url`` (function, parametrised ``sqlite`` and ``postgresql``): a URL to a fresh, empty database.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher

__all__ = ["create_database", "db_url", "drop_database", "fast_hasher", "pg_binaries", "postgres_server",
           "running_postgres"]

SUPERUSER = "chipdx"


def pg_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding initdb and pg_ctl, or ``None``."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
             if Path(p).with_name("pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> str | None:
    """initdb refuses to run as root: then the server runs as the Debian ``postgres`` user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError as exc:
        raise LookupError("running as root and there is no 'postgres' user to run the PostgreSQL server as") from exc


def _start(bin_dir: Path, root: Path, user: str | None, port: int) -> subprocess.CompletedProcess[str]:
    options = (f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=60")
    return subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "server.log"),
                           "-o", options, "-w", "-t", "60", "start"],
                          user=user, capture_output=True, text=True, check=False)


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throw-away server; yields its base URL. :class:`LookupError` when PostgreSQL is not installed."""
    bin_dir = pg_binaries()
    if bin_dir is None:
        raise LookupError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `make test` installs "
                          "the Debian 'postgresql' package; installing it was impossible here")
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="chipdx-pg-"))
    if user is not None:
        shutil.chown(root, user=user)
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, "--auth=trust",
                        "-E", "UTF8", "--no-sync", "--locale=C"], user=user, capture_output=True, text=True,
                       check=True)
        for _attempt in range(3):
            port = _free_port()
            started = _start(bin_dir, root, user, port)
            if started.returncode == 0:
                break
        else:
            log = (root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log}")
        try:
            yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}"
        finally:
            subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"],
                           user=user, capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(running_postgres())
        except LookupError as exc:
            pytest.skip(str(exc))
        yield url


def create_database(base: str) -> str:
    """A new empty database on the server at ``base``; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin(base, f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    _admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chipdx.db'}"
        return
    url = create_database(request.getfixturevalue("postgres_server"))
    yield url
    drop_database(url)


def fast_hasher() -> PasswordHasher:
    """argon2id with small parameters: the same code path as production, a fraction of the time."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
