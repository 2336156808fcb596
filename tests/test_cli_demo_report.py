"""`chipdx demo` (simulated cartridge -> analysis -> calls -> report) and `chipdx report`."""

from __future__ import annotations

import base64
import csv
import re
from importlib import resources
from pathlib import Path

import pytest

from chipdx.cli import main

SPEC_QPCR = "run,well,sample,sample_type,quantity,target,dye,cq,efficiency,n0,amplified,flags"
SPEC_DPCR = ("well,sample,target,channel,n_total,n_positive,n_negative,n_rain,lambda,copies_per_ul,ci_low,ci_high,"
             "threshold,flags")
SPEC_CALLS = "sample,sample_type,result,action,reason_codes,rule_ids"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["demo", "--out", str(folder)]) == 0
    return folder, buffer.getvalue()


def test_demo_prints_what_it_did_and_where(demo: tuple[Path, str]) -> None:
    folder, printed = demo
    assert "cartridge completed" in printed and "resp-4plex-demo" in printed
    for name in ("report.html", "calls.csv", "qpcr_results.csv", "dpcr_results.csv", "cartridge.rdml",
                 "truth.csv", "run_log.jsonl"):
        assert (folder / name).is_file(), name
        assert str(folder / name) in printed


def test_demo_answer_names_pathogens_and_judges_controls(demo: tuple[Path, str]) -> None:
    folder, printed = demo
    line = next(x for x in printed.splitlines() if x.startswith("assay"))
    with (folder / "calls.csv").open(encoding="utf-8") as handle:
        calls = list(csv.DictReader(handle))
    for row in calls:
        if row["sample_type"] == "unkn":
            named = row["detected"].replace(";", ", ")
            said = row["result"].replace("_", " ") + (f": {named}" if named else "")
        else:
            said = "control " + ("passed" if row["action"] == "accept" else "failed")
        assert f"{row['sample']} ({row['sample_type']}) {said}" in line
    assert "(pos) detected" not in line


def test_demo_csv_columns_follow_the_spec(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    assert (folder / "qpcr_results.csv").read_text().splitlines()[0] == SPEC_QPCR + ",ai_call,call,efficiency_pct"
    assert (folder / "dpcr_results.csv").read_text().splitlines()[0] == SPEC_DPCR
    rows = list(csv.DictReader((folder / "calls.csv").open()))
    assert list(rows[0]) == [*SPEC_CALLS.split(","), "detected", "findings", "cq_method"]
    assert {r["cq_method"] for r in rows} == {"sdm"}, "the demo panel's cut-offs are on the SDM Cq"
    assert {r["sample"] for r in rows} == {"S1", "S2", "S3", "EC", "NTC", "PC"}, "only the cartridge is called"
    assert {r["result"] for r in rows} <= {"detected", "not_detected", "inconclusive", "invalid",
                                           "presumptive_positive", "review"}


def test_demo_report_embeds_every_kind_of_figure(demo: tuple[Path, str]) -> None:
    html = (demo[0] / "report.html").read_text()
    svgs = [base64.b64decode(b).decode() for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    titles = " ".join(svgs)
    assert "review" in titles or "detected" in titles, "plate map legend"
    assert "FluA — sim-cartridge (FAM) — linear" in titles
    assert "melt peaks" in titles
    assert "2-D" in titles and "rain (" in titles
    assert "SIMULATED DATA" in html
    assert not re.search(r"""(src|href)=["'](https?:|//)""", html)


def test_demo_is_deterministic_apart_from_the_timestamp(demo: tuple[Path, str], tmp_path: Path) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--out", str(tmp_path)]) == 0
    for name in ("calls.csv", "qpcr_results.csv", "dpcr_results.csv", "cartridge.rdml", "truth.csv"):
        assert (tmp_path / name).read_bytes() == (demo[0] / name).read_bytes(), name
    strip = re.compile(r"generated \S+ by chipdx")
    assert strip.sub("", (tmp_path / "report.html").read_text()) == strip.sub("", (demo[0] / "report.html").read_text())


def test_report_command_on_a_file_html_and_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with resources.as_file(resources.files("chipdx.data") / "example_run.rdml") as example:
        assert main(["report", str(example), "-o", str(tmp_path / "r.html")]) == 0
        html = (tmp_path / "r.html").read_text()
        assert "GAPDH" in html and "Melt curves" in html and "Plate map" in html
        pytest.importorskip("weasyprint", reason="PDF needs the 'pdf' extra")
        assert main(["report", str(example), "-o", str(tmp_path / "r.pdf")]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert "wrote" in capsys.readouterr().out


def test_report_refuses_an_unknown_ending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with resources.as_file(resources.files("chipdx.data") / "example_run.rdml") as example:
        assert main(["report", str(example), "-o", str(tmp_path / "r.docx")]) == 1
    assert "r.docx" in capsys.readouterr().err
    assert not (tmp_path / "r.docx").exists()


def test_demo_dpcr_recovers_the_simulated_concentrations(demo: tuple[Path, str]) -> None:
    """The confirmation plate was loaded at known lambdas (0.85 nL droplets); the engine finds them."""
    from chipdx.cli._demo import demo_datasets

    _, dpcr, _ = demo_datasets()
    volume_ul = dpcr.runs[0].partitions[0].volume_nl / 1000
    truth = {("A1", "N1"): 0.25, ("A1", "RPP30"): 0.6, ("A2", "N1"): 0.025, ("A2", "RPP30"): 0.06,
             ("A4", "N1"): 0.4, ("A4", "RPP30"): 0.4}
    rows = {(r["well"], r["target"]): r for r in csv.DictReader((demo[0] / "dpcr_results.csv").open())}
    for key, lam in truth.items():
        row = rows[key]
        expected = lam / volume_ul
        width = float(row["ci_high"]) - float(row["ci_low"])
        assert abs(float(row["copies_per_ul"]) - expected) <= 2 * width, (key, row["copies_per_ul"], expected)
    assert int(rows[("A3", "N1")]["n_positive"]) <= 3, "the NTC well stays (nearly) empty"
