"""``chipdx sila serve|run``: the SiLA 2 server of the simulated chip and a client for it (docs/sila.md)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, fail, out
from chipdx.extras import require

__all__ = ["add_commands"]

DEFAULT_PORT = 50052  # the port of the sila2 library's examples


def _serve(args: argparse.Namespace) -> int:
    require("sila2", extra="sila", feature="the SiLA 2 server (chipdx sila serve)")  # the extra, for this command only
    from chipdx.sila import build_server, start_server

    if args.pace < 0:
        return fail(f"--pace: expected seconds >= 0, found {args.pace:g}")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL)
    folder: Path = args.out
    folder.mkdir(parents=True, exist_ok=True)
    server = build_server(folder.resolve(), pace_s=args.pace)
    started = start_server(server, args.host, args.port, insecure=args.insecure, discovery=args.discovery,
                           ca_folder=folder)
    mode = "unencrypted (testing only)" if args.insecure else f"TLS, self-signed; clients trust {started.ca_file}"
    out(f"serving   DLOC-Sim v1 (simulated) SiLA 2 server on {args.host}:{args.port}, {mode}")
    out("features  SiLAService, SimulationController, ChipController, ProtocolRunner")
    out(f"runs      {folder}")
    out("stop      Ctrl-C (or SIGTERM)")
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        stop.wait()
        out("stopping")
    finally:
        server.stop(grace_period=1.0)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    require("sila2", extra="sila", feature="the SiLA 2 client (chipdx sila run)")
    from chipdx.sila.client import connect, run_remote
    from chipdx.sim.protocol import ProtocolError

    yaml_text = ""
    if args.protocol.endswith((".yaml", ".yml")):
        try:
            yaml_text = Path(args.protocol).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProtocolError(args.protocol, "", "a readable UTF-8 YAML file", type(exc).__name__) from None
    options = {k: v for k, v in (("specimens", args.specimens), ("cycles", args.cycles)) if v is not None}
    if args.melt:
        options["melt"] = True
    client = connect(args.host, args.port, insecure=args.insecure, ca_file=args.ca)

    def show(progress: float, event: str, simulated_s: float) -> None:
        if not args.quiet:
            out(f"{progress:6.1%}  {simulated_s / 60:7.1f} min  {event}")

    try:
        result = run_remote(client, "yaml" if yaml_text else args.protocol, yaml_text=yaml_text, seed=args.seed,
                            options=options, on_update=show)
    finally:
        client.close()
    reason = result.summary.get("reason") or ""
    out(f"run       {result.run_id}: {result.status}{f' ({reason})' if reason else ''}"
        f"{', simulated' if result.simulated else ''}")
    for path in result.outputs:
        out(f"wrote     {path} (on the server)")
    return EXIT_OK if result.status == "completed" else fail(f"run aborted: {reason}")


def add_commands(commands: Any) -> None:
    """Add ``sila serve`` to the ``chipdx`` subparsers."""
    sila = commands.add_parser("sila", help="SiLA 2 device-control server for the simulated chip")
    actions = sila.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve ChipController, ProtocolRunner and SimulationController")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--insecure", action="store_true", help="no encryption (local testing only)")
    serve.add_argument("--out", type=Path, default=Path("sila-runs"), help="folder for protocol runs")
    serve.add_argument("--pace", type=float, default=0.0, metavar="S",
                       help="wall-clock seconds per finished protocol step, to watch runs live (default 0)")
    serve.add_argument("--discovery", action="store_true", help="announce the server by mDNS (SiLA discovery)")
    serve.add_argument("--verbose", action="store_true", help="log every SiLA call")
    serve.set_defaults(handler=_serve)
    remote = actions.add_parser("run", help="run a protocol on a running server and follow its progress")
    remote.add_argument("protocol", help="extraction, qpcr, dpcr, cartridge, or a FILE.yaml protocol")
    remote.add_argument("--host", default="127.0.0.1")
    remote.add_argument("--port", type=int, default=DEFAULT_PORT)
    security = remote.add_mutually_exclusive_group()
    security.add_argument("--insecure", action="store_true", help="the server runs with --insecure")
    security.add_argument("--ca", type=Path, help="the server's CA file (server_ca.pem in its --out folder)")
    remote.add_argument("--seed", type=int, default=0)
    remote.add_argument("--specimens", type=int, choices=range(1, 6), metavar="1-5", help="cartridge specimens")
    remote.add_argument("--cycles", type=int, choices=range(20, 51), metavar="20-50")
    remote.add_argument("--melt", action="store_true", help="melt the PCR droplets after cycling (qpcr, cartridge)")
    remote.add_argument("--quiet", action="store_true", help="no progress lines")
    remote.set_defaults(handler=_run)
