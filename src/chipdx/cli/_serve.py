"""``chipdx serve``: the lab web app and API (SPEC §7, §7b)."""

from __future__ import annotations

import argparse
import os
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
                               upload_limit=int(args.upload_limit_mb * 1024 * 1024), lease_s=args.job_lease_s,
                               lis_mllp=args.lis_mllp or os.environ.get("CHIPDX_LIS_MLLP", ""),
                               lis_fhir=args.lis_fhir or os.environ.get("CHIPDX_LIS_FHIR", ""),
                               lis_export=Path(export) if (export := args.lis_export or
                                                           os.environ.get("CHIPDX_LIS_EXPORT", "")) else None,
                               lis_timeout_s=args.lis_timeout_s)
    app = create_app(settings)
    created = first_admin(app.state.store)
    if created is not None:
        name, password = created
        out(f"created the first user {name} (role admin)" +
            (f", password {password} (shown once: change it)" if password else ", password from $CHIPDX_PASSWORD"))
    for destination in settings.destinations:
        out(f"released results are sent to {destination}")
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
    lis = serve.add_argument_group("LIS", "where released results are sent (only released results leave; "
                                          "each release is a durable job, retried with back-off)")
    lis.add_argument("--lis-mllp", default="", metavar="HOST:PORT",
                     help="HL7 v2.5.1 ORU^R01 over MLLP to this listener (or $CHIPDX_LIS_MLLP)")
    lis.add_argument("--lis-fhir", default="", metavar="URL",
                     help="FHIR R4 transaction Bundle POSTed to this base URL (or $CHIPDX_LIS_FHIR)")
    lis.add_argument("--lis-export", default="", metavar="FOLDER",
                     help="write each release as .hl7 and .fhir.json files here (or $CHIPDX_LIS_EXPORT)")
    lis.add_argument("--lis-timeout-s", type=float, default=10.0,
                     help="seconds to wait for a connection or an answer (default: %(default)s)")
    serve.set_defaults(handler=_serve)
