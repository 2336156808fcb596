"""LIS deliveries as durable jobs on SQLite and a real PostgreSQL: queued with the release in one transaction,
never queued twice, not claimed by the analysis worker, claimed when due, retried with back-off, failed for good."""

from __future__ import annotations

import time

import pytest

from chipdx.errors import ConflictError, InvalidParameterError
from chipdx.store import MAX_DELIVERY_ATTEMPTS, Store
from tests.store.test_workflow import PASSWORD, _analysed_run, _people

DESTINATIONS = ("mllp:127.0.0.1:2575", "fhir:http://127.0.0.1:8080/fhir")


def _released(store: Store) -> tuple[dict[str, int], int]:
    people = _people(store)
    run_id = _analysed_run(store, people)
    for sample in store.samples(run_id):
        if sample.needs_review or sample.result == "review":
            store.review(sample.id, by=people["reviewer"], result="invalid", reason="checked")
    store.release(run_id, by=people["releaser"], password=PASSWORD, deliver_to=DESTINATIONS)
    return people, run_id


def test_release_queues_one_delivery_per_destination(store: Store) -> None:
    people, run_id = _released(store)
    jobs = store.deliveries(run_id)
    assert [(j.kind, j.destination, j.state, j.release_version) for j in jobs] == \
        [("lis", d, "queued", 1) for d in DESTINATIONS]
    assert store.claim_job("analyser") is None  # the analysis worker never takes a delivery
    assert [e.action for e in store.audit(run_id)].count("lis.queue") == 2
    sample = store.samples(run_id)[0]
    store.correct(sample.id, by=people["admin"], password=PASSWORD, result="invalid", reason="mix-up",
                  deliver_to=DESTINATIONS)
    assert [j.release_version for j in store.deliveries(run_id)] == [1, 1, 2, 2]
    assert store.released(run_id, 1).release.version == 1 and store.released(run_id).release.version == 2
    with pytest.raises(ConflictError, match="version 3"):
        store.released(run_id, 3)


def test_done_once_retry_with_back_off_and_give_up(store: Store) -> None:
    _, run_id = _released(store)
    first = store.claim_delivery("w1", lease_s=30)
    second = store.claim_delivery("w2", lease_s=30)
    assert first is not None and second is not None and first.id != second.id
    assert store.claim_delivery("w3") is None  # both are held
    store.delivery_done(first.id, "w1", "MSA-1 AA")
    with pytest.raises(ConflictError):
        store.delivery_done(first.id, "w1", "again")  # a done delivery cannot be done (sent) again
    retried = store.delivery_failed(second.id, "w2", "connection refused", retry=True, backoff_s=0.05)
    assert retried.state == "queued" and retried.not_before is not None
    for attempt in range(2, MAX_DELIVERY_ATTEMPTS + 1):
        deadline = time.monotonic() + 30
        while (job := store.claim_delivery("w2", lease_s=30)) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job is not None and job.attempts == attempt
        last = store.delivery_failed(job.id, "w2", "connection refused", retry=True, backoff_s=0.001)
    assert last.state == "failed"  # attempts used up
    actions = [e.action for e in store.audit(run_id) if e.action.startswith("lis.")]
    assert actions.count("lis.sent") == 1 and actions.count("lis.retry") == MAX_DELIVERY_ATTEMPTS - 1
    assert actions[-1] == "lis.fail" and store.verify_audit().intact


def test_destinations_are_checked(store: Store) -> None:
    people = _people(store)
    run_id = _analysed_run(store, people)
    for sample in store.samples(run_id):
        if sample.needs_review or sample.result == "review":
            store.review(sample.id, by=people["reviewer"], result="invalid", reason="checked")
    with pytest.raises(InvalidParameterError, match="destination"):
        store.release(run_id, by=people["releaser"], password=PASSWORD, deliver_to=("nowhere",))
    assert store.run(run_id).status == "done" and store.deliveries(run_id) == []  # nothing half-done
