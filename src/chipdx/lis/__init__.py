"""Messages for laboratory information systems, built from the model's result records (SPEC §8).

* :func:`build_oru_r01` — HL7 v2.5.1 ORU^R01, built and validated with ``hl7apy``;
* :func:`build_fhir_bundle` — FHIR R4 Bundle of DiagnosticReport, Observations, Specimens and the Device,
  validated with ``fhir.resources``;
* :func:`send_mllp` / :func:`post_fhir` — to an endpoint over MLLP or FHIR REST (files are the default);
  :func:`exchange_mllp` / :func:`exchange_fhir` return the ACK / HTTP receipt for the service's retry logic,
  :func:`as_transaction` makes the idempotent ``transaction`` Bundle (PUT with deterministic ids);
* :func:`code_table` — the versioned LOINC / SNOMED CT / UCUM mapping they are coded with.

Layer: ``lis <- model, interpret results``; the service passes ``chipdx.store``'s released run in.
Only released results are meant to leave: a :class:`LisContext` requires a release version >= 1.
"""

from __future__ import annotations

from chipdx.lis._codes import Code, CodeTable, code_table
from chipdx.lis._context import LisContext
from chipdx.lis.fhir import as_transaction, build_fhir_bundle, validate_bundle
from chipdx.lis.hl7 import build_oru_r01, parse_oru_r01
from chipdx.lis.send import FhirReceipt, MllpAck, exchange_fhir, exchange_mllp, post_fhir, send_mllp

__all__ = [
    "Code", "CodeTable", "FhirReceipt", "LisContext", "MllpAck", "as_transaction", "build_fhir_bundle",
    "build_oru_r01", "code_table", "exchange_fhir", "exchange_mllp", "parse_oru_r01", "post_fhir", "send_mllp",
    "validate_bundle",
]
