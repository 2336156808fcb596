"""Golden multiplex tests: every combination of the 4-plex panel's target calls, in specimens and in controls.

The expected outcome is written from the panel's reading (``resp-4plex-demo.yaml`` and
``docs/interpretation.md``), not from the engine: each pathogen is reported on its own, so a
sample names every detected pathogen (co-infections included); RNase P only decides whether a
sample with no pathogen is a valid negative; a target in review holds the sample for review but
keeps what is already certain; a control that shows anything but its expected calls invalidates
every specimen of the run.
"""

from __future__ import annotations

import itertools

import pytest

from chipdx.interpret.assays import load_assay
from chipdx.interpret.rules import Observation, interpret_observations

PANEL = ("FluA", "FluB", "SARS-CoV-2", "RNaseP")
PATHOGENS = PANEL[:3]
ROW = {"FluA": "RESP-1", "FluB": "RESP-2", "SARS-CoV-2": "RESP-3"}
NOTE = {"FluA": "influenza A detected", "FluB": "influenza B detected", "SARS-CoV-2": "SARS-CoV-2 detected"}
CALLS = ("detected", "not_detected", "review")
EXPECT = {"pos": dict.fromkeys(PANEL, "detected"), "ntc": dict.fromkeys(PANEL, "not_detected"),
          "ext": {**dict.fromkeys(PATHOGENS, "not_detected"), "RNaseP": "detected"}}
ON_FAIL = {"pos": ("RESP-C1", "repeat_run"), "ntc": ("RESP-C2", "repeat_run"), "ext": ("RESP-C3", "re_extract")}
ASSAY = load_assay("resp-4plex-demo")


def observations(sample: str, sample_type: str, calls: dict[str, str]) -> list[Observation]:
    """One reaction per target showing the call: Cq 30, no Cq, or a curve the classifier sent to review."""
    return [Observation(sample, sample_type, t, None if c == "not_detected" else 30.0,
                        curve_call="review" if c == "review" else None) for t, c in calls.items()]


def passing_controls() -> list[Observation]:
    return [o for kind, calls in EXPECT.items() for o in observations(kind.upper(), kind, calls)]


def expected_specimen(calls: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """(result, detected pathogens) as the panel reads them."""
    detected = tuple(p for p in PATHOGENS if calls[p] == "detected")
    if any(calls[p] == "review" for p in PATHOGENS):
        return "review", detected
    if detected:
        return "detected", detected
    return {"detected": "not_detected", "not_detected": "invalid", "review": "review"}[calls["RNaseP"]], ()


SPECIMENS = [dict(zip(PANEL, combo, strict=True)) for combo in itertools.product(CALLS, repeat=4)]


@pytest.mark.parametrize("calls", SPECIMENS, ids=["-".join(c[:3] for c in s.values()) for s in SPECIMENS])
def test_every_specimen_combination_names_every_detected_pathogen(calls: dict[str, str]) -> None:
    results = interpret_observations([*passing_controls(), *observations("S1", "unkn", calls)], ASSAY)
    (r,) = [r for r in results if r.sample == "S1"]
    result, detected = expected_specimen(calls)
    assert (r.result, r.detected) == (result, detected)
    assert r.needs_review == (result == "review")
    if result == "detected":  # codes and words for each pathogen of a co-infection
        assert r.rule_ids == tuple(ROW[p] for p in detected) and r.action == "report"
        assert [f.split(" (")[0] for f in r.findings] == [NOTE[p] for p in detected]
    if result == "review" and detected:
        assert "TARGET-REVIEW" in r.reason_codes and all(ROW[p] in r.rule_ids for p in detected)
    if result == "invalid":
        assert r.action == "re_extract" and r.rule_ids == ("RESP-5",)
    held = "invalid" if result == "invalid" else None
    assert {t.target: t.result for t in r.targets} == {t: held or c for t, c in calls.items()}


CONTROL_CASES = [(kind, dict(zip(PANEL, combo, strict=True)))
                 for kind in EXPECT for combo in itertools.product(CALLS, repeat=4)]


@pytest.mark.parametrize(("kind", "calls"), CONTROL_CASES,
                         ids=[f"{k}-" + "-".join(c[:3] for c in s.values()) for k, s in CONTROL_CASES])
def test_every_control_combination_passes_fails_or_holds_the_run(kind: str, calls: dict[str, str]) -> None:
    controls = [o for o in passing_controls() if o.sample_type != kind] + observations("CTRL", kind, calls)
    coinfection = {"FluA": "detected", "FluB": "not_detected", "SARS-CoV-2": "detected", "RNaseP": "detected"}
    results = {r.sample: r for r in interpret_observations([*controls, *observations("S1", "unkn", coinfection)],
                                                           ASSAY)}
    control, specimen = results["CTRL"], results["S1"]
    wrong = [t for t in PANEL if calls[t] != EXPECT[kind][t] and calls[t] != "review"]
    rule, action = ON_FAIL[kind]
    assert control.detected == ()  # a control detects no pathogen, even a passing positive control
    if wrong:
        assert (control.result, specimen.result, specimen.action) == ("invalid", "invalid", action)
        assert rule in specimen.rule_ids and specimen.detected == ()
        assert all(t.result == "invalid" for t in specimen.targets)
        (finding,) = control.findings
        assert finding.startswith(f"{rule} failed") and all(t in finding for t in wrong)
    elif "review" in calls.values():
        assert (control.result, specimen.result) == ("review", "review")
        assert all(t.result == "review" for t in specimen.targets)
    else:
        expected = "detected" if kind == "pos" else "not_detected"
        assert (control.result, control.action) == (expected, "accept")
        assert control.findings[0].startswith(f"{rule} passed")
        assert (specimen.result, specimen.detected) == ("detected", ("FluA", "SARS-CoV-2"))


def test_an_earlier_row_of_another_result_outranks_a_later_match() -> None:
    """dPCR table: N1 below the partition minimum is invalid even if N1, N2 would read as detected."""
    p = 20000
    values = {"N1": (10.0, p), "N2": (10.0, p), "RP": (5.0, 10)}
    obs = [Observation("S1", "unkn", t, copies_per_ul=c, n_partitions=n) for t, (c, n) in values.items()]
    (r,) = interpret_observations(obs, load_assay("dpcr-sars-cov-2"), require_controls=False)
    assert (r.result, r.rule_ids, r.detected) == ("invalid", ("DPCR-5c",), ())
