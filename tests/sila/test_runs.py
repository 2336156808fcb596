"""Protocol-run requests are checked before anything moves; runs write simulated outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sila2", reason="the 'sila' extra (sila2) is not installed")

from chipdx.sila.runs import parse_request, run
from chipdx.sim.protocol import ProtocolError


@pytest.mark.parametrize(
    ("name", "yaml_text", "options", "message"),
    [
        ("pcr", "", "", r"Protocol: expected one of extraction, qpcr, dpcr, cartridge, yaml, found 'pcr'"),
        ("qpcr", "", "[1]", "Options: expected a JSON object, found list"),
        ("qpcr", "", "{bad", "Options: expected a JSON object, found invalid JSON"),
        ("qpcr", "", '{"colour": 1}', "Options: expected keys among specimens"),
        ("cartridge", "", '{"specimens": 9}', "Options: specimens: expected 1-5, found 9"),
        ("qpcr", "", '{"melt": "yes"}', "Options: melt: expected a bool, found 'yes'"),
        ("yaml", "steps: [", "", "ProtocolYaml line 1: expected valid YAML"),
        ("yaml", "steps:\n  - heat: {droplet: a, zone: extraction, temperature_c: 56, seconds: 1}\n", "",
         "expected droplet 'a' to exist"),
    ],
)
def test_bad_requests_fail_with_one_line(name: str, yaml_text: str, options: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as info:
        parse_request(name, yaml_text, 1, options)
    assert "\n" not in str(info.value)


def test_qpcr_run_with_melt_writes_log_and_summary(tmp_path: Path) -> None:
    result = run(parse_request("qpcr", "", 2, '{"cycles": 20, "melt": true}'), tmp_path)
    assert result.status == "completed"
    assert [p.name for p in result.outputs] == ["run_log.jsonl", "summary.json"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary == result.summary and summary["simulated"] and summary["options"]["melt"]
    log = (tmp_path / "run_log.jsonl").read_text().splitlines()
    assert json.loads(log[0])["simulated"] is True
    assert sum('"melt_read"' in line for line in log) == 61


def test_cartridge_over_sila_gives_the_files_of_chipdx_simulate_cartridge(tmp_path: Path) -> None:
    from chipdx.cli import main

    options = '{"specimens": 1, "cycles": 20, "melt": true, "dead_electrodes": 2}'
    run(parse_request("cartridge", "", 6, options), tmp_path / "sila")
    assert main(["simulate", "cartridge", "--out", str(tmp_path / "cli"), "--seed", "6", "--specimens", "1",
                 "--cycles", "20", "--melt", "--dead-electrodes", "2"]) == 0
    for name in ("cartridge.rdml", "cartridge_quantstudio.txt", "truth.csv", "run_log.jsonl"):
        assert (tmp_path / "sila" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
