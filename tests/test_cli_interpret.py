"""The command-line contract of SPEC §7 for ``classify`` and ``interpret``."""

from __future__ import annotations

import csv
import gzip
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from chipdx.cli import main
from chipdx.cli._interpret import CLASSIFY_COLUMNS, INTERPRET_COLUMNS, TARGET_COLUMNS

X = np.arange(1, 41)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def header(path: Path) -> list[str]:
    return path.read_text().splitlines()[0].split(",")


def long_table(tmp_path: Path) -> Path:
    rise = 100 + 900 / (1 + np.exp(-(X - 20) / 1.5)) + np.random.default_rng(0).normal(0, 3, 40)
    lines = ["dataset,curve_id,cycle,fluo"] + [f"demo,A1,{c},{v:.4f}" for c, v in zip(X, rise, strict=True)]
    lines += [f"demo,A2,{c},{v:.4f}" for c, v in zip(X[:5], rise[:5], strict=True)]
    path = tmp_path / "curves.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def test_classify_long_table_writes_spec_columns(tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    assert main(["classify", str(long_table(tmp_path)), "-o", str(out)]) == 0
    assert tuple(header(out)) == CLASSIFY_COLUMNS
    got = rows(out)
    assert [(r["curve_id"], r["call"]) for r in got] == [("A1", "amplified"), ("A2", "review")]
    assert float(got[0]["p_amplified"]) > 0.9 and got[1]["p_amplified"] == ""
    assert "QC-TOO-SHORT" in got[1]["flags"].split(";") and "AI-NO-FEATURES" in got[1]["reasons"]


def test_classify_a_run_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with resources.as_file(resources.files("chipdx.data") / "example_run.rdml") as example:
        assert main(["classify", str(example)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert tuple(lines[0].split(",")) == CLASSIFY_COLUMNS and len(lines) > 1
    assert all(line.split(",")[3] in {"amplified", "not_amplified", "review"} for line in lines[1:])


CQ = """sample,sample_type,target,cq
PC,pos,N1,28.1
PC,pos,N2,29.0
PC,pos,RP,27.5
NTC,ntc,N1,
NTC,ntc,N2,Undetermined
NTC,ntc,RP,
HSC,ext,N1,
HSC,ext,N2,
HSC,ext,RP,30.2
P1,unkn,N1,30.0
P1,unkn,N2,31.0
P1,unkn,RP,
P2,unkn,N1,40.00
P2,unkn,N2,
P2,unkn,RP,25.0
"""


def test_interpret_cq_table(tmp_path: Path) -> None:
    table, out, targets = tmp_path / "cq.csv", tmp_path / "out.csv", tmp_path / "targets.csv"
    table.write_text(CQ)
    assert main(["interpret", str(table), "--assay", "cdc-2019-ncov", "-o", str(out),
                 "--targets-out", str(targets)]) == 0
    assert tuple(header(out)) == INTERPRET_COLUMNS and tuple(header(targets)) == TARGET_COLUMNS
    result = {r["sample"]: r for r in rows(out)}
    assert (result["P1"]["result"], result["P1"]["rule_ids"]) == ("detected", "CDC-1")
    assert (result["P2"]["result"], result["P2"]["action"]) == ("not_detected", "report")
    assert result["PC"]["action"] == "accept"
    assert all(r["ruleset_id"] == "cdc-2019-ncov@CDC-006-00019-rev06" for r in rows(targets))


def test_interpret_with_an_assay_file(tmp_path: Path) -> None:
    assay = tmp_path / "mine.yaml"
    assay.write_text("id: mine\nversion: '1'\ntitle: t\nkind: qpcr\ncitations: [x]\n"
                     "targets:\n - {name: N1, role: pathogen, cutoff: {cq: 35}}\n"
                     "results:\n - {id: M-1, when: {N1: detected}, result: detected, action: report}\n"
                     " - {id: M-2, when: {N1: not_detected}, result: not_detected, action: report}\n")
    table, out = tmp_path / "cq.csv", tmp_path / "out.csv"
    table.write_text("sample,sample_type,target,cq\ns,unkn,N1,34.9\n")
    assert main(["interpret", str(table), "--assay", str(assay), "-o", str(out)]) == 0
    assert rows(out)[0]["result"] == "detected"


def test_broken_assay_file_is_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assay, table = tmp_path / "bad.yaml", tmp_path / "cq.csv"
    assay.write_text("kind: qpcr\n")
    table.write_text(CQ)
    assert main(["interpret", str(table), "--assay", str(assay)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.yaml" in err and "targets" in err


def test_interpret_analyses_a_run_file_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from chipdx import io
    from chipdx.sim import random_specimens, simulate_cartridge

    rng = np.random.default_rng(5)
    result = simulate_cartridge(random_specimens(2, rng=rng), rng=rng)
    assert result.dataset is not None
    run_file = tmp_path / "cartridge.rdml"
    io.write(result.dataset, run_file)
    assert main(["interpret", str(run_file), "--assay", "resp-4plex-demo", "-o", str(tmp_path / "calls.csv")]) == 0
    rows = (tmp_path / "calls.csv").read_text().splitlines()
    assert rows[0] == "sample,sample_type,result,action,reason_codes,rule_ids,detected,findings,cq_method"
    by_sample = {row.split(",")[0]: row.split(",") for row in rows[1:]}
    assert set(by_sample) == {"S1", "S2", "EC", "NTC", "PC"}
    assert by_sample["PC"][1:3] == ["pos", "detected"], "the positive control holds every target"
    valid = {"detected", "not_detected", "inconclusive", "invalid", "presumptive_positive", "review"}
    assert all(row[2] in valid for row in by_sample.values())


def test_unknown_assay_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "cq.csv"
    table.write_text(CQ)
    assert main(["interpret", str(table), "--assay", "nope"]) == 1
    assert "cdc-2019-ncov" in capsys.readouterr().err


def test_a_coinfection_names_every_pathogen_from_a_lab_written_table(tmp_path: Path) -> None:
    """A ';' table with capitalised headers and decimal commas (Excel on a German PC), FluA + SARS-CoV-2."""
    rows = ["Sample;Sample Type;Target;Cq"]
    for sample, kind, cqs in (("PC", "Positive Control", ("28,0", "28,0", "28,0", "28,0")),
                              ("NTC", "NTC", ("", "", "", "")), ("EC", "Extraction Control", ("", "", "", "31,0")),
                              ("S1", "Unknown", ("25,1", "", "30,2", "27,0"))):
        rows += [f"{sample};{kind};{t};{c}" for t, c in zip(("FluA", "FluB", "SARS-CoV-2", "RNaseP"), cqs,
                                                             strict=True)]
    table = tmp_path / "cq.csv"
    table.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    out, targets = tmp_path / "calls.csv", tmp_path / "targets.csv"
    assert main(["interpret", str(table), "--assay", "resp-4plex-demo", "-o", str(out),
                 "--targets-out", str(targets)]) == 0
    result = {r["sample"]: r for r in csv.DictReader(out.open())}
    s1 = result["S1"]
    assert (s1["result"], s1["rule_ids"], s1["detected"]) == ("detected", "RESP-1;RESP-3", "FluA;SARS-CoV-2")
    assert "influenza A detected" in s1["findings"] and "SARS-CoV-2 detected" in s1["findings"]
    assert result["PC"]["detected"] == "" and result["PC"]["findings"].startswith("RESP-C1 passed")
    per_target = {r["target"]: r["result"] for r in csv.DictReader(targets.open()) if r["sample"] == "S1"}
    assert per_target == {"FluA": "detected", "FluB": "not_detected", "SARS-CoV-2": "detected",
                          "RNaseP": "detected"}
