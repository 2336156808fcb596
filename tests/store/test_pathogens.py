"""The store keeps every detected pathogen and the findings of a result (SQLite and PostgreSQL); a person's
override keeps them consistent with the new result."""

from __future__ import annotations

from dataclasses import replace

from chipdx.store import Store
from chipdx.store._results import overridden
from tests.store.factories import demo_results, sample, target
from tests.store.test_workflow import PASSWORD, _people


def test_co_infection_is_kept_and_released(store: Store) -> None:
    people = _people(store)
    run, _ = store.add_run("multiplex.rdml", b"<rdml/>", by=people["technician"], assay="resp-4plex-demo")
    job = store.claim_job("w1")
    assert job is not None
    co = replace(sample("S1"), detected=("SARS-CoV-2", "FluA"), findings=("SARS-CoV-2 and FluA detected",),
                 targets=(target("S1", "SARS-CoV-2"), target("S1", "FluA"), target("S1", "FluB", call="not_detected")))
    reactions, _samples = demo_results()
    store.complete_job(job.id, "w1", reactions=reactions, samples=[co])
    [kept] = store.samples(run.id)
    assert (kept.detected, kept.findings) == (co.detected, co.findings)
    assert [t.result for t in kept.targets] == ["detected", "detected", "not_detected"]
    store.release(run.id, by=people["releaser"], password=PASSWORD)
    assert store.released(run.id).samples == (co,)  # exactly what the analysis gave


def test_override_keeps_the_pathogens_consistent() -> None:
    assert overridden(sample("P1", "detected"), "not_detected").detected == ()
    assert overridden(sample("P1", "detected"), "presumptive_positive").detected == ("N1", "N2")
    made = overridden(sample("P1", "inconclusive"), "detected")
    assert made.detected == ("N1",) and made.result == "detected" and not made.needs_review
