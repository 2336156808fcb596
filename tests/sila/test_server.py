"""The SiLA 2 server in-process on a free localhost port, driven by the sila2 client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sila2", reason="the 'sila' extra (sila2) is not installed")

from sila2.client import SilaClient
from sila2.framework import CommandExecutionStatus, DefinedExecutionError

from chipdx import io
from chipdx.sila import ServerError, build_server, start_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SilaClient]:
    root = tmp_path_factory.mktemp("sila-runs")
    server = build_server(root, pace_s=0.005)
    port = free_port()
    start_server(server, "127.0.0.1", port, insecure=True)
    connection = SilaClient("127.0.0.1", port, insecure=True)
    yield connection
    connection.close()
    server.stop(grace_period=0.5)


def finish(instance: Any, timeout_s: float = 15.0) -> None:
    end = time.monotonic() + timeout_s
    while not instance.done and time.monotonic() < end:
        time.sleep(0.02)
    assert instance.done, "the run did not finish"


def test_server_lists_the_features_and_is_in_simulation_mode(client: SilaClient) -> None:
    features = set(client.SiLAService.ImplementedFeatures.get())
    assert {"org.chipdx/dloc/ChipController/v1", "org.chipdx/dloc/ProtocolRunner/v1",
            "org.silastandard/core/SimulationController/v1"} <= features
    assert client.SimulationController.SimulationMode.get() is True
    with pytest.raises(DefinedExecutionError, match="StartRealModeFailed: real mode: expected a physical chip"):
        client.SimulationController.StartRealMode()


def test_chip_controller_moves_a_droplet_with_sensing(client: SilaClient) -> None:
    loaded = client.ChipController.LoadChip(Layout="default", Columns=16, Rows=8, DeadElectrodes=0, Seed=3)
    assert loaded.Simulated and json.loads(loaded.Description)["grid"] == [16, 8]
    dispensed = json.loads(client.ChipController.Dispense(Reservoir="sample", Droplet="s").Result)
    assert dispensed["electrode"] == [1, 0] and dispensed["simulated"]
    moved = json.loads(client.ChipController.MoveDroplet(Droplet="s", X=6, Y=3).Result)
    assert moved["arrived"] and moved["electrode"] == [6, 3] and moved["steps"] == 8
    assert moved["capacitance_pf"] > 0.7 * 12.0
    summary = json.loads(client.ChipController.ReadCapacitance().Summary)
    assert summary["electrodes"] == 128 and summary["droplets"]["s"] > 8.0 and abs(summary["baseline_mean_pf"]) < 1
    state = json.loads(client.ChipController.ChipState.get())
    assert state["droplets"] == {"s": [6, 3]} and state["actuations"] == 9 and state["simulated"]


def test_chip_controller_errors_are_defined_and_one_line(client: SilaClient) -> None:
    client.ChipController.LoadChip(Layout="default", Columns=16, Rows=8, DeadElectrodes=0, Seed=1)
    with pytest.raises(DefinedExecutionError, match=r"ChipError: reservoir: expected one of sample.*found 'blood'"):
        client.ChipController.Dispense(Reservoir="blood", Droplet="x")
    client.ChipController.Dispense(Reservoir="sample", Droplet="a")
    off_grid = r"ChipError: electrode: expected one inside 16 x 8, found \[20, 1\]"
    with pytest.raises(DefinedExecutionError, match=off_grid):
        client.ChipController.MoveDroplet(Droplet="a", X=20, Y=1)
    with pytest.raises(DefinedExecutionError, match="Layout: expected default or cartridge"):
        client.ChipController.LoadChip(Layout="round", Columns=16, Rows=8, DeadElectrodes=0, Seed=1)


def test_run_protocol_streams_progress_and_writes_simulated_outputs(client: SilaClient) -> None:
    instance = client.ProtocolRunner.RunProtocol(Protocol="cartridge", ProtocolYaml="", Seed=5,
                                                 Options='{"specimens": 1, "cycles": 20}')
    updates = []
    with instance.subscribe_to_intermediate_responses() as stream:
        updates = list(stream)
    finish(instance)
    assert instance.status is CommandExecutionStatus.finishedSuccessfully
    progress = [u.Progress for u in updates]
    assert len(updates) >= 10 and progress == sorted(progress) and progress[-1] == 1.0
    assert any("thermocycle done" in u.Event for u in updates)
    result = instance.get_responses()
    assert result.Status == "completed" and result.Simulated and result.RunId.startswith("cartridge-seed5-")
    names = {Path(p).name for p in result.Outputs}
    assert names == {"cartridge.rdml", "cartridge_quantstudio.txt", "truth.csv", "run_log.jsonl", "summary.json"}
    summary = json.loads(result.Summary)
    assert summary["simulated"] and summary["reactions"] == 4 * 4 and summary["samples"] == ["EC", "NTC", "PC", "S1"]
    rdml = next(Path(p) for p in result.Outputs if p.endswith(".rdml"))
    dataset = io.read(rdml)
    assert dataset.provenance is not None and dataset.provenance.simulated
    assert len(dataset.runs[0].reactions) == summary["reactions"]


def test_a_yaml_protocol_runs_and_a_bad_one_fails_with_invalid_protocol(client: SilaClient) -> None:
    good = ("protocol: short\nsteps:\n  - dispense: {reservoir: sample, droplet: s}\n"
            "  - move: {droplet: s, to: magnet}\n")
    ok = client.ProtocolRunner.RunProtocol(Protocol="yaml", ProtocolYaml=good, Seed=1, Options="")
    finish(ok)
    assert json.loads(ok.get_responses().Summary)["steps_completed"] == 2
    bad = client.ProtocolRunner.RunProtocol(Protocol="yaml", ProtocolYaml="steps:\n  - teleport: {droplet: a}\n",
                                            Seed=1, Options="")
    finish(bad)
    assert bad.status is CommandExecutionStatus.finishedWithError
    with pytest.raises(DefinedExecutionError, match=r"InvalidProtocol: ProtocolYaml: step 1: .*found 'teleport'"):
        bad.get_responses()
    unknown = client.ProtocolRunner.RunProtocol(Protocol="pcr", ProtocolYaml="", Seed=1, Options="")
    finish(unknown)
    with pytest.raises(DefinedExecutionError, match="InvalidProtocol: RunProtocol: Protocol: expected one of"):
        unknown.get_responses()
    assert client.ProtocolRunner.BuiltInProtocols.get() == ["extraction", "qpcr", "dpcr", "cartridge"]


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        with pytest.raises(ServerError, match=f"port {port} on 127.0.0.1 is in use; choose another with --port"):
            start_server(build_server(tmp_path), "127.0.0.1", port, insecure=True)


def test_encrypted_server_writes_its_ca_for_clients(tmp_path: Path) -> None:
    server = build_server(tmp_path)
    port = free_port()
    started = start_server(server, "127.0.0.1", port, ca_folder=tmp_path)
    try:
        assert started.ca_file is not None and started.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE")
        secure = SilaClient("127.0.0.1", port, root_certs=started.ca_file.read_bytes())
        assert secure.SimulationController.SimulationMode.get() is True
        secure.close()
    finally:
        server.stop(grace_period=0.5)


def test_cli_run_follows_a_remote_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx.cli import main

    # paced steps: the client subscribes to progress after the run has started, so an unpaced run on a
    # loaded machine can finish before the first update reaches it
    server = build_server(tmp_path, pace_s=0.05)
    port = free_port()
    start_server(server, "127.0.0.1", port, insecure=True)
    protocol = tmp_path / "short.yaml"
    protocol.write_text("protocol: short\nsteps:\n  - dispense: {reservoir: sample, droplet: s}\n"
                        "  - move: {droplet: s, to: magnet}\n  - discard: {droplet: s}\n")
    try:
        assert main(["sila", "run", "qpcr", "--port", str(port), "--insecure", "--cycles", "20", "--melt"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert any("thermocycle done" in line for line in lines)
        assert any(line.startswith("run       qpcr-seed0-") and line.endswith("completed, simulated") for line in lines)
        assert main(["sila", "run", str(protocol), "--port", str(port), "--insecure", "--quiet"]) == 0
        assert "yaml-seed0-" in capsys.readouterr().out
        assert main(["sila", "run", "pcr", "--port", str(port), "--insecure"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("chipdx: error: server refused the run: RunProtocol: Protocol: expected one of")
        assert "\n" not in err
    finally:
        server.stop(grace_period=0.5)


def test_cli_run_without_a_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx.cli import main

    port = free_port()
    assert main(["sila", "run", "qpcr", "--port", str(port), "--insecure"]) == 1
    assert capsys.readouterr().err.strip().startswith(f"chipdx: error: no SiLA server answered at 127.0.0.1:{port}")
