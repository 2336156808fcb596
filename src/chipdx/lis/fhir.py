"""FHIR R4 Bundle for a released run: per sample a DiagnosticReport, its Observations (the sample result and one
per target, with Cq and copies/µL as UCUM components) and its Specimen; one Device (flagged when simulated).

Validated with ``fhir.resources``' R4B (4.3.0) models: DiagnosticReport, Observation, Specimen, Device and Bundle
use the same elements in R4 (4.0.1) for everything written here (checked against both specifications' element
tables), and fhir.resources >= 7 ships no 4.0.1 models. Ids are UUID v5 of the run, release and record, so the
same release always gives the same bundle. Sources: HL7 FHIR R4 DiagnosticReport, Observation, Specimen,
Device, Bundle; terminology.hl7.org observation-category and v2-0074.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from chipdx.errors import LisError
from chipdx.lis._codes import Code, code_table
from chipdx.lis._context import LisContext
from chipdx.lis._interpretation import interpretation
from chipdx.model import SampleResult, TargetResult

__all__ = ["REQUIRED_CODES", "as_transaction", "build_fhir_bundle", "validate_bundle"]

FHIR_VERSION = "4.0.1"
_CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                         "code": "laboratory", "display": "Laboratory"}]}
_REPORT_CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB",
                                "display": "Laboratory"}]}
_TAG_SYSTEM = "urn:chipdx:tag"
# required bindings (FHIR R4 value sets) of the coded elements written here: the fhir.resources models check a
# code's pattern, not its value set, so these are checked beside them
_STATUS = ("registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown")
REQUIRED_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("Bundle", "type"): frozenset(("document", "message", "transaction", "transaction-response", "batch",
                                   "batch-response", "history", "searchset", "collection")),
    ("DiagnosticReport", "status"): frozenset((*_STATUS, "partial", "appended")),
    ("Observation", "status"): frozenset(_STATUS),
    ("Specimen", "status"): frozenset(("available", "unavailable", "unsatisfactory", "entered-in-error")),
    ("Device", "status"): frozenset(("active", "inactive", "entered-in-error", "unknown")),
}


def _concept(code: Code, text: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": code.system, "code": code.code, "display": code.display}],
            "text": text or code.display}


class _Ids:
    """Deterministic ``urn:uuid`` ids for the records of one release."""

    def __init__(self, ctx: LisContext) -> None:
        self.base = f"chipdx:{ctx.file_sha256}:run:{ctx.run_id}:release:{ctx.release_version}"

    def __call__(self, *parts: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, ":".join((self.base, *parts))))


def _quantity(value: float, unit: Code) -> dict[str, Any]:
    return {"value": round(value, 6), "unit": unit.display, "system": unit.system, "code": unit.code}


def _target_observation(target: TargetResult, ctx: LisContext, common: dict[str, Any]) -> dict[str, Any]:
    table = code_table()
    components = []
    if target.cq is not None:
        components.append({"code": _concept(table.measurement(ctx.assay, target.target, "cq")),
                           "valueQuantity": _quantity(target.cq, table.units["cq"])})
    if target.copies_per_ul is not None:
        components.append({"code": _concept(table.measurement(ctx.assay, target.target, "copies_per_ul")),
                           "valueQuantity": _quantity(target.copies_per_ul, table.units["copies_per_ul"])})
    observation = {**common, "code": _concept(table.target(ctx.assay, target.target), target.target),
                   "valueCodeableConcept": _concept(table.result(target.result))}
    if components:
        observation["component"] = components
    if target.flags or target.review_reason:
        observation["note"] = [{"text": "; ".join([*target.flags, target.review_reason]).strip("; ")}]
    return observation


def _sample_entries(sample: SampleResult, ctx: LisContext, ids: _Ids, device_ref: str, *,
                    corrected: bool) -> list[dict[str, Any]]:
    table = code_table()
    status = "corrected" if corrected else "final"
    specimen_id = ids("specimen", sample.sample)
    specimen = {"resourceType": "Specimen", "id": specimen_id,
                "identifier": [{"system": f"urn:chipdx:run:{ctx.run_id}:sample", "value": sample.sample}],
                "status": "available", "type": {"text": sample.sample_type or "unknown"}}
    issued = ctx.released_utc.isoformat(timespec="seconds")
    method = {"text": f"chipdx {sample.software_version}; rules {sample.ruleset_id} {sample.ruleset_sha256[:12]}; "
                      f"codes {table.label}"}
    common: dict[str, Any] = {"resourceType": "Observation", "status": status, "category": [_CATEGORY],
                              "issued": issued, "effectiveDateTime": issued, "method": method,
                              "specimen": {"reference": f"urn:uuid:{specimen_id}"},
                              "device": {"reference": device_ref}}
    overall = {**common, "id": ids("observation", sample.sample, "result"),
               "code": _concept(table.panel(ctx.assay)),
               "valueCodeableConcept": _concept(table.result(sample.result)),
               "note": [{"text": interpretation(sample)}]}
    observations = [overall] + [{**_target_observation(t, ctx, common), "id": ids("observation", sample.sample,
                                                                                    t.target)}
                                for t in sample.targets]
    report = {"resourceType": "DiagnosticReport", "id": ids("report", sample.sample), "status": status,
              "identifier": [{"system": f"urn:chipdx:run:{ctx.run_id}", "value": f"{ctx.run_id}-{sample.sample}"}],
              "category": [_REPORT_CATEGORY], "code": _concept(table.panel(ctx.assay)), "issued": issued,
              "effectiveDateTime": issued, "performer": [{"display": ctx.sending_facility}],
              "resultsInterpreter": [{"display": ctx.released_by}],
              "specimen": [{"reference": f"urn:uuid:{specimen_id}"}],
              "result": [{"reference": f"urn:uuid:{o['id']}"} for o in observations],
              "conclusion": f"{interpretation(sample)} Action: {sample.action}",
              "conclusionCode": [_concept(table.result(sample.result))]}
    return [report, specimen, *observations]


def _device(ctx: LisContext, device_id: str, software: str) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device", "id": device_id, "status": "active",
        "identifier": [{"system": "urn:chipdx:instrument", "value": ctx.instrument or "chipdx"}],
        "deviceName": [{"name": ctx.instrument or "chipdx", "type": "user-friendly-name"}],
        "version": [{"value": f"chipdx {software}"}],
        "property": [{"type": {"text": "simulated"}, "valueCode": [{"text": str(ctx.simulated).lower()}]}]}
    if ctx.simulated:
        device["note"] = [{"text": "Simulated instrument (DLOC-Sim v1): results are not patient results"}]
    return device


def build_fhir_bundle(samples: Sequence[SampleResult], ctx: LisContext, *,
                      corrected: Sequence[bool] = ()) -> dict[str, Any]:
    """The FHIR R4 ``collection`` Bundle (JSON-ready dict) of a released run, validated."""
    flags = ctx.corrected_flags(len(samples), corrected)
    ids = _Ids(ctx)
    device = _device(ctx, ids("device"), samples[0].software_version)
    resources = [device]
    for sample, flag in zip(samples, flags, strict=True):
        resources += _sample_entries(sample, ctx, ids, f"urn:uuid:{device['id']}", corrected=flag)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle", "id": ids("bundle"), "type": "collection",
        "identifier": {"system": "urn:chipdx:release", "value": f"chipdx-{ctx.run_id}-r{ctx.release_version}"},
        "timestamp": ctx.released_utc.isoformat(timespec="seconds"),
        "meta": {"lastUpdated": ctx.released_utc.isoformat(timespec="seconds")},
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}
    if ctx.simulated:
        bundle["meta"]["tag"] = [{"system": _TAG_SYSTEM, "code": "simulated", "display": "simulated data"}]
    validate_bundle(bundle)
    return bundle


def as_transaction(bundle: dict[str, Any]) -> dict[str, Any]:
    """The ``collection`` Bundle as a ``transaction`` for ``POST [base]`` (FHIR R4 RESTful API, transaction):
    every entry a ``PUT {type}/{id}`` ("update as create") with its deterministic id, so sending the same
    release twice leaves the server with the same resources, never duplicates. Validated.
    """
    entries = [{**entry, "request": {"method": "PUT",
                                     "url": f"{entry['resource']['resourceType']}/{entry['resource']['id']}"}}
               for entry in bundle["entry"]]
    transaction = {**bundle, "type": "transaction", "entry": entries}
    transaction.pop("timestamp", None)  # Bundle.timestamp is for documents and messages
    validate_bundle(transaction)
    return transaction


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Validate with fhir.resources (every resource against its model) and check every reference resolves."""
    try:
        from fhir.resources.R4B.bundle import Bundle
        from pydantic import ValidationError
    except ImportError as exc:  # pragma: no cover - fhir.resources is in the 'service' extra
        raise LisError(f"FHIR needs the 'service' extra (pip install 'chipdx[service]'): {exc}") from exc
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LisError(f"FHIR Bundle: {where}: {first['msg']}") from exc
    for resource in [bundle, *(entry.get("resource", {}) for entry in bundle.get("entry", []))]:
        for (kind, element), allowed in REQUIRED_CODES.items():
            value = resource.get(element)
            if resource.get("resourceType") == kind and value not in allowed:
                raise LisError(f"FHIR Bundle: {kind}.{element}: expected one of {', '.join(sorted(allowed))}, "
                               f"found {value!r}")
    full_urls = {entry.get("fullUrl") for entry in bundle.get("entry", [])}
    for reference in _references(bundle):
        if reference.startswith("urn:uuid:") and reference not in full_urls:
            raise LisError(f"FHIR Bundle: reference {reference} resolves to no entry")


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []
