"""Properties of the rule engine on random runs (Hypothesis): total, ordered, consistent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chipdx.interpret.assays import ACTIONS, RESULTS, load_assay
from chipdx.interpret.rules import Observation, interpret_observations

ASSAYS = {name: load_assay(name) for name in ("cdc-2019-ncov", "who-charite-e-rdrp", "resp-4plex-demo")}
cq = st.one_of(st.none(), st.floats(min_value=10.0, max_value=45.0, allow_nan=False))
curve = st.sampled_from([None, None, "amplified", "not_amplified", "review"])


@st.composite
def runs(draw: st.DrawFn) -> tuple[str, list[Observation]]:
    name = draw(st.sampled_from(sorted(ASSAYS)))
    targets = [t.name for t in ASSAYS[name].targets]
    observations = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unkn", "unkn", "pos", "ntc", "ext"]))
        for target in draw(st.lists(st.sampled_from(targets), min_size=1, max_size=6)):
            observations.append(Observation(f"s{i}", kind, target, draw(cq), curve_call=draw(curve)))
    return name, observations


@settings(max_examples=150, deadline=None)
@given(runs())
def test_every_sample_gets_one_valid_result(run: tuple[str, list[Observation]]) -> None:
    name, observations = run
    results = interpret_observations(observations, ASSAYS[name])
    assert [r.sample for r in results] == list(dict.fromkeys(o.sample for o in observations))
    for r in results:
        assert r.result in RESULTS and r.action in ACTIONS and r.reason_codes
        assert r.needs_review == (r.result == "review")
        assert r.ruleset_sha256 == ASSAYS[name].sha256
    failed = any(r.sample_type != "unkn" and r.result == "invalid" for r in results)
    if failed:
        assert all(r.result == "invalid" for r in results if r.sample_type == "unkn")
    assert interpret_observations(observations, ASSAYS[name]) == results
