"""Released results sent to the LIS by durable delivery jobs: MLLP with its ACK codes, FHIR REST transactions and an
export folder, against receivers started on 127.0.0.1. Nothing leaves before release; a refused connection or a
reject is retried with back-off; an error in the message is not; a delivery done is never sent again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chipdx.lis import parse_oru_r01
from chipdx.service._worker import wait_for
from chipdx.store import control_id
from tests.lis.listeners import FhirReceiver, MllpReceiver, free_port
from tests.service.conftest import PASSWORD, Lab, make_lab, review_and_release, reviewed_and_released, upload

BACKOFF_S = 0.05


@pytest.fixture
def mllp() -> Iterator[MllpReceiver]:
    receiver = MllpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def fhir() -> Iterator[FhirReceiver]:
    receiver = FhirReceiver()
    yield receiver
    receiver.close()


def _lab(tmp: Path, **lis: Any) -> Lab:
    tmp.mkdir(parents=True, exist_ok=True)
    return make_lab(tmp, lis_backoff_s=BACKOFF_S, lis_timeout_s=5.0, **lis)


def _states(lab: Lab, run_id: int) -> list[tuple[str, str, int]]:
    return [(d.destination.split(":")[0], d.state, d.attempts) for d in lab.store.deliveries(run_id)]


def _actions(lab: Lab, run_id: int) -> list[str]:
    return [e.action for e in lab.store.audit(run_id=run_id) if e.action.startswith("lis.")]


def _work_until(lab: Lab, run_id: int, done: Any) -> None:
    assert wait_for(lambda: (lab.work(), done(lab.store.deliveries(run_id)))[1], timeout_s=20, poll_s=BACKOFF_S)


def test_released_run_goes_to_every_destination_once(tmp_path: Path, cartridge_rdml: Path, mllp: MllpReceiver,
                                                     fhir: FhirReceiver) -> None:
    export = tmp_path / "export"
    lab = _lab(tmp_path / "lab", lis_mllp=f"127.0.0.1:{mllp.port}", lis_fhir=fhir.base, lis_export=export)
    try:
        run_id = int(upload(lab.client("tech"), cartridge_rdml).json()["id"])
        assert lab.work() == 1
        assert lab.work() == 0 and lab.store.deliveries(run_id) == []  # analysed, not released: nothing leaves
        assert mllp.received == [] and fhir.posts == [] and not export.exists()
        review_and_release(lab, run_id)
        assert sorted(_states(lab, run_id)) == [("fhir", "queued", 0), ("file", "queued", 0), ("mllp", "queued", 0)]
        while lab.work():
            pass
        assert sorted(_states(lab, run_id)) == [("fhir", "done", 1), ("file", "done", 1), ("mllp", "done", 1)]
        name = control_id(run_id, 1)
        assert mllp.control_ids == [name]
        parse_oru_r01(mllp.received[0])  # valid v2.5.1 ORU^R01
        assert len(fhir.posts) == 1 and fhir.posts[0]["type"] == "transaction"
        assert fhir.posts[0]["identifier"]["value"] == name
        kinds = sorted({key.split("/")[0] for key in fhir.resources})
        assert kinds == ["Device", "DiagnosticReport", "Observation", "Specimen"]
        assert (export / f"{name}.hl7").read_bytes().decode() == mllp.received[0]
        assert json.loads((export / f"{name}.fhir.json").read_text())["identifier"]["value"] == name
        assert sorted(_actions(lab, run_id)) == ["lis.queue"] * 3 + ["lis.sent"] * 3
        assert lab.work() == 0 and len(mllp.received) == 1 and len(fhir.posts) == 1  # done is never sent again
        page = lab.client("tech").get(f"/runs/{run_id}", headers={"accept": "text/html"}).text
        assert "Sent to the LIS" in page and page.count('data-state="done"') == 3
        api = lab.client("tech", bearer=True).get(f"/api/v1/runs/{run_id}/deliveries").json()
        assert {d["state"] for d in api} == {"done"} and {d["release_version"] for d in api} == {1}
        assert lab.store.verify_audit().intact
    finally:
        lab.store.close()


def test_refused_connection_is_retried_with_back_off(tmp_path: Path, cartridge_rdml: Path) -> None:
    port = free_port()
    lab = _lab(tmp_path, lis_mllp=f"127.0.0.1:{port}")
    try:
        run_id = reviewed_and_released(lab, cartridge_rdml)
        assert lab.work() == 1
        [job] = lab.store.deliveries(run_id)
        assert (job.state, job.attempts) == ("queued", 1) and "MLLP 127.0.0.1" in job.error
        assert job.not_before is not None and job.updated_at is not None and job.not_before > job.updated_at
        _work_until(lab, run_id, lambda jobs: jobs[0].attempts >= 2)  # the back-off passed: tried again
        assert lab.store.deliveries(run_id)[0].state == "queued"
        receiver = MllpReceiver(port=port)  # the LIS comes back
        try:
            _work_until(lab, run_id, lambda jobs: jobs[0].state == "done")
            assert receiver.control_ids == [control_id(run_id, 1)]
            actions = _actions(lab, run_id)
            assert actions[0] == "lis.queue" and actions[-1] == "lis.sent" and actions.count("lis.retry") >= 2
        finally:
            receiver.close()
    finally:
        lab.store.close()


@pytest.mark.parametrize(("codes", "state", "sent"), [(("AE",), "failed", 1), (("AR", "AA"), "done", 2),
                                                      (("CR", "CA"), "done", 2)])
def test_ack_codes(tmp_path: Path, cartridge_rdml: Path, codes: tuple[str, ...], state: str, sent: int) -> None:
    receiver = MllpReceiver(codes)
    lab = _lab(tmp_path, lis_mllp=f"127.0.0.1:{receiver.port}")
    try:
        run_id = reviewed_and_released(lab, cartridge_rdml)
        _work_until(lab, run_id, lambda jobs: jobs[0].state in ("done", "failed"))
        [job] = lab.store.deliveries(run_id)
        assert (job.state, job.attempts, len(receiver.received)) == (state, sent, sent)
        if state == "failed":
            assert "MSA-1 AE" in job.error and _actions(lab, run_id)[-1] == "lis.fail"
            time.sleep(3 * BACKOFF_S)
            assert lab.work() == 0 and len(receiver.received) == 1  # an error in the message: not sent again
        else:
            assert _actions(lab, run_id) == ["lis.queue", "lis.retry", "lis.sent"]
    finally:
        lab.store.close()
        receiver.close()


@pytest.mark.parametrize(("statuses", "state", "posts"), [((503, 200), "done", 2), ((422,), "failed", 1)])
def test_fhir_statuses(tmp_path: Path, cartridge_rdml: Path, statuses: tuple[int, ...], state: str,
                       posts: int) -> None:
    receiver = FhirReceiver(statuses)
    lab = _lab(tmp_path, lis_fhir=receiver.base)
    try:
        run_id = reviewed_and_released(lab, cartridge_rdml)
        _work_until(lab, run_id, lambda jobs: jobs[0].state in ("done", "failed"))
        [job] = lab.store.deliveries(run_id)
        assert (job.state, len(receiver.posts)) == (state, posts)
        if state == "failed":
            assert "HTTP 422" in job.error
    finally:
        lab.store.close()
        receiver.close()


def test_a_crash_after_sending_resends_the_same_release_idempotently(tmp_path: Path, cartridge_rdml: Path,
                                                                     fhir: FhirReceiver) -> None:
    """A worker killed between sending and recording: the lease runs out, another worker sends again; the FHIR
    server ends with the same resources (PUT of deterministic ids), the message has the same control id."""
    from chipdx.service import _delivery

    lab = _lab(tmp_path, lis_fhir=fhir.base)
    try:
        run_id = reviewed_and_released(lab, cartridge_rdml)
        job = lab.store.claim_delivery("doomed-worker", lease_s=0.05)
        assert _delivery.attempt(lab.store, job, 5.0).sent  # sent, then "killed": never recorded
        first = dict(fhir.resources)
        _work_until(lab, run_id, lambda jobs: jobs[0].state == "done")
        [done] = lab.store.deliveries(run_id)
        assert done.attempts == 2 and len(fhir.posts) == 2
        assert fhir.resources == first  # the same resources, none duplicated
        assert {p["identifier"]["value"] for p in fhir.posts} == {control_id(run_id, 1)}
    finally:
        lab.store.close()


def test_a_correction_is_sent_as_a_new_release(tmp_path: Path, cartridge_rdml: Path, mllp: MllpReceiver) -> None:
    lab = _lab(tmp_path, lis_mllp=f"127.0.0.1:{mllp.port}")
    try:
        run_id = reviewed_and_released(lab, cartridge_rdml)
        sample = lab.store.samples(run_id)[0]
        answer = lab.client("rel2").form(f"/runs/{run_id}/correct", {"sample": str(sample.id), "result": "invalid",
                                                                     "reason": "tube mix-up", "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        while lab.work():
            pass
        assert mllp.control_ids == [control_id(run_id, 1), control_id(run_id, 2)]
        parse_oru_r01(mllp.received[1])
        statuses = [segment.split("|")[25] for segment in mllp.received[1].split("\r") if segment.startswith("OBR|")]
        assert statuses.count("C") == 1 and statuses.count("F") == len(statuses) - 1  # OBR-25: the corrected one
    finally:
        lab.store.close()


@pytest.mark.parametrize(("field", "value"), [("lis_mllp", "no-port"), ("lis_mllp", "host:99999"),
                                              ("lis_fhir", "ftp://x"), ("lis_timeout_s", 0.0)])
def test_bad_lis_settings_are_refused(tmp_path: Path, field: str, value: Any) -> None:
    from chipdx.errors import InvalidParameterError
    from chipdx.service import ServiceSettings

    with pytest.raises(InvalidParameterError, match=field):
        ServiceSettings(data_dir=tmp_path, **{field: value})
    assert ServiceSettings(data_dir=tmp_path).destinations == ()
