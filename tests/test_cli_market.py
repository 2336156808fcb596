"""``chipdx market classify``: the stable CSV, JSON, dates, and one-line refusals of bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chipdx.cli import main
from chipdx.market.export import CSV_COLUMNS
from tests.conftest import TEST_DATA

PRODUCTS = TEST_DATA / "market" / "products"


def classify(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["market", "classify", *args]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_csv_has_the_stable_columns_and_all_markets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["market", "classify", str(PRODUCTS / "GT04.yaml")]) == 0
    text = capsys.readouterr().out
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    got = {r["market"]: r["class"] for r in csv.DictReader(io.StringIO(text))}
    assert got == {"eu": "D", "us": "II", "kr": "4", "jp": "III", "cn": "III", "ca": "IV", "au": "4", "imdrf": "D"}


def test_as_of_applies_the_rules_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    before = classify(capsys, str(PRODUCTS / "GT01.yaml"), "--markets", "eu", "--as-of", "2025-03-17")
    after = classify(capsys, str(PRODUCTS / "GT01.yaml"), "--markets", "eu", "--on", "2025-03-18")
    assert (before[0]["class"], before[0]["as_of"]) == ("D", "2025-03-17")
    assert (after[0]["class"], after[0]["rule_ids"]) == ("B", "EU.MDCG.R6.respiratory")
    assert "MDCG 2020-16 rev.4" in after[0]["citations"] and after[0]["evidence"] == "stated"


def test_json_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "answers.json"
    assert main(["market", "classify", str(PRODUCTS / "GT06.yaml"), "--markets", "eu,us", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    answers = json.loads(out.read_text(encoding="utf-8"))
    assert [a["market"] for a in answers] == ["eu", "us"]
    assert {"EU.IVDR.AVIII.R4.a", "EU.IVDR.AVIII.R1.2"} <= {f["id"] for f in answers[0]["fired"]}
    assert answers[0]["deciding"][0]["citation"]["quote"]


def test_questions_in_the_evidence_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text((PRODUCTS / "GT01.yaml").read_text(encoding="utf-8").replace(", risk: moderate", ""),
                    encoding="utf-8")
    rows = classify(capsys, str(path), "--markets", "kr")
    assert rows[0]["evidence"].startswith("needs expert review: analyte 'SARS-CoV-2'")


BAD = {
    "unknown_field": "name: x\ncolour: red\n",
    "wrong_value": (PRODUCTS / "GT01.yaml").read_text(encoding="utf-8").replace("user: professional_lab", "user: lay"),
    "malformed": "name: [unclosed\n",
    "billion_laughs": 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_profile_one_line_nothing_written(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BAD[case], encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["market", "classify", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"chipdx: error: {path}: ")
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--markets", "eu,xx"], ["--as-of", "2025-13-01"]):
        with pytest.raises(SystemExit) as caught:
            main(["market", "classify", str(PRODUCTS / "GT01.yaml"), *args])
        assert caught.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_help_does_not_import_market() -> None:
    code = "import sys; from chipdx.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n" \
           "print('chipdx.market' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


DEVICE = Path(__file__).resolve().parents[1] / "src" / "chipdx" / "market" / "devices" / "chipdx-resp-4plex.yaml"
EVIDENCE = TEST_DATA / "market" / "evidence" / "example.yaml"


def test_plan_html_json_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("plan.html", "plan.json", "plan.csv"):
        assert main(["market", "plan", str(DEVICE), "--evidence", str(EVIDENCE), "--priorities", "kr,eu",
                     "--as-of", "2026-12-03", "-o", str(tmp_path / name)]) == 0
    assert "7 markets" in capsys.readouterr().out
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Gap checklist" in html and "EU.MDCG.R6.respiratory" in html and "<script" not in html
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert [s["market"] for s in plan["roadmap"]][:2] == ["kr", "eu"]
    assert "aps-2026" in plan["reuse"]
    rows = list(csv.DictReader((tmp_path / "plan.csv").open(encoding="utf-8")))
    assert {r["status"] for r in rows} == {"held", "expired", "missing"}


def test_plan_bad_evidence_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evidence = tmp_path / "ev.yaml"
    evidence.write_text("company: X\nevidence:\n  - {id: a, provides: x, title: t, issued: tomorrow}\n",
                        encoding="utf-8")
    out = tmp_path / "plan.html"
    assert main(["market", "plan", str(DEVICE), "--evidence", str(evidence), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evidence[1].issued: expected a date" in err
    assert not out.exists()


def test_localise_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["market", "localise", str(PRODUCTS / "GT02.yaml"), "--markets", "eu,ca", "--eu-states", "be,de"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["market"] for r in rows if r["topic"] == "label/IFU language"] == ["eu-BE", "eu-DE", "ca"]
    with pytest.raises(SystemExit) as caught:
        main(["market", "localise", str(PRODUCTS / "GT02.yaml"), "--eu-states", "XX"])
    assert caught.value.code == 2


def test_dossier_of_chipdx_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "dossier"
    assert main(["market", "dossier", "-o", str(folder), "--as-of", "2026-12-03"]) == 0
    assert "eu B, us II, kr 3" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["classification.csv", "evidence.csv", "plan.html",
                                                       "profile.yaml"]
    classes = {r["market"]: r["class"] for r in csv.DictReader((folder / "classification.csv").open(encoding="utf-8"))}
    assert classes == {"eu": "B", "us": "II", "kr": "3", "jp": "III", "cn": "III", "ca": "II", "au": "2", "imdrf": "B"}
    evidence = list(csv.DictReader((folder / "evidence.csv").open(encoding="utf-8")))
    efficiency = [r for r in evidence if r["what"].startswith("linearity")]
    assert efficiency and all(r["status"] == "simulated only" and "efficiency 1." in r["measured"] for r in efficiency)
    assert {"missing", "derived"} <= {r["status"] for r in evidence}
    assert all(r["a_real_submission_still_needs"] for r in evidence)
    profile = (folder / "profile.yaml").read_text(encoding="utf-8")
    assert "Influenza A" in profile and "SARS-CoV-2" in profile  # the assay's pathogen targets
