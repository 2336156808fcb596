"""Sending to listeners the tests start on 127.0.0.1: MLLP with ACK/NAK, FHIR REST create with 201/400."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from chipdx.errors import LisError
from chipdx.lis import build_fhir_bundle, build_oru_r01, parse_oru_r01, post_fhir, send_mllp
from tests.lis.listeners import MllpReceiver
from tests.lis.test_messages import CTX, _samples


@pytest.fixture
def listener() -> Iterator[MllpReceiver]:
    started = MllpReceiver()
    yield started
    started.close()


def test_mllp_send_and_ack(listener: MllpReceiver) -> None:
    message = build_oru_r01(_samples(), CTX)
    ack = send_mllp("127.0.0.1", listener.port, message)
    assert "MSA|AA|chipdx-7-r1" in ack
    assert listener.received == [message]
    assert parse_oru_r01(listener.received[0]).msh.msh_10.to_er7() == "chipdx-7-r1"


def test_mllp_refusal_and_no_listener() -> None:
    refusing = MllpReceiver(("AE",))
    try:
        with pytest.raises(LisError, match="refused \\(MSA-1 AE: test receiver says AE\\)"):
            send_mllp("127.0.0.1", refusing.port, build_oru_r01(_samples(), CTX))
    finally:
        refusing.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(LisError, match=f"MLLP 127.0.0.1:{free}"):
        send_mllp("127.0.0.1", free, "MSH|x", timeout_s=2)


class _FhirHandler(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    answer = 201

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.answer)
        if self.answer == 201:
            self.send_header("Location", f"/fhir/Bundle/{body['id']}/_history/1")
        self.end_headers()
        if self.answer != 201:
            self.wfile.write(b'{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fhir_server() -> Iterator[tuple[str, type[_FhirHandler]]]:
    handler = type("Handler", (_FhirHandler,), {"received": [], "answer": 201})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/fhir", handler
    server.shutdown()
    server.server_close()


def test_fhir_post_created(fhir_server: tuple[str, type[_FhirHandler]]) -> None:
    base, handler = fhir_server
    bundle = build_fhir_bundle(_samples(), CTX)
    receipt = post_fhir(base, bundle)
    assert receipt.status == 201 and receipt.location == f"/fhir/Bundle/{bundle['id']}/_history/1"
    assert handler.received == [("/fhir/Bundle", "application/fhir+json", bundle)]


def test_fhir_post_refused(fhir_server: tuple[str, type[_FhirHandler]]) -> None:
    base, handler = fhir_server
    handler.answer = 400
    with pytest.raises(LisError, match="HTTP 400"):
        post_fhir(base, build_fhir_bundle(_samples(), CTX))
    with pytest.raises(LisError, match="http\\(s\\)"):
        post_fhir("file:///etc/passwd", {})
