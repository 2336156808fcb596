"""SiLA 2 server and on-chip melt benchmark (figure | measured | goal | peer).

Starts the server in-process on a free localhost port (unencrypted), drives it with the
``sila2`` client and compares a cartridge run over SiLA with the same run in-process; then
measures what the melt step costs and how well the cartridge's melt curves give back the
amplicon Tm. Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_sila.py``.
"""

from __future__ import annotations

import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sila2.client import SilaClient

from chipdx.sila import build_server, start_server
from chipdx.sim.cartridge import RESPIRATORY_PANEL, random_specimens, simulate_cartridge


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_figures(root: Path) -> None:
    start = time.perf_counter()
    server = build_server(root)
    port = free_port()
    start_server(server, "127.0.0.1", port, insecure=True)
    client = SilaClient("127.0.0.1", port, insecure=True)
    row("server build + start + client connect (3 features + SiLAService)",
        f"{time.perf_counter() - start:.2f} s", "<= 2 s")
    try:
        calls = []
        for _ in range(50):
            t0 = time.perf_counter()
            client.SimulationController.SimulationMode.get()
            calls.append(time.perf_counter() - t0)
        row("property read round trip (median of 50)", f"{statistics.median(calls) * 1000:.1f} ms", "<= 20 ms")
        client.ChipController.LoadChip(Layout="default", Columns=16, Rows=8, DeadElectrodes=0, Seed=1)
        client.ChipController.Dispense(Reservoir="sample", Droplet="s")
        t0 = time.perf_counter()
        moved = json.loads(client.ChipController.MoveDroplet(Droplet="s", X=6, Y=3).Result)
        row(f"MoveDroplet, {moved['steps']} sensed electrode steps", f"{(time.perf_counter() - t0) * 1000:.1f} ms",
            "<= 100 ms")
        cartridge(client)
    finally:
        client.close()
        server.stop(grace_period=1.0)


def cartridge(client: SilaClient) -> None:
    t0 = time.perf_counter()
    instance = client.ProtocolRunner.RunProtocol(Protocol="cartridge", ProtocolYaml="", Seed=0, Options="")
    with instance.subscribe_to_intermediate_responses() as stream:
        updates = list(stream)
    while not instance.done:
        time.sleep(0.01)
    result = instance.get_responses()
    over_sila = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    simulate_cartridge(random_specimens(3, rng=rng), rng=rng)
    in_process = time.perf_counter() - t0
    row("cartridge 3 specimens + 3 controls over SiLA (RunProtocol, outputs written)",
        f"{over_sila:.2f} s ({len(updates)} intermediate responses, status {result.Status}) vs {in_process:.2f} s "
        "in-process simulation", "<= 5 s", "in-process `simulate_cartridge`")


def melt_figures() -> None:
    spans, tm_errors = {}, []
    tm = {t.id: t.tm_c for t in RESPIRATORY_PANEL}
    for melt in (False, True):
        rng = np.random.default_rng(0)
        result = simulate_cartridge(random_specimens(3, rng=rng), rng=rng, melt=melt)
        spans[melt] = result.execution.duration_s / 60
        if melt and result.dataset is not None:
            run = result.dataset.runs[0]
            assert run.melt is not None
            for i, reaction in enumerate(run.reactions):
                if reaction.sample_id == "PC":
                    temps, values = run.melt.temperature_c[i], run.melt.fluorescence[i]
                    peak = temps[int(np.argmax(-np.gradient(values, temps)))]
                    tm_errors.append(abs(peak - tm[reaction.target_id]))
    row("cartridge run time (simulated), without -> with the on-chip melt step",
        f"{spans[False]:.0f} -> {spans[True]:.0f} min", "melt ramp 65-95 °C at 0.1 °C/s per droplet")
    row("melt -dF/dT peak vs true amplicon Tm, positive control, 4 targets",
        f"max error {max(tm_errors):.2f} °C", "<= 0.5 °C (one read step)")


def main() -> None:
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        server_figures(Path(folder))
    melt_figures()


if __name__ == "__main__":
    main()
