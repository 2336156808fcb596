"""LIS receivers the delivery tests start on 127.0.0.1: an MLLP listener answering scripted ACK codes, and a FHIR
server taking ``transaction`` Bundles (PUT entries kept by ``Type/id``) with scripted HTTP statuses."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chipdx.lis.send import END_BLOCK, frame, unframe


def free_port() -> int:
    """A port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MllpReceiver:
    """Answers the n-th message with ``codes[n]`` (the last code for every later one); keeps every message."""

    def __init__(self, codes: tuple[str, ...] = ("AA",), port: int = 0) -> None:
        self.codes = codes
        self.received: list[str] = []
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def control_ids(self) -> list[str]:
        return [message.split("\r")[0].split("|")[9] for message in self.received]

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                data = b""
                while not data.endswith(END_BLOCK):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if not data.endswith(END_BLOCK):
                    continue
                message = unframe(data)
                code = self.codes[min(len(self.received), len(self.codes) - 1)]
                self.received.append(message)
                control_id = message.split("\r")[0].split("|")[9]
                ack = (f"MSH|^~\\&|LIS||chipdx||20261203130001||ACK^R01^ACK|ack-{control_id}|P|2.5.1\r"
                       f"MSA|{code}|{control_id}|{'' if code == 'AA' else 'test receiver says ' + code}\r")
                connection.sendall(frame(ack))

    def close(self) -> None:
        self.server.close()


class FhirReceiver:
    """``POST [base]`` of a transaction Bundle: each entry's ``PUT Type/id`` stored (the same id again replaces
    it); answers ``statuses[n]`` to the n-th request (the last one for every later)."""

    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        self.statuses = statuses
        self.posts: list[dict[str, Any]] = []
        self.resources: dict[str, dict[str, Any]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = receiver.statuses[min(len(receiver.posts), len(receiver.statuses) - 1)]
                receiver.posts.append(body)
                if status == 200 and self.path == "/fhir" and body.get("type") == "transaction":
                    for entry in body["entry"]:
                        assert entry["request"]["method"] == "PUT"
                        receiver.resources[entry["request"]["url"]] = entry["resource"]
                    answer = {"resourceType": "Bundle", "type": "transaction-response",
                              "entry": [{"response": {"status": "200 OK"}} for _ in body["entry"]]}
                else:
                    status = status if status != 200 else 400
                    answer = {"resourceType": "OperationOutcome",
                              "issue": [{"severity": "error", "code": "transient" if status >= 500 else "invalid"}]}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
