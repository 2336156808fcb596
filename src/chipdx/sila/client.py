"""A small SiLA 2 client for the DLOC-Sim server: run one protocol remotely and follow it.

Any SiLA 2 client can drive the server; this one backs ``chipdx sila run`` and shows the calls
(``RunProtocol``, intermediate responses, ``get_responses``) in one place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sila2.client import SilaClient
from sila2.framework import DefinedExecutionError

from chipdx.errors import ClientError

__all__ = ["ClientError", "RemoteRun", "connect", "run_remote"]



@dataclass(frozen=True, slots=True)
class RemoteRun:
    """The responses of one ``RunProtocol``."""

    run_id: str
    status: str
    outputs: tuple[str, ...]
    summary: dict[str, Any]
    simulated: bool


def connect(host: str, port: int, *, insecure: bool = False, ca_file: Path | None = None) -> SilaClient:
    """A client connected to the server at ``host:port`` (TLS trusting ``ca_file``, or unencrypted)."""
    try:
        if insecure:
            return SilaClient(host, port, insecure=True)
        roots = ca_file.read_bytes() if ca_file is not None else None
        return SilaClient(host, port, root_certs=roots)
    except OSError as exc:
        raise ClientError(f"cannot read the CA file {ca_file} ({exc.strerror or exc})") from None
    except Exception as exc:  # grpc raises its own error types when nothing answers
        raise ClientError(f"no SiLA server answered at {host}:{port} ({type(exc).__name__})") from None


def run_remote(client: SilaClient, protocol: str, *, yaml_text: str = "", seed: int = 0,
               options: dict[str, Any] | None = None, on_update: Callable[[float, str, float], None] | None = None,
               timeout_s: float = 600.0) -> RemoteRun:
    """Run ``protocol`` on the server, calling ``on_update(progress, event, simulated_s)`` as it goes."""
    dynamic: Any = client  # features are attributes the client adds at connection time
    instance = dynamic.ProtocolRunner.RunProtocol(Protocol=protocol, ProtocolYaml=yaml_text, Seed=seed,
                                                 Options=json.dumps(options or {}))
    with instance.subscribe_to_intermediate_responses() as updates:
        for update in updates:
            if on_update is not None:
                on_update(float(update.Progress), str(update.Event), float(update.SimulatedTime))
    end = time.monotonic() + timeout_s
    while not instance.done and time.monotonic() < end:
        time.sleep(0.05)
    try:
        result = instance.get_responses()
    except DefinedExecutionError as exc:
        raise ClientError(f"server refused the run: {exc.message}") from None
    return RemoteRun(str(result.RunId), str(result.Status), tuple(str(p) for p in result.Outputs),
                     json.loads(result.Summary), bool(result.Simulated))
