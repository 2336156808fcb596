"""Golden decision-table tests: every row of every shipped assay, plus the edges (IFU facts)."""

from __future__ import annotations

import pytest

from chipdx.interpret.assays import load_assay, parse_assay
from chipdx.interpret.rules import Observation, interpret_observations

D, N = 30.0, None  # a detected Cq and "no Cq"

CONTROLS = {
    "cdc-2019-ncov": [("PC", "pos", {"N1": 28.0, "N2": 29.0, "RP": 27.0}), ("NTC", "ntc", {"N1": N, "N2": N, "RP": N}),
                      ("HSC", "ext", {"N1": N, "N2": N, "RP": 31.0})],
    "who-charite-e-rdrp": [("PC", "pos", {"E": 28.0, "RdRp": 29.0, "IC": 30.0}),
                           ("NTC", "ntc", {"E": N, "RdRp": N, "IC": N})],
    "resp-4plex-demo": [("PC", "pos", {"FluA": 28.0, "FluB": 28.0, "SARS-CoV-2": 28.0, "RNaseP": 28.0}),
                        ("NTC", "ntc", {"FluA": N, "FluB": N, "SARS-CoV-2": N, "RNaseP": N}),
                        ("EC", "ext", {"FluA": N, "FluB": N, "SARS-CoV-2": N, "RNaseP": 31.0})],
}


def run(assay_id: str, specimen: dict[str, float | None], controls: list | None = None) -> list:
    obs = []
    for name, kind, values in (CONTROLS[assay_id] if controls is None else controls):
        obs += [Observation(name, kind, t, cq) for t, cq in values.items()]
    obs += [Observation("S1", "unkn", t, cq) for t, cq in specimen.items()]
    return list(interpret_observations(obs, load_assay(assay_id)))


def specimen(results: list) -> tuple[str, str, tuple[str, ...]]:
    (r,) = [r for r in results if r.sample == "S1"]
    return r.result, r.action, r.rule_ids


# (assay, specimen Cq per target, result, action, rule id) — from the IFU / research tables
GOLDEN = [
    ("cdc-2019-ncov", {"N1": D, "N2": D, "RP": D}, "detected", "report", "CDC-1"),
    ("cdc-2019-ncov", {"N1": D, "N2": D, "RP": N}, "detected", "report", "CDC-1"),  # RP- with N1+N2+: valid positive
    ("cdc-2019-ncov", {"N1": D, "N2": N, "RP": D}, "inconclusive", "repeat_test", "CDC-2"),
    ("cdc-2019-ncov", {"N1": D, "N2": N, "RP": N}, "inconclusive", "repeat_test", "CDC-2"),
    ("cdc-2019-ncov", {"N1": N, "N2": D, "RP": D}, "inconclusive", "repeat_test", "CDC-3"),
    ("cdc-2019-ncov", {"N1": N, "N2": D, "RP": N}, "inconclusive", "repeat_test", "CDC-3"),
    ("cdc-2019-ncov", {"N1": N, "N2": N, "RP": D}, "not_detected", "report", "CDC-4"),
    ("cdc-2019-ncov", {"N1": N, "N2": N, "RP": N}, "invalid", "re_extract", "CDC-5"),
    ("cdc-2019-ncov", {"N1": 40.0, "N2": 40.0, "RP": D}, "not_detected", "report", "CDC-4"),  # 40.00 is not < 40.00
    ("cdc-2019-ncov", {"N1": 39.99, "N2": 39.99, "RP": 40.0}, "detected", "report", "CDC-1"),
    ("cdc-2019-ncov", {"N1": 39.99, "N2": 40.0, "RP": D}, "inconclusive", "repeat_test", "CDC-2"),
    ("cdc-2019-ncov", {"N1": N, "N2": N, "RP": 40.0}, "invalid", "re_extract", "CDC-5"),
    ("who-charite-e-rdrp", {"E": D, "RdRp": D, "IC": D}, "detected", "report", "WHO-1"),
    ("who-charite-e-rdrp", {"E": D, "RdRp": D, "IC": N}, "detected", "report", "WHO-1"),
    ("who-charite-e-rdrp", {"E": D, "RdRp": N, "IC": D}, "presumptive_positive", "confirm", "WHO-2"),
    ("who-charite-e-rdrp", {"E": N, "RdRp": D, "IC": D}, "inconclusive", "repeat_test", "WHO-3"),
    ("who-charite-e-rdrp", {"E": N, "RdRp": N, "IC": D}, "not_detected", "report", "WHO-4"),
    ("who-charite-e-rdrp", {"E": N, "RdRp": N, "IC": N}, "invalid", "re_extract", "WHO-5"),
    ("who-charite-e-rdrp", {"E": 40.0, "RdRp": N, "IC": D}, "not_detected", "report", "WHO-4"),
    ("resp-4plex-demo", {"FluA": D, "FluB": N, "SARS-CoV-2": N, "RNaseP": D}, "detected", "report", "RESP-1"),
    ("resp-4plex-demo", {"FluA": D, "FluB": N, "SARS-CoV-2": N, "RNaseP": N}, "detected", "report", "RESP-1"),
    ("resp-4plex-demo", {"FluA": N, "FluB": D, "SARS-CoV-2": N, "RNaseP": D}, "detected", "report", "RESP-2"),
    ("resp-4plex-demo", {"FluA": N, "FluB": N, "SARS-CoV-2": D, "RNaseP": D}, "detected", "report", "RESP-3"),
    ("resp-4plex-demo", {"FluA": D, "FluB": D, "SARS-CoV-2": D, "RNaseP": D}, "detected", "report",
     "RESP-1;RESP-2;RESP-3"),  # a triple infection names every pathogen
    ("resp-4plex-demo", {"FluA": N, "FluB": N, "SARS-CoV-2": N, "RNaseP": D}, "not_detected", "report", "RESP-4"),
    ("resp-4plex-demo", {"FluA": N, "FluB": N, "SARS-CoV-2": N, "RNaseP": N}, "invalid", "re_extract", "RESP-5"),
    ("resp-4plex-demo", {"FluA": 40.0, "FluB": N, "SARS-CoV-2": N, "RNaseP": D}, "not_detected", "report", "RESP-4"),
]


@pytest.mark.parametrize(("assay", "values", "result", "action", "rule"), GOLDEN,
                         ids=[f"{g[0]}-{g[4]}-{i}" for i, g in enumerate(GOLDEN)])
def test_every_row_and_edge(assay: str, values: dict, result: str, action: str, rule: str) -> None:
    assert specimen(run(assay, values)) == (result, action, tuple(rule.split(";")))


def test_every_shipped_row_is_covered_by_a_golden_case() -> None:
    covered = {(g[0], r) for g in GOLDEN for r in g[4].split(";")} | {("dpcr-sars-cov-2", r) for r in DPCR_ROWS}
    for name in ("cdc-2019-ncov", "who-charite-e-rdrp", "resp-4plex-demo", "dpcr-sars-cov-2"):
        for row in load_assay(name).results:
            assert (name, row.rule_id) in covered, f"{name} row {row.rule_id} has no golden test"


@pytest.mark.parametrize(
    ("change", "rule", "action"),
    [
        (("PC", "N1", 40.0), "CDC-C1", "repeat_run"),      # positive control at 40.00 fails
        (("PC", "RP", None), "CDC-C1", "repeat_run"),
        (("NTC", "N2", 38.0), "CDC-C2", "repeat_run"),     # NTC amplified: contamination
        (("NTC", "RP", 41.0), "CDC-C2", "repeat_run"),     # any NTC crossing counts, even late
        (("HSC", "RP", None), "CDC-C3", "re_extract"),
        (("HSC", "N1", 35.0), "CDC-C4", "re_extract"),     # HSC positive for N1: extraction contamination
    ],
)
def test_any_cdc_control_failure_invalidates_every_specimen(change: tuple, rule: str, action: str) -> None:
    sample, target, cq = change
    controls = [(n, k, dict(v)) for n, k, v in CONTROLS["cdc-2019-ncov"]]
    for name, _, values in controls:
        if name == sample:
            values[target] = cq
    results = run("cdc-2019-ncov", {"N1": D, "N2": D, "RP": D}, controls)
    assert specimen(results) == ("invalid", action, (rule,))
    (failed,) = [r for r in results if r.sample == sample]
    assert failed.result == "invalid" and rule in failed.rule_ids


def test_passing_controls_are_reported_valid() -> None:
    results = {r.sample: r for r in run("cdc-2019-ncov", {"N1": N, "N2": N, "RP": D})}
    assert [results[s].action for s in ("PC", "NTC", "HSC")] == ["accept"] * 3
    assert results["PC"].result == "detected" and results["NTC"].result == "not_detected"


def test_missing_control_invalidates_unless_waived() -> None:
    controls = CONTROLS["cdc-2019-ncov"][:2]  # no HSC
    result, _, rules = specimen(run("cdc-2019-ncov", {"N1": D, "N2": D, "RP": D}, controls))
    assert result == "invalid" and "CDC-C3" in rules
    obs = [Observation("S1", "unkn", t, D) for t in ("N1", "N2", "RP")]
    (only,) = interpret_observations(obs, load_assay("cdc-2019-ncov"), require_controls=False)
    assert only.result == "detected"


def test_missing_target_is_invalid() -> None:
    result, action, _ = specimen(run("cdc-2019-ncov", {"N1": N, "N2": N}))
    assert (result, action) == ("invalid", "repeat_test")


def test_replicate_discordance_goes_to_review() -> None:
    obs = [Observation("S1", "unkn", "N1", 30.0), Observation("S1", "unkn", "N1", None),
           Observation("S1", "unkn", "N2", 30.0), Observation("S1", "unkn", "RP", 30.0)]
    (r,) = interpret_observations(obs, load_assay("cdc-2019-ncov"), require_controls=False)
    assert r.result == "review" and "REPLICATE-DISCORDANT" in r.reason_codes and r.needs_review


def test_replicate_cq_spread_goes_to_review() -> None:
    values = {"FluA": 25.0, "FluB": N, "SARS-CoV-2": N, "RNaseP": 30.0}
    obs = [Observation("S1", "unkn", t, c) for t, c in values.items()] + [Observation("S1", "unkn", "FluA", 27.0)]
    (r,) = interpret_observations(obs, load_assay("resp-4plex-demo"), require_controls=False)
    assert r.result == "review" and "REPLICATE-DISCORDANT" in r.reason_codes


def test_curve_review_blocks_only_rows_that_depend_on_it() -> None:
    assay = load_assay("cdc-2019-ncov")
    base = {"N1": D, "N2": D}
    obs = [Observation("S1", "unkn", t, c) for t, c in base.items()]
    (r,) = interpret_observations([*obs, Observation("S1", "unkn", "RP", None, curve_call="review")], assay,
                                  require_controls=False)
    assert r.result == "detected"  # CDC-1 does not look at RP
    obs = [Observation("S1", "unkn", "N1", D, curve_call="review"), Observation("S1", "unkn", "N2", D),
           Observation("S1", "unkn", "RP", D)]
    (r,) = interpret_observations(obs, assay, require_controls=False)
    assert r.result == "review" and "TARGET-REVIEW" in r.reason_codes
    (n1,) = [t for t in r.targets if t.target == "N1"]
    assert n1.needs_review and n1.call == "review" and "AI-REVIEW" in n1.reason_codes


def test_classifier_not_amplified_overrides_a_cq() -> None:
    obs = [Observation("S1", "unkn", "N1", 35.0, curve_call="not_amplified"), Observation("S1", "unkn", "N2", None),
           Observation("S1", "unkn", "RP", 25.0)]
    (r,) = interpret_observations(obs, load_assay("cdc-2019-ncov"), require_controls=False)
    assert r.result == "not_detected" and "AI-NOT-AMPLIFIED" in r.reason_codes


def test_inclusive_cutoff_counts_the_boundary() -> None:
    text = (b"id: t\nversion: '1'\ntitle: t\nkind: qpcr\ncitations: [x]\n"
            b"targets:\n - {name: A, role: pathogen, cutoff: {cq: 35, comparison: inclusive}}\n"
            b"results:\n - {id: T-1, when: {A: detected}, result: detected, action: report}\n"
            b" - {id: T-2, when: {A: not_detected}, result: not_detected, action: report}\n")
    assay = parse_assay(text, "t.yaml")
    calls = [interpret_observations([Observation("s", "unkn", "A", cq)], assay)[0].result for cq in (35.0, 35.01)]
    assert calls == ["detected", "not_detected"]


def test_outputs_carry_provenance() -> None:
    assay = load_assay("cdc-2019-ncov")
    (r,) = interpret_observations([Observation("S1", "unkn", t, D) for t in ("N1", "N2", "RP")], assay,
                                  require_controls=False, model_id="m", model_sha256="abc")
    assert r.ruleset_id == assay.ruleset_id and r.ruleset_sha256 == assay.sha256 and r.model_sha256 == "abc"
    assert {t.target for t in r.targets} == {"N1", "N2", "RP"}
    assert all(t.rule_ids == ("CDC-1",) and t.software_version for t in r.targets)


# dPCR: copies/uL and accepted partitions per target
P = 20000
DPCR_ROWS = {
    "DPCR-1": ({"N1": (10.0, P), "N2": (10.0, P), "RP": (0.0, P)}, "detected"),
    "DPCR-2": ({"N1": (10.0, P), "N2": (0.0, P), "RP": (5.0, P)}, "inconclusive"),
    "DPCR-3": ({"N1": (0.0, P), "N2": (10.0, P), "RP": (5.0, P)}, "inconclusive"),
    "DPCR-4": ({"N1": (0.0, P), "N2": (0.0, P), "RP": (5.0, P)}, "not_detected"),
    "DPCR-6": ({"N1": (0.0, P), "N2": (0.0, P), "RP": (0.0, P)}, "invalid"),
    "DPCR-5": ({"N1": (10.0, 9999), "N2": (10.0, P), "RP": (5.0, P)}, "invalid"),
    "DPCR-5b": ({"N1": (10.0, P), "N2": (10.0, 5000), "RP": (5.0, P)}, "invalid"),
    "DPCR-5c": ({"N1": (0.0, P), "N2": (0.0, P), "RP": (5.0, 10)}, "invalid"),
}


@pytest.mark.parametrize("rule", sorted(DPCR_ROWS))
def test_dpcr_rows(rule: str) -> None:
    values, result = DPCR_ROWS[rule]
    obs = [Observation("S1", "unkn", t, copies_per_ul=c, n_partitions=n) for t, (c, n) in values.items()]
    (r,) = interpret_observations(obs, load_assay("dpcr-sars-cov-2"), require_controls=False)
    assert (r.result, r.rule_ids) == (result, (rule,))


def test_dpcr_below_lod_is_detected_with_a_reason() -> None:
    obs = [Observation("S1", "unkn", "N1", copies_per_ul=1.0, n_partitions=P),
           Observation("S1", "unkn", "N2", copies_per_ul=6.0, n_partitions=P),
           Observation("S1", "unkn", "RP", copies_per_ul=3.0, n_partitions=P)]
    (r,) = interpret_observations(obs, load_assay("dpcr-sars-cov-2"), require_controls=False)
    (n1,) = [t for t in r.targets if t.target == "N1"]
    assert r.result == "detected" and "BELOW-LOD" in n1.reason_codes


def test_control_type_without_a_rule_is_held_for_review() -> None:
    obs = [Observation("blank", "ext", t, None) for t in ("E", "RdRp", "IC")]
    (r,) = interpret_observations(obs, load_assay("who-charite-e-rdrp"), require_controls=False)
    assert (r.result, r.reason_codes) == ("review", ("NO-CONTROL-RULE",))


def melt_assay(rows: list[dict[str, str]]) -> bytes:
    targets = "".join(f" - {{name: {r['short_name']}{i}, role: pathogen, cutoff: {{cq: 40, melt_window_c: "
                      f"[{r['tm_lower_C']}, {r['tm_upper_C']}]}}}}\n" for i, r in enumerate(rows))
    return (b"id: melt\nversion: '1'\ntitle: melt windows\nkind: qpcr\ncitations: [PyMLRS Threshold.xlsx]\n"
            + b"targets:\n" + targets.encode()
            + b"results:\n - {id: M-1, when: {" + f"{rows[0]['short_name']}0".encode()
            + b": detected}, result: detected, action: report}\n")


def test_melt_windows_of_the_pymlrs_table() -> None:
    import csv

    from tests.conftest import shared

    with shared("ai", "pymlrs_mep_tm_windows", "tm_windows.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assay = parse_assay(melt_assay(rows), "melt.yaml")
    for i, row in enumerate(rows):
        low, high = float(row["tm_lower_C"]), float(row["tm_upper_C"])
        cases = [(low, "detected"), (high, "detected"), ((low + high) / 2, "detected"),
                 (low - 0.5, "review"), (low - 1.0, "review"), (high + 0.5, "review"),
                 (high + 1.0, "not_detected"), (low - 1.01, "not_detected"), (None, "review")]
        for tm, call in cases:
            obs = [Observation("s", "unkn", f"{row['short_name']}{i}", 25.0, tm_c=tm)]
            ((target,),) = [r.targets for r in interpret_observations(obs, assay)]
            assert target.call == call, (row["target"], tm)


BIOFIRE = (b"id: bf\nversion: '1'\ntitle: 2 of 3\nkind: qpcr\ncitations: [BioFire BF-1, BF-2]\n"
           b"replicates: {min_detected: 2, max_tm_spread_c: 1.0}\n"
           b"targets:\n - {name: A, role: pathogen, cutoff: {cq: 30, melt_window_c: [80, 84]}}\n"
           b"results:\n - {id: BF-2a, when: {A: detected}, result: detected, action: report}\n"
           b" - {id: BF-2b, when: {A: not_detected}, result: not_detected, action: report}\n")


@pytest.mark.parametrize(
    ("wells", "call", "reason"),
    [
        ([(25.0, 82.0), (26.0, 82.5), (None, None)], "detected", "REPLICATES-K-OF-N"),
        ([(25.0, 82.0), (26.0, 82.5), (27.0, 82.9)], "detected", "REPLICATES-K-OF-N"),
        ([(25.0, 82.0), (None, None), (None, None)], "not_detected", "REPLICATES-BELOW-K"),
        ([(25.0, 80.0), (26.0, 81.5), (None, None)], "not_detected", "REPLICATE-TM-SPREAD"),
        ([(25.0, 82.0), (26.0, 86.0), (None, None)], "not_detected", "REPLICATES-BELOW-K"),  # Tm outside window
        ([(25.0, 82.0), (26.0, 82.0), (27.0, 84.5)], "review", "TM-NEAR-WINDOW"),
    ],
)
def test_two_of_three_replicates_with_agreeing_tm(wells: list, call: str, reason: str) -> None:
    assay = parse_assay(BIOFIRE, "bf.yaml")
    obs = [Observation("s", "unkn", "A", cq, tm_c=tm) for cq, tm in wells]
    (r,) = interpret_observations(obs, assay)
    (target,) = r.targets
    assert target.call == call and reason in target.reason_codes


@pytest.mark.parametrize("extraction_control", [
    {"FluA": N, "FluB": N, "SARS-CoV-2": N, "RNaseP": N},  # no human RNA came through extraction
    {"FluA": 33.0, "FluB": N, "SARS-CoV-2": N, "RNaseP": 31.0},  # contamination during extraction
])
def test_a_failed_extraction_control_invalidates_the_specimens(extraction_control: dict) -> None:
    controls = [*CONTROLS["resp-4plex-demo"][:2], ("EC", "ext", extraction_control)]
    result, action, rules = specimen(run("resp-4plex-demo", {"FluA": D, "FluB": N, "SARS-CoV-2": N, "RNaseP": D},
                                         controls))
    assert (result, action) == ("invalid", "re_extract")
    assert "RESP-C3" in rules
