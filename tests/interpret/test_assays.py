"""Assay files: the shipped ones load; broken ones fail with one clear line."""

from __future__ import annotations

import pytest

from chipdx.errors import FormatError
from chipdx.interpret.assays import load_assay, parse_assay, shipped_assays

GOOD = """id: t
version: '1'
title: test
kind: qpcr
citations: [a paper]
targets:
  - {name: A, role: pathogen, channel: FAM, cutoff: {cq: 40, comparison: strict}}
controls:
  - {id: T-C1, sample_type: ntc, expect: {A: absent}, on_fail: repeat_run}
results:
  - {id: T-1, when: {A: detected}, result: detected, action: report}
"""


def test_shipped_assays_load_with_citations_and_hashes() -> None:
    names = shipped_assays()
    assert {"cdc-2019-ncov", "who-charite-e-rdrp", "dpcr-sars-cov-2", "resp-4plex-demo"} <= set(names)
    for name in names:
        assay = load_assay(name)
        assert assay.assay_id == name and assay.citations and len(assay.sha256) == 64


def test_demo_panel_channels_match_the_simulator() -> None:
    assay = load_assay("resp-4plex-demo")
    assert {t.name: t.channel for t in assay.targets} == {"FluA": "FAM", "FluB": "HEX", "SARS-CoV-2": "Cy5",
                                                          "RNaseP": "ROX"}


def test_cdc_cutoffs_are_strict_40() -> None:
    for target in load_assay("cdc-2019-ncov").targets:
        assert (target.cutoff.cq, target.cutoff.comparison) == (40.0, "strict")


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ("comparison: strict", "comparison: lt", "targets[0].cutoff.comparison"),
        ("kind: qpcr", "kind: elisa", "kind"),
        ("role: pathogen", "role: virus", "targets[0].role"),
        ("{A: detected}", "{B: detected}", "results[0].when"),
        ("result: detected", "result: positive", "results[0].result"),
        ("action: report", "action: shrug", "results[0].action"),
        ("citations: [a paper]", "citations: []", "citations"),
        ("{cq: 40, comparison: strict}", "{comparison: strict}", "targets[0].cutoff.cq"),
        ("id: T-1", "id: T-C1", "controls/results id"),
        ("cq: 40,", "cq: -1,", "targets[0].cutoff.cq"),
        ("kind: qpcr", "kind: qpcr\nreplicates: {min_detected: 0}", "replicates.min_detected"),
        ("comparison: strict}", "comparison: strict, melt_window_c: [85, 83]}", "targets[0].cutoff.melt_window_c"),
        ("expect: {A: absent}", "expect: {A: maybe}", "controls[0].expect.A"),
    ],
)
def test_broken_assay_fails_with_one_line_naming_the_field(old: str, new: str, place: str) -> None:
    assert old in GOOD
    with pytest.raises(FormatError) as err:
        parse_assay(GOOD.replace(old, new).encode(), "bad.yaml")
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"bad.yaml: {place}: expected")


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(FormatError, match=r"^bad.yaml: line \d+: expected valid YAML"):
        parse_assay(b"id: [unclosed\n", "bad.yaml")


def test_yaml_is_never_evaluated() -> None:
    with pytest.raises(FormatError):
        parse_assay(b"!!python/object/apply:os.system ['true']\n", "evil.yaml")


def test_unknown_shipped_name_lists_the_choices() -> None:
    with pytest.raises(FormatError, match="cdc-2019-ncov"):
        load_assay("no-such-assay")
