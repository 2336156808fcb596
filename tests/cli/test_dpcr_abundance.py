"""``chipdx dpcr analyze --fractional-abundance``: % mutant with its interval, against QuantaSoft on the KRAS plate."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from chipdx.analysis import dpcr
from chipdx.cli import main
from chipdx.cli._dpcr import ABUNDANCE_COLUMNS
from tests.conftest import shared


def _quantasoft(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "quantasoft_results.csv").open(newline="") as stream:
        return {r["Well"]: r for r in csv.DictReader(stream) if r["Target"] == "Mutant"}


def _label(well: str) -> str:  # QuantaSoft E03 -> chipdx E3
    return f"{well[0]}{int(well[1:])}"


def test_fractional_abundance_formula_gives_quantasoft_figures_on_its_counts() -> None:
    """On QuantaSoft's own droplet counts the point estimate is its FractionalAbundance (to its 2 decimals)
    and, where counts are large, the interval its Poisson interval (to 0.1 percentage point)."""
    folder = shared("dpcr", "twoddpcr_kras")
    counts = pd.read_csv(folder / "twoddpcr_KRAScounts.csv")
    qs = _quantasoft(folder)
    table = pd.concat([
        pd.DataFrame({"well": counts.Well, "sample": "s", "target": "Mutant", "n_positive": counts.MtPositives,
                      "n_total": counts.AcceptedDroplets}),
        pd.DataFrame({"well": counts.Well, "sample": "s", "target": "WT", "n_positive": counts.WtPositives,
                      "n_total": counts.AcceptedDroplets})])
    fa = dpcr.fractional_abundance(table, target="Mutant", reference="WT").set_index("well")
    for well, row in qs.items():
        assert 100 * fa.loc[well, "fractional_abundance"] == pytest.approx(float(row["FractionalAbundance"]), abs=0.06)
        if int(row["Positives"]) > 400:
            assert 100 * fa.loc[well, "fa_low"] == pytest.approx(float(row["PoissonFractionalAbundanceMin"]), abs=0.1)
            assert 100 * fa.loc[well, "fa_high"] == pytest.approx(float(row["PoissonFractionalAbundanceMax"]), abs=0.1)


def test_cli_fractional_abundance_on_the_kras_plate(tmp_path: Path) -> None:
    folder = shared("dpcr", "twoddpcr_kras")
    out = tmp_path / "fa.csv"
    assert main(["dpcr", "analyze", str(folder), "--fractional-abundance", "Mutant:WT", "-o", str(out)]) == 0
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0])[-3:] == ABUNDANCE_COLUMNS and tuple(rows[0])[:-3] == dpcr.RESULT_COLUMNS
    mutant = {r["well"]: r for r in rows if r["target"] == "Mutant"}
    assert all(r[c] == "" for r in rows if r["target"] == "WT" for c in ABUNDANCE_COLUMNS)
    for well, row in _quantasoft(folder).items():
        ours = mutant[_label(well)]
        low, value, high = (float(ours[c]) for c in ("fa_ci_low_pct", "fractional_abundance_pct", "fa_ci_high_pct"))
        assert low < value < high
        # our own thresholds, not QuantaSoft's manual ones: the estimate lies in QuantaSoft's interval
        assert float(row["PoissonFractionalAbundanceMin"]) <= value <= float(row["PoissonFractionalAbundanceMax"])
    assert float(mutant["E3"]["fractional_abundance_pct"]) == pytest.approx(6.2, abs=0.15)


def test_an_unknown_target_is_refused_with_the_close_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shared("dpcr", "twoddpcr_kras")
    out = tmp_path / "fa.csv"
    assert main(["dpcr", "analyze", str(folder), "--fractional-abundance", "Mut:WT", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "'Mut' (did you mean Mutant?)" in err and "the file has: Mutant, WT" in err and err.count("\n") == 1
    assert not out.exists()
    with pytest.raises(SystemExit) as usage:
        main(["dpcr", "analyze", str(folder), "--fractional-abundance", "Mutant"])
    assert usage.value.code == 2
