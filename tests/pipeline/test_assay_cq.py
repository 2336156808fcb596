"""The Cq an assay's cut-offs are defined on (the assay file's ``cq:`` block), computed for the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipdx import io, pipeline
from chipdx.errors import FormatError
from chipdx.interpret.assays import CqDefinition, load_assay, parse_assay
from tests.conftest import shared

STEPONE = ("formats", "rdml", "abi_stepone_std.rdml")  # RNase P; A4-A6 instrument Cq 28.96 / 28.84 / 28.97

_HEAD = """id: t
version: "1"
title: test assay
kind: {kind}
citations: ["test"]
"""
_QPCR = """targets:
  - {name: RNase P, role: pathogen, channel: FAM, cutoff: {cq: 28.7, comparison: strict}}
results:
  - {id: T-1, when: {RNase P: detected}, result: detected, action: report}
  - {id: T-2, when: {RNase P: not_detected}, result: not_detected, action: report}
"""
_DPCR = """targets:
  - {name: N1, role: pathogen, channel: FAM, cutoff: {lob_copies_per_ul: 0.0}}
results:
  - {id: D-1, when: {N1: detected}, result: detected, action: report}
"""


def _assay(cq: str, kind: str = "qpcr") -> bytes:
    return (_HEAD.format(kind=kind) + (f"cq: {cq}\n" if cq else "") + (_QPCR if kind == "qpcr" else _DPCR)).encode()


def test_shipped_assays_state_their_cq() -> None:
    assert load_assay("cdc-2019-ncov").cq == CqDefinition("instrument", fallback="threshold")
    assert load_assay("who-charite-e-rdrp").cq.method == "instrument"
    assert load_assay("resp-4plex-demo").cq == CqDefinition("sdm")


def test_cq_block_is_parsed() -> None:
    cq = parse_assay(_assay("{method: threshold, baseline: [3, 15], threshold: {RNase P: 0.2}}"), "a.yaml").cq
    assert cq == CqDefinition("threshold", (3, 15), (("RNase P", 0.2),))
    assert "baseline cycles 3-15; threshold RNase P 0.2" in cq.describe()
    assert parse_assay(_assay(""), "a.yaml").cq == CqDefinition()  # omitted: the second-derivative maximum


@pytest.mark.parametrize(("cq", "kind", "place", "expected"), [
    ("{method: ct}", "qpcr", "cq.method", "one of sdm, threshold, instrument"),
    ("{method: threshold, baseline: [15, 3]}", "qpcr", "cq.baseline", "auto or [first, last]"),
    ("{method: threshold, baseline: linreg}", "qpcr", "cq.baseline", "auto or [first, last]"),
    ("{method: threshold, threshold: {RP: 0.2}}", "qpcr", "cq.threshold", "a target declared under targets"),
    ("{method: threshold, threshold: {RNase P: -1}}", "qpcr", "cq.threshold.RNase P", "a fluorescence threshold > 0"),
    ("{method: threshold, threshold: 0.2}", "qpcr", "cq.threshold", "auto or a mapping"),
    ("{method: instrument, fallback: cy0}", "qpcr", "cq.fallback", "one of threshold, sdm"),
    ("{method: sdm, fallback: sdm}", "qpcr", "cq.fallback", "only with method: instrument"),
    ("{method: sdm, threshold: {RNase P: 1}}", "qpcr", "cq.threshold", "only with method: threshold"),
    ("{method: sdm, cutoff: 40}", "qpcr", "cq.cutoff", "one of the keys method, baseline, threshold, fallback"),
    ("{method: sdm}", "dpcr", "cq", "no cq block in a dpcr assay"),
])
def test_bad_cq_block_is_one_line_naming_file_field_allowed_and_found(cq: str, kind: str, place: str,
                                                                      expected: str) -> None:
    with pytest.raises(FormatError) as err:
        parse_assay(_assay(cq, kind), "my-assay.yaml")
    message = str(err.value)
    assert "\n" not in message and message.startswith("my-assay.yaml")
    assert place in message and expected in message and "found" in message


def _calls(tmp_path: Path, cq: str, *extra: str) -> dict[str, tuple[str, str, str]]:
    """sample -> (result, cq_method, Cq of its first replicate) from ``interpret`` on the StepOne run."""
    from chipdx.cli import main

    (tmp_path / "a.yaml").write_bytes(_assay(cq))
    calls, targets = tmp_path / "calls.csv", tmp_path / "targets.csv"
    assert main(["interpret", str(shared(*STEPONE)), "--assay", str(tmp_path / "a.yaml"), "--no-control-check",
                 "-o", str(calls), "--targets-out", str(targets), *extra]) == 0
    rows = [line.split(",") for line in calls.read_text().splitlines()]
    header = rows[0]
    cq_by = {line.split(",")[0]: line.split(",")[4] for line in targets.read_text().splitlines()[1:]}
    return {r[0]: (r[header.index("result")], r[header.index("cq_method")], cq_by.get(r[0], "")) for r in rows[1:]}


def test_the_cut_off_is_compared_with_the_assays_cq(tmp_path: Path) -> None:
    # pop1 (A4-A6): instrument Cq 28.84-28.97 >= 28.7; chipdx's SDM 28.36-28.45 and threshold Cq ~26 < 28.7
    assert _calls(tmp_path, "{method: instrument}")["pop1_RNase P"][:2] == ("not_detected", "instrument")
    assert _calls(tmp_path, "{method: sdm}")["pop1_RNase P"][:2] == ("detected", "sdm")
    threshold = _calls(tmp_path, "{method: threshold}")["pop1_RNase P"]
    assert threshold[:2] == ("detected", "threshold") and float(threshold[2]) < 27


def test_assay_threshold_is_the_reading_of_a_manual_threshold(tmp_path: Path) -> None:
    from chipdx.cli import main

    by_assay = _calls(tmp_path, "{method: threshold, threshold: {RNase P: 0.5}}")
    manual = _calls(tmp_path, "{method: sdm}", "--threshold", "RNase P=0.5")
    assert by_assay["pop1_RNase P"][1] == "threshold" and manual["pop1_RNase P"][1] == "threshold-manual"
    assert {k: (v[0], v[2]) for k, v in by_assay.items()} == {k: (v[0], v[2]) for k, v in manual.items()}
    analysed = tmp_path / "qa.csv"
    assert main(["qpcr", "analyze", str(shared(*STEPONE)), "--threshold", "RNase P=0.5", "-o", str(analysed)]) == 0
    rows = [line.split(",") for line in analysed.read_text().splitlines()]
    pop1 = [float(r[7]) for r in rows[1:] if r[2] == "pop1_RNase P"]
    assert f"{min(pop1):.6g}" == by_assay["pop1_RNase P"][2]


def test_instrument_cq_falls_back_with_a_flag_when_the_file_has_none(tmp_path: Path) -> None:
    from chipdx.cli._demo import DEMO_SEED, demo_datasets

    run = tmp_path / "cartridge.rdml"
    io.write(demo_datasets(DEMO_SEED)[0].dataset, run)  # chipdx's simulator reports no instrument Cq
    text = (Path(__file__).parents[2] / "src/chipdx/interpret/assays/resp-4plex-demo.yaml").read_text()
    (tmp_path / "inst.yaml").write_text(text.replace("cq: {method: sdm}", "cq: {method: instrument}"))
    analysis = pipeline.interpret_dataset(pipeline.analyze_dataset(pipeline.read_inputs([run])),
                                          parse_assay((tmp_path / "inst.yaml").read_bytes(), "inst.yaml"))
    targets = [t for r in analysis.results for t in r.targets]
    assert {t.cq_method for t in targets} == {"threshold"}
    assert all("CQ-INSTRUMENT-MISSING" in t.flags for t in targets)


def test_a_cq_table_is_read_as_the_instruments_cq(tmp_path: Path) -> None:
    table = tmp_path / "cq.csv"
    table.write_text("sample,sample_type,target,cq\nS1,unkn,RNase P,25\n")
    (tmp_path / "a.yaml").write_bytes(_assay("{method: instrument}"))
    (result,) = pipeline.interpret_file(table, parse_assay(_assay("{method: instrument}"), "a.yaml"),
                                        require_controls=False)
    assert result.targets[0].cq_method == "instrument" and result.targets[0].flags == ()
    (result,) = pipeline.interpret_file(table, parse_assay(_assay("{method: sdm}"), "a.yaml"),
                                        require_controls=False)
    assert result.targets[0].cq_method == "instrument" and result.targets[0].flags == ("CQ-NOT-ASSAY-METHOD",)


@pytest.mark.parametrize("command", [["qpcr", "analyze"], ["interpret", "--assay", "cdc-2019-ncov"],
                                     ["report", "--assay", "cdc-2019-ncov"]])
@pytest.mark.parametrize("option", [["--threshold", "RNaseP=0.2"], ["--baseline", "RNaseP=3-15"]])
def test_unknown_target_in_an_option_is_exit_1_listing_the_known_targets(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], option: list[str]) -> None:
    from chipdx.cli import main

    out = ["-o", str(tmp_path / ("r.html" if command[0] == "report" else "o.csv"))]
    assert main([*command, str(shared(*STEPONE)), *option, *out]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'RNaseP'" in err and "the data have: RNase P" in err
    assert not list(tmp_path.iterdir())


def test_bad_option_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx.cli import main

    for option in (["--threshold", "RP=-1"], ["--threshold", "RP"], ["--baseline", "RP=15-3"]):
        with pytest.raises(SystemExit) as exit_:
            main(["qpcr", "analyze", "x.rdml", *option])
        assert exit_.value.code == 2
        assert "takes TARGET=" in capsys.readouterr().err


def test_an_instrument_cq_at_the_last_cycle_is_its_undetermined() -> None:
    # StepOne's RDML writes 40.0 for the NTC wells of a 40-cycle run: no crossing, not a Cq of 40
    text = _assay("{method: instrument}").decode().replace("results:", """controls:
  - {id: T-C1, sample_type: ntc, expect: {RNase P: absent}, on_fail: repeat_run}
results:""")
    dataset = pipeline.read_inputs([shared(*STEPONE)])
    assert {r.reported.cq for r in dataset.runs[0].reactions if r.sample_id.startswith("NTC")} == {40.0}
    analysis = pipeline.interpret_dataset(pipeline.analyze_dataset(dataset), parse_assay(text.encode(), "a.yaml"))
    ntc = next(r for r in analysis.results if r.sample_type == "ntc")
    assert (ntc.result, ntc.action, ntc.targets[0].cq, ntc.targets[0].cq_method) == ("not_detected", "accept", None,
                                                                                     "instrument")
