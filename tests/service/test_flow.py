"""The lab flow through the web app and API: upload, analysis by the worker, review with a reason, analysis
settings, release with the e-signature and four eyes, LIS downloads, corrections, refusals of bad input."""

from __future__ import annotations

import io as stdio
import zipfile
from pathlib import Path

import pytest

from tests.service.conftest import DEMO_ASSAY, PASSWORD, Lab, make_lab, reviewed_and_released, upload


def _form_upload(lab: Lab, path: Path, name: str = "tech") -> int:
    client = lab.client(name)
    with path.open("rb") as stream:
        answer = client.http.post("/runs", data={"assay": DEMO_ASSAY, "csrf": client.csrf},
                                  files={"file": (path.name, stream)}, headers={"accept": "text/html"})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_upload_analyse_and_show_the_run(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = _form_upload(lab, cartridge_rdml)
    assert lab.store.run(run_id).status == "queued"
    assert lab.work() == 1
    run = lab.store.run(run_id)
    assert run.status == "done", run.error
    assert run.simulated and run.format == "rdml"
    page = lab.client("tech").get(f"/runs/{run_id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    for sample in lab.store.samples(run_id):
        assert f'id="sample-{sample.sample}"' in page.text
    assert 'class="plate"' in page.text and 'data-well="A1"' in page.text
    assert "Override" not in page.text  # a technician may not review
    report = lab.client("tech").get(f"/runs/{run_id}/report")
    assert report.status_code == 200 and "<html" in report.text.lower()
    assert "default-src 'none'" in report.headers["content-security-policy"]  # no script runs in a report
    csv = lab.client("tech").get(f"/runs/{run_id}/reactions.csv").text.splitlines()
    assert csv[0] == "run,well,sample,sample_type,quantity,target,dye,cq,efficiency,n0,amplified,flags"
    assert len(csv) - 1 == len(lab.store.reactions(run_id)) > 0
    api = lab.client("tech", bearer=True).get(f"/api/v1/runs/{run_id}/results").json()
    assert {s["sample"] for s in api["samples"]} == {s.sample for s in lab.store.samples(run_id)}
    listed = lab.client("tech", bearer=True).get("/api/v1/runs", params={"search": "cartridge"}).json()
    assert [r["id"] for r in listed] == [run_id]
    assert lab.client("tech", bearer=True).get("/api/v1/runs", params={"search": "nothing-like-it"}).json() == []


def test_review_needs_a_reason_and_makes_a_new_version(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = int(upload(lab.client("tech"), cartridge_rdml).json()["id"])
    lab.work()
    sample = lab.store.samples(run_id)[0]
    reviewer = lab.client("rev")
    refused = reviewer.form(f"/samples/{sample.id}/review", {"result": "inconclusive", "reason": ""})
    assert refused.status_code == 422
    assert lab.store.sample(sample.id).version == sample.version
    done = reviewer.form(f"/samples/{sample.id}/review", {"result": "inconclusive", "reason": "late Cq, repeat"})
    assert done.status_code == 303
    now = lab.store.sample(sample.id)
    assert (now.result, now.version, now.reason, now.by) == ("inconclusive", sample.version + 1,
                                                              "late Cq, repeat", "rev")
    events = lab.client("rev", bearer=True).get("/api/v1/audit", params={"run": run_id}).json()
    assert any(e["action"] == "result.review" and e["reason"] == "late Cq, repeat" for e in events)


def test_release_needs_the_password_and_four_eyes(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = int(upload(lab.client("tech"), cartridge_rdml).json()["id"])
    lab.work()
    for sample in lab.store.samples(run_id):
        if sample.needs_review or sample.result == "review":
            lab.client("rev").post(f"/api/v1/results/{sample.id}/review",
                                   json={"result": "invalid", "reason": "checked"})
    releaser = lab.client("rel", bearer=True)
    assert releaser.get(f"/api/v1/runs/{run_id}/fhir").status_code == 409  # nothing leaves before release
    assert releaser.get(f"/api/v1/runs/{run_id}/hl7").status_code == 409
    wrong = releaser.post(f"/api/v1/runs/{run_id}/release", json={"password": "not it"})
    assert wrong.status_code == 403
    assert lab.store.run(run_id).status == "done"
    signed = lab.client("rel").form(f"/runs/{run_id}/release", {"password": PASSWORD, "meaning": "approved"})
    assert signed.status_code == 303
    assert lab.store.run(run_id).status == "released"
    release = lab.store.releases(run_id)[-1]
    assert (release.user, release.meaning) == ("rel", "approved") and release.at.tzinfo is not None
    bundle = releaser.get(f"/api/v1/runs/{run_id}/fhir")
    assert bundle.status_code == 200 and bundle.json()["resourceType"] == "Bundle"
    hl7 = releaser.get(f"/api/v1/runs/{run_id}/hl7")
    assert hl7.status_code == 200 and hl7.text.startswith("MSH|") and "ORU^R01" in hl7.text
    page = lab.client("rel").get(f"/runs/{run_id}", headers={"accept": "text/html"})
    assert 'id="fhir"' in page.text and "approved" in page.text


def test_the_uploader_may_not_release(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = int(upload(lab.client("rel"), cartridge_rdml).json()["id"])  # a releaser may upload ...
    lab.work()
    answer = lab.client("rel", bearer=True).post(f"/api/v1/runs/{run_id}/release", json={"password": PASSWORD})
    assert answer.status_code == 403 and "four eyes" in answer.json()["detail"]  # ... but not release it
    assert lab.store.run(run_id).status == "done"
    page = lab.client("rel").get(f"/runs/{run_id}", headers={"accept": "text/html"}).text
    assert "Four eyes" in page and 'id="release"' not in page


def test_correction_after_release_is_a_new_signed_version(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = reviewed_and_released(lab, cartridge_rdml)
    sample = lab.store.samples(run_id)[0]
    answer = lab.client("rel2").form(f"/runs/{run_id}/correct", {"sample": str(sample.id), "result": "invalid",
                                                                  "reason": "wrong specimen", "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    now = lab.store.sample(sample.id)
    assert (now.result, now.source, now.version) == ("invalid", "correction", sample.version + 1)
    assert [r.version for r in lab.store.releases(run_id)] == [1, 2]
    assert [v.result for v in lab.store.history(sample.id)][-2:] == [sample.result, "invalid"]


def test_settings_exclude_a_well_and_reanalyse(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = int(upload(lab.client("tech"), cartridge_rdml).json()["id"])
    lab.work()
    assert "A1" in {r.well for r in lab.store.reactions(run_id)}
    bad = lab.client("rev").form(f"/runs/{run_id}/settings", {"kind": "threshold", "name": "RNaseP",
                                                              "value": "-3", "reason": "x"})
    assert bad.status_code == 422 and "threshold" in bad.json()["detail"]
    answer = lab.client("rev").form(f"/runs/{run_id}/settings", {"kind": "exclude", "name": "a1",
                                                                 "reason": "bubble in the well"})
    assert answer.status_code == 303
    assert lab.store.run(run_id).status == "queued"
    assert lab.work() == 1
    assert "A1" not in {r.well for r in lab.store.reactions(run_id)}
    assert lab.store.run_settings(run_id) == {"exclude:A1": "1"}
    page = lab.client("rev").get(f"/runs/{run_id}", headers={"accept": "text/html"}).text
    assert "excluded" in page and "bubble in the well" in page
    threshold = lab.client("rev", bearer=True).post(f"/api/v1/runs/{run_id}/settings", json={
        "kind": "threshold", "name": "RNaseP", "value": "400", "reason": "manual threshold per SOP"})
    assert threshold.status_code == 202
    lab.work()
    flags = [r.flags for r in lab.store.reactions(run_id) if r.target == "RNaseP"]
    assert flags and all("QC-MANUAL-THRESHOLD" in f for f in flags)


def test_login_logout_and_lockout(lab: Lab) -> None:
    client = lab.client()
    form = client.http.get("/login")
    token = form.cookies.get("chipdx_login")
    assert token and f'value="{token}"' in form.text
    no_token = client.http.post("/login", data={"username": "tech", "password": PASSWORD})
    assert no_token.status_code == 403
    token = no_token.cookies.get("chipdx_login")  # every log-in form gets a fresh token
    ok = client.http.post("/login", data={"username": "tech", "password": PASSWORD, "login_csrf": token})
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"]
    assert "chipdx_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.http.get("/api/v1/runs").status_code == 200
    session = client.http.cookies.get("chipdx_session")
    assert client.http.post("/logout", data={}).status_code == 403  # CSRF token missing
    from chipdx.service._access import csrf_token

    out = client.http.post("/logout", data={"csrf": csrf_token(lab.app.state.secret, session or "")})
    assert out.status_code == 303
    assert lab.store.token_user(session) is None
    for _ in range(5):
        token = client.http.get("/login").cookies.get("chipdx_login")
        wrong = client.http.post("/login", data={"username": "rev", "password": "nope", "login_csrf": token})
        assert wrong.status_code == 401
    token = client.http.get("/login").cookies.get("chipdx_login")
    locked = client.http.post("/login", data={"username": "rev", "password": PASSWORD, "login_csrf": token})
    assert locked.status_code == 401 and "locked" in locked.text
    assert lab.client().http.post("/api/v1/token", data={"username": "rev", "password": PASSWORD}).status_code == 403


def test_open_redirect_is_refused(lab: Lab) -> None:
    client = lab.client()
    token = client.http.get("/login").cookies.get("chipdx_login")
    answer = client.http.post("/login", data={"username": "tech", "password": PASSWORD, "login_csrf": token,
                                              "next": "//evil.example/"})
    assert answer.headers["location"] == "/runs"


def _zip_bomb() -> bytes:
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("rdml_data.xml", "w") as member:  # 300 MiB of text, a few hundred KiB zipped
        member.write(b"<")
        chunk = b"a" * (1024 * 1024)
        for _ in range(300):
            member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "assay", "status", "message"), [
    ("run.rdml", b"<rdml>not closed", DEMO_ASSAY, 422, "run.rdml"),
    ("empty.rdml", b"", DEMO_ASSAY, 422, "empty upload"),
    ("notes.txt", b"hello, this is not a run file\n", DEMO_ASSAY, 422, "notes.txt"),
    ("cartridge.rdml", None, "no-such-assay", 422, "assay"),
    ("bomb.rdml", "bomb", DEMO_ASSAY, 422, "bomb.rdml"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(lab: Lab, cartridge_rdml: Path, name: str,
                                                       content: bytes | str | None, assay: str, status: int,
                                                       message: str) -> None:
    data = cartridge_rdml.read_bytes() if content is None else _zip_bomb() if content == "bomb" else content
    assert isinstance(data, bytes)
    answer = lab.client("tech", bearer=True).post("/api/v1/runs", files={"file": (name, data)},
                                                  data={"assay": assay})
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert message in detail and "\n" not in detail and "Traceback" not in detail
    assert lab.store.runs() == []
    assert not [p for p in lab.settings.uploads.rglob("*") if p.is_file()]


def test_upload_over_the_limit_is_413(tmp_path: Path, cartridge_rdml: Path) -> None:
    lab = make_lab(tmp_path, upload_limit=2_000)
    try:
        assert cartridge_rdml.stat().st_size > 2_000
        answer = upload(lab.client("tech", bearer=True), cartridge_rdml)
        assert answer.status_code == 413 and "the upload limit" in answer.json()["detail"]
        assert lab.store.runs() == []
    finally:
        lab.store.close()
