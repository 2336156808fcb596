"""Protocols: YAML loading, Python builder and static validation with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipdx.sim.chip import default_chip
from chipdx.sim.protocol import ProtocolError, load_protocol, parse_protocol, validate
from tests.conftest import TEST_DATA

FIXTURES = TEST_DATA / "protocol"


def test_good_protocol_loads_and_validates() -> None:
    protocol = load_protocol(FIXTURES / "extraction_short.yaml")
    validate(protocol, default_chip())
    assert protocol.name == "extraction-short"
    assert protocol.steps[3].to == (6, 3)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("error_unknown_operation.yaml", r"step 2: expected an operation .*found 'teleport'"),
        ("error_missing_argument.yaml", r"step 1 \(dispense\): expected argument 'droplet'"),
        ("error_unknown_reservoir.yaml", r"step 1 \(dispense\): reservoir: expected a reservoir .*'blood'"),
        ("error_temperature_out_of_range.yaml", r"step 2 \(heat\): temperature_c: expected 20-70 °C .*found 120"),
        ("error_droplet_used_up.yaml", r"step 4 \(move\): expected droplet 'a' to exist, found was used up earlier"),
        ("error_overfilled_reservoir.yaml", r"at most 40 µL from sample"),
        ("error_bad_yaml.yaml", r"line \d+: expected valid YAML"),
        ("error_not_a_protocol.yaml", r"top level: expected a mapping"),
        ("error_too_many_cycles.yaml", r"cycles: expected 1-50 cycles, found 60"),
    ],
)
def test_bad_protocols_fail_before_running_with_one_line(name: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as info:
        validate(load_protocol(FIXTURES / name), default_chip(), source=str(FIXTURES / name))
    assert "\n" not in str(info.value)
    assert name in str(info.value)


def test_unknown_argument_is_named() -> None:
    with pytest.raises(ProtocolError, match="expected known arguments, found 'colour'"):
        parse_protocol({"steps": [{"move": {"droplet": "a", "to": "magnet", "colour": "red"}}]})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="readable UTF-8 YAML"):
        load_protocol(tmp_path / "missing.yaml")
