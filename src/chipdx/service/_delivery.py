"""Sending released results to the LIS: one delivery job (from :mod:`chipdx.store`) to one destination.

* ``mllp:HOST:PORT`` — the HL7 v2.5.1 ORU^R01 over MLLP; ``AA``/``CA`` is done, ``AR``/``CR`` (a reject for
  reasons outside the message, e.g. the receiver is busy) and a refused connection or a time-out are retried
  with back-off, ``AE``/``CE`` (an error in the message: HL7 v2.5.1 Ch. 2.9 says not to send it unchanged)
  fails the job.
* ``fhir:URL`` — the FHIR R4 ``transaction`` Bundle ``POST``-ed to the base URL; every entry is a ``PUT`` of a
  deterministic id, so a second delivery of the same release (after a crash between sending and recording) leaves
  the server unchanged. 2xx is done; 5xx, 408, 429 and network errors are retried; other 4xx fail.
* ``file:FOLDER`` — ``chipdx-{run}-r{version}.hl7`` and ``.fhir.json`` written atomically (same names again:
  the same content replaces itself).

The message control id (MSH-10, ``Bundle.identifier``) is the receiver's key to recognise a repeat.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipdx.errors import LisError
from chipdx.service._lis import fhir_bundle, oru_message

__all__ = ["Outcome", "attempt", "record", "send_one"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt gave: sent, or the one-line error and whether to try again."""

    sent: bool
    detail: str
    retry: bool = False


def _write_atomically(path: Path, text: str) -> None:
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(draft, path)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def _to_folder(folder: Path, name: str, hl7: str, bundle: dict[str, Any]) -> Outcome:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(folder / f"{name}.hl7", hl7)
        _write_atomically(folder / f"{name}.fhir.json", json.dumps(bundle, indent=1))
    except OSError as exc:
        return Outcome(False, f"export folder {folder}: {exc.strerror or exc}", retry=True)
    return Outcome(True, f"wrote {name}.hl7 and {name}.fhir.json")


def _mllp(address: str, hl7: str, timeout_s: float) -> Outcome:
    from chipdx.lis import exchange_mllp

    host, _, port = address.rpartition(":")
    try:
        ack = exchange_mllp(host, int(port), hl7, timeout_s=timeout_s)
    except LisError as exc:
        return Outcome(False, str(exc), retry=True)
    text = f"MSA-1 {ack.code or 'empty'}" + (f": {ack.text}" if ack.text else "")
    if ack.accepted:
        return Outcome(True, f"MLLP {address}: {text}")
    return Outcome(False, f"MLLP {address}: message refused ({text})", retry=ack.retry)


def _fhir(base_url: str, bundle: dict[str, Any], timeout_s: float) -> Outcome:
    from chipdx.lis import as_transaction, exchange_fhir

    try:
        receipt = exchange_fhir(base_url, as_transaction(bundle), timeout_s=timeout_s)
    except LisError as exc:
        return Outcome(False, str(exc), retry=True)
    if receipt.accepted:
        return Outcome(True, f"FHIR {base_url}: HTTP {receipt.status}")
    return Outcome(False, f"FHIR {base_url}: {receipt.detail}", retry=receipt.retry)


def send_one(store: Any, job: Any, timeout_s: float) -> Outcome:
    """One attempt of a delivery job: build the release's message and send it to the job's destination."""
    kind, _, address = job.destination.partition(":")
    version = job.release_version
    if kind == "mllp":
        return _mllp(address, oru_message(store, job.run_id, version), timeout_s)
    if kind == "fhir":
        return _fhir(address, fhir_bundle(store, job.run_id, version), timeout_s)
    if kind == "file":
        name = f"chipdx-{job.run_id}-r{version}"
        return _to_folder(Path(address), name, oru_message(store, job.run_id, version),
                          fhir_bundle(store, job.run_id, version))
    return Outcome(False, f"destination {job.destination!r}: expected mllp:, fhir: or file:", retry=False)


def attempt(store: Any, job: Any, timeout_s: float) -> Outcome:
    """:func:`send_one`, with a message that cannot be built (a fault of ours) kept as a one-line failure."""
    try:
        return send_one(store, job, timeout_s)
    except Exception as exc:
        return Outcome(False, f"internal error ({type(exc).__name__}: {exc})".splitlines()[0], retry=False)


def record(store: Any, job: Any, worker: str, outcome: Outcome, backoff_s: float) -> None:
    """The attempt's outcome in the store (audited): done, or queued again after the back-off, or failed."""
    if outcome.sent:
        store.delivery_done(job.id, worker, outcome.detail)
    else:
        store.delivery_failed(job.id, worker, outcome.detail, retry=outcome.retry, backoff_s=backoff_s)
