"""The SiLA 2 server of DLOC-Sim v1: build it, start it on a port, with clear one-line errors.

The server carries the mandatory ``SiLAService`` (from ``sila2``) plus ``ChipController``,
``ProtocolRunner`` and ``SimulationController`` (:mod:`chipdx.sila.features`). Encrypted mode
uses a self-signed certificate made at start-up; its certificate authority is written beside
the runs so that clients can trust it (``SilaClient(host, port, root_certs=...)``).
Unencrypted mode (``insecure``) is for local testing only, as the SiLA specification says.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from sila2.server import SilaServer
from sila2.server.encryption import generate_self_signed_certificate

from chipdx._version import __version__
from chipdx.errors import ServerError
from chipdx.io import atomic_output
from chipdx.sila.features import feature
from chipdx.sila.implementations import ChipControllerImpl, ProtocolRunnerImpl, SimulationControllerImpl

__all__ = ["SERVER_TYPE", "ServerError", "Started", "build_server", "start_server"]

SERVER_TYPE = "DLOCSim"
_VENDOR_URL = "https://github.com/chipdx/chipdx"  # [assumption] project home; SiLA requires an http(s) URL



@dataclass(frozen=True, slots=True)
class Started:
    """A running server: where it listens and, in encrypted mode, the CA file clients need."""

    server: SilaServer
    host: str
    port: int
    ca_file: Path | None


def _version() -> str:
    """The chipdx version in SiLA's ``Major.Minor.Patch_Details`` pattern."""
    parts = __version__.replace("-", ".").split(".")
    numbers = [p for p in parts[:3] if p.isdigit()]
    return ".".join(numbers + ["0"] * (3 - len(numbers)))


def build_server(output_root: Path, *, pace_s: float = 0.0, server_uuid: UUID | None = None) -> SilaServer:
    """A SiLA server for the simulated chip, writing protocol runs under ``output_root``."""
    server = SilaServer(
        server_name="DLOC-Sim v1 (simulated)", server_type=SERVER_TYPE,
        server_description="chipdx simulated digital lab-on-a-chip: droplet control, extraction, qPCR, "
                           "dPCR and cartridge protocols. Simulation only: every result is flagged simulated.",
        server_version=_version(), server_vendor_url=_VENDOR_URL, server_uuid=server_uuid or uuid4(),
        max_grpc_workers=8, max_child_task_workers=8,
    )
    server.set_feature_implementation(feature("SimulationController"), SimulationControllerImpl(server))
    server.set_feature_implementation(feature("ChipController"), ChipControllerImpl(server))
    server.set_feature_implementation(feature("ProtocolRunner"),
                                      ProtocolRunnerImpl(server, output_root=output_root, pace_s=pace_s))
    return server


def _check_port(host: str, port: int) -> None:
    """Fail early and clearly when ``host:port`` cannot be bound (gRPC's own error is vague)."""
    if not 1 <= port <= 65535:
        raise ServerError(f"port: expected 1-65535, found {port}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {host} is in use; choose another with --port") from None
        raise ServerError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def start_server(server: SilaServer, host: str, port: int, *, insecure: bool = False, discovery: bool = False,
                 ca_folder: Path | None = None) -> Started:
    """Start ``server`` on ``host:port``; in encrypted mode write ``server_ca.pem`` into ``ca_folder``."""
    _check_port(host, port)
    ca_file = None
    try:
        if insecure:
            server.start_insecure(host, port, enable_discovery=discovery)
        else:
            key, cert = generate_self_signed_certificate(server.server_uuid, host)
            if ca_folder is not None:
                ca_file = ca_folder / "server_ca.pem"
                with atomic_output(ca_file) as stream:
                    stream.write(cert)
            server.start(host, port, private_key=key, cert_chain=cert, enable_discovery=discovery)
    except (RuntimeError, OSError, ImportError, ValueError) as exc:
        raise ServerError(f"cannot start the SiLA server on {host}:{port} ({exc})") from None
    return Started(server, host, port, ca_file)
