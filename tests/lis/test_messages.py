"""HL7 v2.5.1 ORU^R01 and FHIR R4 Bundle: golden files, validation (broken messages are refused), round trips."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chipdx.errors import LisError
from chipdx.lis import LisContext, build_fhir_bundle, build_oru_r01, code_table, parse_oru_r01, validate_bundle
from chipdx.lis.hl7 import escape
from tests.store.factories import demo_results, sample

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "lis"
CTX = LisContext(run_id=7, assay="cdc-2019-ncov", file_name="demo.rdml", file_sha256="c" * 64,
                 instrument="DLOC-Sim v1", simulated=True, released_by="rita",
                 released_at=datetime(2026, 12, 3, 13, 0, tzinfo=UTC), release_version=1)
CORRECTED = (False, True, False)


def _samples() -> list[Any]:
    return demo_results()[1]


def test_hl7_matches_the_golden_file() -> None:
    text = build_oru_r01(_samples(), CTX, corrected=CORRECTED)
    assert text == (GOLDEN / "oru_r01_demo.hl7").read_bytes().decode("utf-8")


def test_fhir_matches_the_golden_file() -> None:
    bundle = build_fhir_bundle(_samples(), CTX, corrected=CORRECTED)
    assert bundle == json.loads((GOLDEN / "fhir_bundle_demo.json").read_text(encoding="utf-8"))


def _obx(message: Any) -> list[tuple[str, str, str, str]]:
    rows = []
    for segment in message.to_er7().split("\r"):
        fields = segment.split("|")
        if fields[0] == "OBX":
            rows.append((fields[3].split("^")[0], fields[4], fields[5].split("^")[0], fields[11]))
    return rows


def test_hl7_round_trip() -> None:
    samples = _samples()
    message = parse_oru_r01(build_oru_r01(samples, CTX, corrected=CORRECTED))
    assert message.msh.msh_9.to_er7() == "ORU^R01^ORU_R01" and message.msh.msh_12.to_er7() == "2.5.1"
    assert message.msh.msh_11.to_er7() == "T"  # simulated data: training, not production
    results = [row for row in _obx(message) if row[1] == "result"]
    table = code_table()
    assert [row[2] for row in results] == [table.result(s.result).code for s in samples]
    assert [row[3] for row in results] == ["F", "C", "F"]
    n1 = [row for row in _obx(message) if row[0] == "94756-4"]
    assert [row[2] for row in n1] == ["260373001", "260373001", "260415000"]
    cq = [row for row in _obx(message) if row[0] == "N1.cq"]
    assert [row[2] for row in cq] == ["24.50", "24.50"]
    specimens = [seg.split("|")[2] for seg in message.to_er7().split("\r") if seg.startswith("SPM")]
    assert specimens == ["P1", "P2", "NTC"]


def test_hl7_escapes_delimiters_in_names() -> None:
    odd = replace(sample("A|B^C&D~E\\F"), targets=())
    text = build_oru_r01([odd], replace(CTX, released_by="o'neil^x", simulated=False))
    message = parse_oru_r01(text)
    spm = next(seg for seg in message.to_er7().split("\r") if seg.startswith("SPM"))
    assert spm.split("|")[2] == escape("A|B^C&D~E\\F") == "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F"
    assert message.msh.msh_11.to_er7() == "P"


@pytest.mark.parametrize(("broken", "problem"), [
    ("MSH|^~\\&|chipdx|lab|LIS||20261203130000||ORU^R01^ORU_R01|1|P|2.5.1\rZZZ|x\r", "PATIENT_RESULT"),
    ("MSH|^~\\&|chipdx|lab|LIS||20261203130000||ORU^R01^ORU_R01|1|P|2.5.1\r", "PATIENT_RESULT"),
    ("this is not HL7", "expected a valid"),
])
def test_invalid_hl7_is_refused(broken: str, problem: str) -> None:
    with pytest.raises(LisError, match=r"expected a valid v2\.5\.1 ORU") as refused:
        parse_oru_r01(broken)
    assert problem in str(refused.value)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_fhir_round_trip_through_the_models() -> None:
    from fhir.resources.R4B.bundle import Bundle

    samples = _samples()
    bundle = Bundle.model_validate(build_fhir_bundle(samples, CTX, corrected=CORRECTED))
    reports = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "DiagnosticReport"]
    assert [r.status for r in reports] == ["final", "corrected", "final"]
    assert [r.conclusionCode[0].coding[0].code for r in reports] == ["260373001", "419984006", "260415000"]
    assert {r.code.coding[0].code for r in reports} == {"94500-6"}
    observations = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"]
    n1 = [o for o in observations if o.code.coding[0].code == "94756-4"]
    assert [o.component[0].valueQuantity.value for o in n1 if o.component] == [24.5, 24.5]
    assert {o.component[0].valueQuantity.code for o in n1 if o.component} == {"{cycles}"}
    device = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Device")
    assert device.property[0].valueCode[0].text == "true"
    assert bundle.meta.tag[0].code == "simulated"


def test_fhir_copies_per_ul_in_ucum() -> None:
    base = sample("D1")
    targets = tuple(replace(t, copies_per_ul=125.4) for t in base.targets)
    bundle = build_fhir_bundle([replace(base, targets=targets)], replace(CTX, assay="dpcr-sars-cov-2"))
    quantities = [c["valueQuantity"] for o in _resources(bundle, "Observation") for c in o.get("component", [])]
    assert {"value": 125.4, "unit": "copies/µL", "system": "http://unitsofmeasure.org",
            "code": "{copies}/uL"} in quantities


def test_fhir_same_release_same_ids_and_new_release_new_ids() -> None:
    one = build_fhir_bundle(_samples(), CTX)
    assert build_fhir_bundle(_samples(), CTX) == one
    two = build_fhir_bundle(_samples(), replace(CTX, release_version=2))
    assert one["id"] != two["id"]


@pytest.mark.parametrize(("mutate", "problem"), [
    (lambda b: b["entry"][1]["resource"].__setitem__("status", "signed-off"), "status"),
    (lambda b: b.__setitem__("type", "pile"), "type"),
    (lambda b: b["entry"][2]["resource"].__setitem__("colour", "blue"), "colour"),
    (lambda b: b["entry"][1]["resource"]["result"].append({"reference": "urn:uuid:0000"}), "resolves to no entry"),
])
def test_invalid_fhir_is_refused(mutate: Any, problem: str) -> None:
    bundle = copy.deepcopy(build_fhir_bundle(_samples(), CTX))
    mutate(bundle)
    with pytest.raises(LisError, match=problem):
        validate_bundle(bundle)


def test_unmapped_targets_get_local_codes_and_results_snomed() -> None:
    table = code_table()
    assert (table.table_id, table.version) == ("chipdx-lis-codes", "2026.1")
    assert table.target("cdc-2019-ncov", "RP").system == "urn:chipdx:target:cdc-2019-ncov"
    assert table.target("who-charite-e-rdrp", "RdRp").code == "94534-5"
    assert [table.result(v).code for v in ("detected", "not_detected", "inconclusive")] == [
        "260373001", "260415000", "419984006"]
    assert table.result("invalid").system == "urn:chipdx:result"


def test_only_released_results_leave() -> None:
    with pytest.raises(ValueError, match="only released"):
        replace(CTX, release_version=0)
    with pytest.raises(LisError, match="no sample results"):
        build_oru_r01([], CTX)
    with pytest.raises(LisError, match="corrected flags"):
        build_fhir_bundle(_samples(), CTX, corrected=(True,))


def _co_infection() -> Any:
    from tests.store.factories import target

    targets = (target("S9", "SARS-CoV-2"), target("S9", "FluA"), target("S9", "FluB", call="not_detected"),
               target("S9", "RP", role="control"))
    return replace(sample("S9", "detected"), targets=targets, detected=("SARS-CoV-2", "FluA"),
                   findings=("SARS-CoV-2 and influenza A detected",))


def test_co_infection_names_every_pathogen_in_both_messages() -> None:
    ctx = replace(CTX, assay="resp-4plex-demo")
    text = build_oru_r01([_co_infection()], ctx)
    parse_oru_r01(text)
    segments = [s.split("|") for s in text.split("\r") if s]
    per_target = {f[4]: f[5].split("^")[0] for f in segments if f[0] == "OBX" and f[2] == "CWE" and f[4] != "result"}
    assert per_target == {"SARS-CoV-2": "260373001", "FluA": "260373001", "FluB": "260415000", "RP": "260373001"}
    notes = [f[3] for f in segments if f[0] == "NTE"]
    assert "Detected: SARS-CoV-2, FluA. SARS-CoV-2 and influenza A detected." in notes
    bundle = build_fhir_bundle([_co_infection()], ctx)
    resources = [e["resource"] for e in bundle["entry"]]
    [report] = [r for r in resources if r["resourceType"] == "DiagnosticReport"]
    assert report["conclusion"].startswith("Detected: SARS-CoV-2, FluA.")
    values = {o["code"]["text"]: o["valueCodeableConcept"]["coding"][0]["code"] for o in resources
              if o["resourceType"] == "Observation" and o["code"]["text"] in ("SARS-CoV-2", "FluA", "FluB", "RP")}
    assert values == {"SARS-CoV-2": "260373001", "FluA": "260373001", "FluB": "260415000", "RP": "260373001"}
    assert len(report["result"]) == 1 + 4  # the sample's result and one Observation per target


def test_a_target_reports_its_result_not_its_raw_call() -> None:
    held = _co_infection()
    held = replace(held, result="review", detected=(),
                   targets=tuple(replace(t, result="review") for t in held.targets))
    text = build_oru_r01([held], replace(CTX, assay="resp-4plex-demo"))
    values = {f.split("|")[4]: f.split("|")[5].split("^")[0] for f in text.split("\r") if f.startswith("OBX|")
              and f.split("|")[2] == "CWE"}
    assert set(values.values()) == {"review"}  # the run's controls hold every target: none leaves as detected
