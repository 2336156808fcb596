"""Assay management by an admin: upload a YAML checked by the assay loader (one-line refusals, size limit, nothing
kept on a refusal), its version and hash listed, uploads and the worker use it, retire it; audited."""

from __future__ import annotations

import hashlib
import io
import re
from importlib import resources
from pathlib import Path

from tests.service.conftest import Lab, upload

SHIPPED = (resources.files("chipdx.interpret") / "assays" / "resp-4plex-demo.yaml").read_bytes()


def _assay(name: str = "lab-resp-1", version: str = "2") -> bytes:
    text = re.sub(r"(?m)^id: .*$", f"id: {name}", SHIPPED.decode())
    return re.sub(r"(?m)^version: .*$", f"version: \"{version}\"", text).encode()


def _send(lab: Lab, data: bytes, name: str = "lab-resp.yaml", who: str = "adm") -> object:
    return lab.client(who).post("/admin/assays", files={"file": (name, io.BytesIO(data), "application/yaml")},
                                headers={"accept": "application/json"})


def test_upload_use_and_retire_an_assay(lab: Lab, cartridge_rdml: Path) -> None:
    data = _assay()
    answer = _send(lab, data)
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    [kept] = lab.store.assays()
    assert (kept.name, kept.version, kept.sha256, kept.retired) == ("lab-resp-1", "2", hashlib.sha256(data).hexdigest(),
                                                                   False)
    page = lab.client("adm").get("/admin/assays", headers={"accept": "text/html"}).text
    assert kept.sha256 in page and 'data-status="active"' in page
    listed = lab.client("tech", bearer=True).get("/api/v1/assays").json()
    assert "lab-resp-1" in listed["available"] and listed["uploaded"][0]["sha256"] == kept.sha256
    runs_page = lab.client("tech").get("/runs", headers={"accept": "text/html"}).text
    assert "lab-resp-1" in runs_page  # offered on the upload form
    run_id = int(upload(lab.client("tech"), cartridge_rdml, assay="lab-resp-1").json()["id"])
    assert lab.work() == 1 and lab.store.run(run_id).status == "done", lab.store.run(run_id).error
    assert {s.sample for s in lab.store.samples(run_id)}
    released_rules = {t.ruleset_id for s in lab.store.samples(run_id) for t in s.targets}
    assert released_rules == {"lab-resp-1@2"}  # analysed with the uploaded definition
    retire = lab.client("adm").form(f"/admin/assays/{kept.id}/retire", {"reason": "replaced by v3"})
    assert retire.status_code == 303 and lab.store.assays()[0].retired
    refused = upload(lab.client("tech"), cartridge_rdml, assay="lab-resp-1")
    assert refused.status_code == 422 and "lab-resp-1" not in refused.json()["detail"].split("found")[0]
    actions = [e.action for e in lab.store.audit() if e.action.startswith("assay.")]
    assert actions == ["assay.add", "assay.retire"] and lab.store.verify_audit().intact


def test_bad_assay_files_are_refused_in_one_line(lab: Lab) -> None:
    cases = [(b"id: [unclosed\n", 422, "lab-resp.yaml"), (b"", 422, "empty"), (b"\xff\xfe", 422, "UTF-8"),
             (_assay(name="resp-4plex-demo"), 422, "shipped"), (b"kind: qpcr\n" + b"#" * (300 * 1024), 413, "")]
    for data, status, says in cases:
        answer = _send(lab, data)
        assert answer.status_code == status, (data[:20], answer.text)  # type: ignore[attr-defined]
        detail = answer.json()["detail"]  # type: ignore[attr-defined]
        assert "\n" not in detail and says in detail, detail
    assert lab.store.assays() == []  # nothing kept
    assert _send(lab, _assay()).status_code == 303  # type: ignore[attr-defined]
    again = _send(lab, _assay())
    assert again.status_code == 409 and "new version" in again.json()["detail"]  # type: ignore[attr-defined]
