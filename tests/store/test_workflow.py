"""The store's workflow on SQLite and on a real PostgreSQL: users, upload, job, results, review, release with
an e-signature and four eyes, corrections as new versions, tokens and lock-out."""

from __future__ import annotations

from datetime import UTC

import pytest

from chipdx.errors import AccessRefusedError, ConflictError, InvalidParameterError, NotFoundError
from chipdx.store import LOCKOUT_AFTER, Store
from tests.postgres import fast_hasher
from tests.store.factories import demo_results

PASSWORD = "a long password"


@pytest.fixture
def store(db_url: str) -> Store:
    opened = Store.open(db_url, hasher=fast_hasher())
    yield opened
    opened.close()


def _people(store: Store) -> dict[str, int]:
    return {role: store.add_user(f"{role}1", role, PASSWORD).id
            for role in ("technician", "reviewer", "releaser", "admin")}


def _analysed_run(store: Store, people: dict[str, int]) -> int:
    run, _job = store.add_run("demo.rdml", b"<rdml/>", by=people["technician"], assay="cdc-2019-ncov")
    job = store.claim_job("w1")
    assert job is not None
    reactions, samples = demo_results()
    store.complete_job(job.id, "w1", reactions=reactions, samples=samples)
    return run.id


def test_users_roles_and_passwords(store: Store) -> None:
    people = _people(store)
    assert [u.name for u in store.users()] == ["admin1", "releaser1", "reviewer1", "technician1"]
    assert store.authenticate("reviewer1", PASSWORD).id == people["reviewer"]
    with pytest.raises(ConflictError, match="already exists"):
        store.add_user("reviewer1", "reviewer", PASSWORD)
    with pytest.raises(InvalidParameterError, match="role"):
        store.add_user("x", "superuser", PASSWORD)
    with pytest.raises(InvalidParameterError, match="at least 8"):
        store.add_user("y", "technician", "short")
    with pytest.raises(AccessRefusedError, match="role technician"):
        store.add_user("z", "admin", PASSWORD, by=people["technician"])
    store.add_user("z", "technician", PASSWORD, by=people["admin"])
    store.set_password("z", "another long one", by=people["admin"])
    with pytest.raises(AccessRefusedError):
        store.authenticate("z", PASSWORD)
    assert store.authenticate("z", "another long one").name == "z"
    with pytest.raises(AccessRefusedError, match="unknown user or wrong password"):
        store.authenticate("nobody", PASSWORD)


def test_lockout_after_repeated_failures(store: Store) -> None:
    _people(store)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(AccessRefusedError, match="wrong password"):
            store.authenticate("technician1", "wrong password!")
    assert store.user_by_name("technician1").locked
    with pytest.raises(AccessRefusedError, match="locked"):
        store.authenticate("technician1", PASSWORD)  # even the right password
    store.unlock("technician1")
    assert store.authenticate("technician1", PASSWORD).failed_logins == 0
    actions = [e.action for e in store.audit()]
    assert actions.count("login.fail") == LOCKOUT_AFTER and "user.lock" in actions and "user.unlock" in actions


def test_tokens(store: Store) -> None:
    people = _people(store)
    token = store.create_token(people["reviewer"])
    assert store.token_user(token).name == "reviewer1"  # type: ignore[union-attr]
    assert store.token_user(token + "x") is None
    store.revoke_token(token)
    assert store.token_user(token) is None
    expired = store.create_token(people["reviewer"], ttl_s=-1)
    assert store.token_user(expired) is None


def test_upload_analyse_review_release_correct(store: Store) -> None:
    people = _people(store)
    run_id = _analysed_run(store, people)
    run = store.run(run_id)
    assert (run.status, run.uploaded_by, len(run.sha256)) == ("done", "technician1", 64)
    assert run.uploaded_at.tzinfo is UTC
    assert [r.well for r in store.reactions(run_id)] == ["A1", "A2", "B1", "C1"]
    samples = {s.sample: s for s in store.samples(run_id)}
    assert samples["P1"].result == "detected" and [t.target for t in samples["P1"].targets] == ["N1", "N2", "RP"]
    assert [s.sample for s in store.review_queue()] == ["P2"]

    # release is refused while a result needs review, and by anyone but a releaser
    with pytest.raises(ConflictError, match="still need review"):
        store.release(run_id, by=people["releaser"], password=PASSWORD)
    with pytest.raises(AccessRefusedError, match="role reviewer"):
        store.release(run_id, by=people["reviewer"], password=PASSWORD)
    with pytest.raises(AccessRefusedError, match="role technician"):
        store.review(samples["P2"].id, by=people["technician"], result="detected", reason="looks fine")
    with pytest.raises(InvalidParameterError, match="reason"):
        store.review(samples["P2"].id, by=people["reviewer"], result="detected", reason="   ")
    with pytest.raises(AccessRefusedError):
        store.review(samples["P2"].id, by=people["technician"], result="detected", reason="late Cq, curve fine")

    reviewed = store.review(samples["P2"].id, by=people["reviewer"], result="detected", reason="late Cq, curve fine")
    assert (reviewed.result, reviewed.version, reviewed.source, reviewed.by) == ("detected", 2, "review", "reviewer1")
    assert store.review_queue() == []
    assert [v.result for v in store.history(samples["P2"].id)] == ["inconclusive", "detected"]

    with pytest.raises(AccessRefusedError, match="wrong password"):
        store.release(run_id, by=people["releaser"], password="not my password")
    release = store.release(run_id, by=people["releaser"], password=PASSWORD)
    assert (release.version, release.user) == (1, "releaser1")
    assert "approve" in release.meaning and release.at.tzinfo is UTC
    assert store.run(run_id).status == "released"
    with pytest.raises(ConflictError, match="released"):
        store.review(samples["P1"].id, by=people["reviewer"], result="not_detected", reason="changed mind")

    released = store.released(run_id)
    assert [s.result for s in released.samples] == ["detected", "detected", "not_detected"]
    assert released.corrected == (False, False, False)

    correction = store.correct(samples["P1"].id, by=people["releaser"], password=PASSWORD, result="inconclusive",
                               reason="sample swap found by the ward")
    assert correction.version == 2
    again = store.released(run_id)
    assert [s.result for s in again.samples] == ["inconclusive", "detected", "not_detected"]
    assert again.corrected == (True, False, False)
    assert [v.source for v in store.history(samples["P1"].id)] == ["analysis", "correction"]
    assert [r.version for r in store.releases(run_id)] == [1, 2]
    assert store.verify_audit().intact


def test_four_eyes(store: Store) -> None:
    people = _people(store)
    second = store.add_user("releaser2", "releaser", PASSWORD).id
    run_id = _analysed_run(store, people)
    p2 = next(s for s in store.samples(run_id) if s.sample == "P2")
    # user levels include the lower ones: a releaser may review, but then may not release that run
    store.review(p2.id, by=people["releaser"], result="detected", reason="checked the curve")
    with pytest.raises(AccessRefusedError, match="four eyes"):
        store.release(run_id, by=people["releaser"], password=PASSWORD)
    assert store.run(run_id).status == "done"
    assert store.release(run_id, by=second, password=PASSWORD).user == "releaser2"


def test_reanalysis_settings_and_four_eyes(store: Store) -> None:
    people = _people(store)
    run_id = _analysed_run(store, people)
    with pytest.raises(InvalidParameterError, match="keys"):
        store.reanalyse(run_id, by=people["reviewer"], reason="x", settings={"nonsense": "1"})
    with pytest.raises(AccessRefusedError, match="technician"):
        store.reanalyse(run_id, by=people["technician"], reason="x", settings={"exclude:A2": "1"})
    job = store.reanalyse(run_id, by=people["releaser"], reason="bubble in A2", settings={"exclude:A2": "1"})
    assert store.run(run_id).status == "queued" and store.run_settings(run_id) == {"exclude:A2": "1"}
    with pytest.raises(ConflictError, match="queued"):
        store.reanalyse(run_id, by=people["reviewer"], reason="again", settings={"threshold:N1": "0.2"})
    claimed = store.claim_job("w2")
    assert claimed is not None and claimed.id == job.id
    reactions, samples = demo_results()
    store.complete_job(job.id, "w2", reactions=reactions, samples=samples)
    assert [r.excluded for r in store.reactions(run_id)] == [False, True, False, False]
    assert {s.version for s in store.samples(run_id)} == {2}
    p2 = next(s for s in store.samples(run_id) if s.sample == "P2")
    store.review(p2.id, by=people["reviewer"], result="detected", reason="ok")
    with pytest.raises(AccessRefusedError, match="four eyes"):  # the releaser re-set the analysis
        store.release(run_id, by=people["releaser"], password=PASSWORD)
    assert store.release(run_id, by=people["admin"], password=PASSWORD).version == 1


def test_not_found_and_not_released(store: Store) -> None:
    people = _people(store)
    with pytest.raises(NotFoundError):
        store.run(999)
    with pytest.raises(NotFoundError):
        store.sample(999)
    run, _ = store.add_run("x.rdml", b"x", by=people["technician"])
    with pytest.raises(ConflictError, match="not released"):
        store.released(run.id)
    assert store.runs(search="X.RDM")[0].id == run.id
    assert store.runs(search="technician1")[0].id == run.id
    assert store.runs(search="nothing-like-this") == []
    assert store.runs(status="queued")[0].id == run.id
