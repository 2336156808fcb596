"""``chipdx simulate``: outputs pass the reader, carry truth and a log, and repeat byte for byte."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chipdx import io
from chipdx.cli import main
from tests.conftest import TEST_DATA


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_qpcr_writes_rdml_truth_and_log_and_repeats_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        assert main(["simulate", "qpcr", "--out", str(tmp_path / name / "run.rdml"), "--seed", "3"]) == 0
        outputs.append([(tmp_path / name / f).read_bytes() for f in ("run.rdml", "truth.csv", "run_log.jsonl")])
    assert outputs[0] == outputs[1]
    data = io.read(tmp_path / "a" / "run.rdml")
    assert data.provenance is not None and data.provenance.simulated
    truth = read_csv(tmp_path / "a" / "truth.csv")
    assert list(truth[0])[:6] == ["well", "sample", "target", "dye", "n0", "efficiency"]
    assert len(truth) == data.n_reactions == 192
    standards = {(r["target"], r["sample"]) for r in truth if r["sample_type"] == "std"}
    assert len(standards) >= 2 * 5
    assert any(r["sample_type"] == "ntc" for r in truth) and any(r["sample_type"] == "unkn" for r in truth)


def test_different_seeds_differ(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        assert main(["simulate", "qpcr", "--out", str(tmp_path / seed / "run.rdml"), "--seed", seed]) == 0
    assert (tmp_path / "1" / "run.rdml").read_bytes() != (tmp_path / "2" / "run.rdml").read_bytes()


def test_dye_chemistry_has_melt_curves(tmp_path: Path) -> None:
    assert main(["simulate", "qpcr", "--out", str(tmp_path / "m.rdml"), "--chemistry", "dye"]) == 0
    run = io.read(tmp_path / "m.rdml").runs[0]
    assert run.melt is not None and run.melt.n_reactions == len(run.reactions)


def test_cartridge_with_dead_electrodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "cartridge", "--out", str(tmp_path), "--seed", "4", "--specimens", "2",
                 "--dead-electrodes", "4", "--cycles", "30"])
    assert code == 0, capsys.readouterr().err
    data = io.read(tmp_path / "cartridge.rdml")
    assert data.provenance is not None and data.provenance.simulated
    kinds = {s.type.value for s in data.samples}
    assert {"unkn", "ext", "ntc", "pos"} <= kinds
    truth = read_csv(tmp_path / "truth.csv")
    assert {"specimen_copies", "extraction_yield", "inhibition"} <= set(truth[0])
    events = [json.loads(line) for line in (tmp_path / "run_log.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "run_end" and events[-1]["status"] == "completed"


def test_yaml_protocol_check_and_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = TEST_DATA / "protocol" / "extraction_short.yaml"
    assert main(["simulate", "protocol", str(good), "--check"]) == 0
    assert main(["simulate", "protocol", str(good), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "run_log.jsonl").exists()
    bad = TEST_DATA / "protocol" / "error_unknown_reservoir.yaml"
    capsys.readouterr()
    assert main(["simulate", "protocol", str(bad), "--check"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "blood" in err and "Traceback" not in err


def test_dpcr_plate_reads_back_with_truth(tmp_path: Path) -> None:
    assert main(["simulate", "dpcr", "--out", str(tmp_path), "--seed", "5"]) == 0
    truth = read_csv(tmp_path / "truth.csv")
    assert list(truth[0])[:5] == ["well", "target", "channel", "lambda", "copies_per_ul"]
    data = io.read(tmp_path / "dpcr_plate.rdml")
    assert data.provenance is not None and data.provenance.simulated
    wells = data.runs[0].partitions
    assert len(wells) == 96 and all(w.volume_nl == 0.85 for w in wells)
    first = {r["target"]: float(r["lambda"]) for r in truth if r["well"] == "A1"}
    calls = wells[0].calls
    assert calls is not None
    for column, target in enumerate(wells[0].targets):
        valid = calls[:, column] != 3
        fraction = (calls[valid, column] == 1).mean()
        assert abs(fraction - (1 - __import__("math").exp(-first[target]))) < 0.03


def test_cartridge_bytes_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for hash_seed in ("1", "2"):
        folder = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-m", "chipdx.cli", "simulate", "cartridge", "--out", str(folder),
                        "--seed", "8", "--specimens", "1", "--cycles", "20", "--dead-electrodes", "2"],
                       check=True, env=env, capture_output=True)
        outputs.append([(folder / f).read_bytes() for f in ("cartridge.rdml", "cartridge_quantstudio.txt", "truth.csv",
                                                         "run_log.jsonl")])
    assert outputs[0] == outputs[1]


def test_sila_serve_on_a_busy_port_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sila2", reason="the 'sila' extra (sila2) is not installed")
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sila", "serve", "--port", str(port), "--insecure", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"chipdx: error: port {port} on 127.0.0.1 is in use; choose another with --port"
