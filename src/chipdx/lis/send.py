"""Sending to a LIS: HL7 v2 over MLLP (minimal lower layer protocol) and a FHIR Bundle over REST.

MLLP frames a message as ``<VT> message <FS><CR>`` (HL7 v2.5.1 Implementation Guide, Appendix C, "Minimal Lower
Layer Protocol"); the receiver answers with an ACK whose MSA-1 is ``AA``/``CA`` (accepted) or ``AE``/``AR``/
``CE``/``CR`` (refused). FHIR: ``POST [base]/Bundle`` with ``application/fhir+json`` (FHIR R4 RESTful API,
"create"). Both use only the standard library; failures are one :class:`~chipdx.errors.LisError` line.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from chipdx.errors import LisError

__all__ = ["END_BLOCK", "START_BLOCK", "FhirReceipt", "MllpAck", "exchange_fhir", "exchange_mllp", "frame", "post_fhir",
           "send_mllp", "unframe"]

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_ACK_BYTES = 1 << 20


def frame(message: str) -> bytes:
    """One MLLP frame around an ER7 message."""
    return START_BLOCK + message.encode("utf-8") + END_BLOCK


def unframe(data: bytes) -> str:
    """The message inside one MLLP frame; :class:`LisError` when the framing is wrong."""
    if not data.startswith(START_BLOCK) or not data.endswith(END_BLOCK):
        raise LisError(f"MLLP: expected <VT>message<FS><CR>, found {data[:20]!r}...")
    return data[1:-2].decode("utf-8", errors="replace")


def _read_frame(connection: socket.socket) -> bytes:
    data = b""
    while not data.endswith(END_BLOCK):
        chunk = connection.recv(65536)
        if not chunk:
            raise LisError(f"MLLP: the receiver closed the connection before a complete ACK ({len(data)} bytes)")
        data += chunk
        if len(data) > MAX_ACK_BYTES:
            raise LisError("MLLP: the ACK is larger than 1 MiB")
    return data


def _ack_code(ack: str) -> tuple[str, str]:
    for segment in ack.replace("\n", "\r").split("\r"):
        fields = segment.split("|")
        if fields[0] == "MSA":
            return (fields[1] if len(fields) > 1 else ""), (fields[3] if len(fields) > 3 else "")
    raise LisError(f"MLLP: the answer has no MSA segment: {ack[:60]!r}")


@dataclass(frozen=True, slots=True)
class MllpAck:
    """The receiver's acknowledgement: MSA-1 (``AA``/``CA`` accepted; ``AE``/``CE`` error in the message, not to
    be sent again unchanged; ``AR``/``CR`` rejected for reasons outside the message, worth a retry), MSA-3 text
    and the whole ACK (HL7 v2.5.1 Ch. 2.9, table 0008)."""

    code: str
    text: str
    message: str

    @property
    def accepted(self) -> bool:
        return self.code in ("AA", "CA")

    @property
    def retry(self) -> bool:
        """Whether sending the same message again may succeed (a reject, not an error in the message)."""
        return self.code in ("AR", "CR")


def exchange_mllp(host: str, port: int, message: str, *, timeout_s: float = 10.0) -> MllpAck:
    """Send one HL7 v2 message over MLLP and read its ACK, whatever its code; :class:`LisError` when the
    connection fails, times out or the answer is no ACK."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as connection:
            connection.sendall(frame(message))
            ack = unframe(_read_frame(connection))
    except OSError as exc:
        raise LisError(f"MLLP {host}:{port}: {exc.strerror or exc}") from exc
    code, text = _ack_code(ack)
    return MllpAck(code, text, ack)


def send_mllp(host: str, port: int, message: str, *, timeout_s: float = 10.0) -> str:
    """Send one HL7 v2 message over MLLP and return the receiver's ACK; :class:`LisError` unless accepted."""
    answer = exchange_mllp(host, port, message, timeout_s=timeout_s)
    code, text, ack = answer.code, answer.text, answer.message
    if not answer.accepted:
        raise LisError(f"MLLP {host}:{port}: message refused (MSA-1 {code or 'empty'}{': ' + text if text else ''})")
    return ack


@dataclass(frozen=True, slots=True)
class FhirReceipt:
    """The server's answer to a create: HTTP status and the new resource's location (when given)."""

    status: int
    location: str
    detail: str = ""  # the start of the answer's body (an OperationOutcome, usually) when it was not 2xx

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry(self) -> bool:
        """Whether the same request may succeed later: a server error, a timeout (408) or too many requests (429)."""
        return self.status >= 500 or self.status in (408, 429)


def exchange_fhir(base_url: str, bundle: dict[str, Any], *, path: str = "", timeout_s: float = 10.0) -> FhirReceipt:
    """``POST [base]/path`` with the Bundle; the receipt whatever the HTTP status, :class:`LisError` when the
    server cannot be reached or does not answer in time."""
    if not base_url.startswith(("http://", "https://")):
        raise LisError(f"FHIR endpoint: expected an http(s):// base URL, found {base_url!r}")
    url = base_url.rstrip("/") + (f"/{path}" if path else "")
    request = urllib.request.Request(url, data=json.dumps(bundle).encode("utf-8"),
                                     method="POST", headers={"Content-Type": "application/fhir+json",
                                                             "Accept": "application/fhir+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return FhirReceipt(response.status, response.headers.get("Location", ""))
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", errors="replace")
        return FhirReceipt(exc.code, "", f"HTTP {exc.code} {exc.reason}: {' '.join(body.split())[:200]}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LisError(f"FHIR {base_url}: {reason}") from exc


def post_fhir(base_url: str, bundle: dict[str, Any], *, timeout_s: float = 10.0) -> FhirReceipt:
    """``POST [base]/Bundle``; :class:`LisError` unless the server answers 2xx."""
    receipt = exchange_fhir(base_url, bundle, path="Bundle", timeout_s=timeout_s)
    if not receipt.accepted:
        raise LisError(f"FHIR {base_url}: {receipt.detail}")
    return receipt
