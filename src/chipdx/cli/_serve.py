"""``chipdx serve``: the lab web app and API (SPEC §7, §7b)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, out

__all__ = ["add_commands"]


def _serve(args: argparse.Namespace) -> int:
    from chipdx.extras import require

    for module in ("fastapi", "uvicorn", "multipart", "sqlalchemy", "argon2"):
        require(module, extra="service", feature="chipdx serve")
    from chipdx.service import ServiceSettings, create_app, first_admin, serve

    settings = ServiceSettings(data_dir=Path(args.data_dir), db_url=args.db, worker_threads=args.workers,
                               upload_limit=int(args.upload_limit_mb * 1024 * 1024), lease_s=args.job_lease_s)
    app = create_app(settings)
    created = first_admin(app.state.store)
    if created is not None:
        name, password = created
        out(f"created the first user {name} (role admin)" +
            (f", password {password} (shown once: change it)" if password else ", password from $CHIPDX_PASSWORD"))
    out(f"chipdx lab service on http://{args.host}:{args.port}/  (data in {settings.data_dir}, "
        f"database {settings.database_url.split('@')[-1]})")
    serve(app, args.host, args.port)
    return EXIT_OK


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="lab web app + API: upload, review, release, LIS export",
                                description="Serve the lab web app and JSON API (docs at /api/v1/docs).")
    serve.add_argument("--db", default=None, help="database URL (default: SQLite file in --data-dir; "
                                                  "postgresql+psycopg://user@host/db for PostgreSQL)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--data-dir", default="chipdx-lab", help="uploads, reports and the SQLite file "
                                                                "(default: %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="analysis threads in this process; 0 = none "
                                                              "(default: %(default)s)")
    serve.add_argument("--upload-limit-mb", type=float, default=64.0, help="largest upload (default: %(default)s)")
    serve.add_argument("--job-lease-s", type=float, default=30.0,
                       help="seconds a silent worker keeps a job before another worker takes it over "
                            "(default: %(default)s)")
    serve.set_defaults(handler=_serve)
