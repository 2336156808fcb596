"""Per-pathogen results in the service: the demo cartridge's detected pathogens (every one of a co-infection) are
kept by the store, shown on the run page and the review queue, given by the API, and cleared by an override that
reports none."""

from __future__ import annotations

from pathlib import Path

from tests.service.conftest import Lab, upload


def test_detected_pathogens_are_kept_shown_and_overridden(lab: Lab, cartridge_rdml: Path) -> None:
    run_id = int(upload(lab.client("tech"), cartridge_rdml).json()["id"])
    assert lab.work() == 1
    samples = lab.store.samples(run_id)
    patients = [s for s in samples if s.sample_type == "unkn"]
    assert any(s.detected for s in patients), [(s.sample, s.result) for s in patients]
    for s in patients:  # a control detects no pathogen (a passing positive control is not a detection)
        pathogens_detected = [t.target for t in s.targets if t.role == "pathogen" and t.result == "detected"]
        if s.result == "detected":
            assert list(s.detected) == pathogens_detected and s.findings
        if s.result == "not_detected":
            assert s.detected == ()
    api = lab.client("tech", bearer=True).get(f"/api/v1/runs/{run_id}/results").json()["samples"]
    assert {a["sample"]: a["detected"] for a in api} == {s.sample: list(s.detected) for s in samples}
    assert all(len(a["targets"]) == len(s.targets) for a, s in zip(api, samples, strict=True))
    page = lab.client("tech").get(f"/runs/{run_id}", headers={"accept": "text/html"}).text
    for s in patients:
        if s.detected:
            assert ", ".join(s.detected) in page
    positive = next(s for s in patients if s.detected)
    answer = lab.client("rev").post(f"/api/v1/results/{positive.id}/review",
                                    json={"result": "not_detected", "reason": "contamination"})
    assert answer.status_code == 200 and answer.json()["detected"] == []
    assert lab.store.history(positive.id)[-1].result == "not_detected"
    queue = lab.client("tech").get("/review", headers={"accept": "text/html"})
    assert queue.status_code == 200 and "Pathogens detected" in queue.text
    assert "<title>Review queue" in queue.text and "<title>Review queue<h2>" not in queue.text
