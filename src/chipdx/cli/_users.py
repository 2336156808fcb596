"""``chipdx users add|list|passwd`` and ``chipdx audit verify``: the lab service's users and audit trail.

Both use the database of ``chipdx serve``: ``--db URL``, else the SQLite file ``chipdx.db`` in ``--data-dir``
(whose ``audit-head.json`` anchors the audit chain head). The store is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chipdx.cli._common import EXIT_OK, fail, out

if TYPE_CHECKING:
    from chipdx.store import Store

__all__ = ["add_commands"]

ROLES = ("technician", "reviewer", "releaser", "admin")  # chipdx.store.ROLES (a test keeps them equal)
DEFAULT_DATA_DIR = "chipdx-lab"
PASSWORD_ENV = "CHIPDX_PASSWORD"


def _open(args: argparse.Namespace) -> Store:
    from chipdx.store import Store

    data_dir = Path(args.data_dir or DEFAULT_DATA_DIR)
    if args.db is None:
        data_dir.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{data_dir / 'chipdx.db'}"
    # the anchor belongs to the data folder's database: with --db, only when --data-dir is named too
    anchored = data_dir.is_dir() and (args.db is None or args.data_dir is not None)
    return Store.open(url, anchor_path=data_dir / "audit-head.json" if anchored else None)


def _guarded(command: Callable[[Store, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Open the store, run ``command``, and turn a database that cannot be opened into one error line."""

    def handler(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            store = _open(args)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            return fail(f"error: cannot open the database {args.db or args.data_dir or DEFAULT_DATA_DIR}: {reason}")
        try:
            return command(store, args)
        finally:
            store.close()

    return handler


def _password(name: str) -> str:
    """From ``$CHIPDX_PASSWORD``, else asked twice at the terminal."""
    if PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit(fail("error: the two passwords differ"))
    return first


def _add(store: Store, args: argparse.Namespace) -> int:
    user = store.add_user(args.name, args.role, _password(args.name))
    out(f"added     {user.name} ({user.role})")
    return EXIT_OK


def _list(store: Store, _args: argparse.Namespace) -> int:
    out("name,role,locked,failed_logins,created_at")
    for user in store.users():
        out(f"{user.name},{user.role},{str(user.locked).lower()},{user.failed_logins},"
            f"{user.created_at.isoformat(timespec='seconds')}")
    return EXIT_OK


def _passwd(store: Store, args: argparse.Namespace) -> int:
    store.set_password(args.name, _password(args.name))
    out(f"password  set for {args.name} (lock-out cleared)")
    return EXIT_OK


def _verify(store: Store, _args: argparse.Namespace) -> int:
    report = store.verify_audit()
    if report.problem is not None:
        return fail(f"error: audit trail broken: {report.problem}")
    out(f"audit trail intact: {report.checked} events, head {report.head_seq} {report.head_hash[:16]}")
    return EXIT_OK


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None, metavar="URL",
                        help="database URL (default: SQLite file chipdx.db in --data-dir); "
                             "e.g. postgresql+psycopg://user@host/chipdx")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help=f"the lab service's data folder (default {DEFAULT_DATA_DIR}; holds the audit anchor)")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="lab service users (argon2 passwords, roles)")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help=f"add a user (password from ${PASSWORD_ENV} or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    _database_options(add)
    add.set_defaults(handler=_guarded(_add))
    listing = actions.add_parser("list", help="list users as CSV")
    _database_options(listing)
    listing.set_defaults(handler=_guarded(_list))
    passwd = actions.add_parser("passwd", help=f"set a user's password (from ${PASSWORD_ENV} or a prompt)")
    passwd.add_argument("name")
    _database_options(passwd)
    passwd.set_defaults(handler=_guarded(_passwd))

    audit = commands.add_parser("audit", help="the lab service's hash-chained audit trail")
    audit_actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_actions.add_parser("verify", help="check the chain: exit 0 intact, 1 naming the first broken "
                                                     "event")
    _database_options(verify)
    verify.set_defaults(handler=_guarded(_verify))
