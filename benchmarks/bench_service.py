"""Lab service figures on a real ``chipdx serve`` (127.0.0.1, SQLite by default, ``--postgres`` for a PostgreSQL
server started here): upload -> analysed -> released latency of the demo cartridge run, and N concurrent
uploads analysed by the server's worker threads (wall time, peak RSS of the server, runs lost or duplicated).

    python benchmarks/bench_service.py [--uploads 20] [--workers 2] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.servers import Server  # noqa: E402

from chipdx import io  # noqa: E402
from chipdx.cli._demo import DEMO_ASSAY, DEMO_SEED, demo_datasets  # noqa: E402
from chipdx.store import Store  # noqa: E402

PASSWORD = "correct horse battery staple"


def _call(url: str, token: str, *, body: bytes | None = None, content_type: str = "application/json") -> object:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"authorization": f"Bearer {token}", "content-type": content_type})
    with urllib.request.urlopen(request, timeout=300) as answer:
        return json.loads(answer.read())


def _upload(server: Server, token: str, path: Path) -> int:
    boundary = uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"assay\"\r\n\r\n{DEMO_ASSAY}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n\r\n"
            ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    answer = _call(f"{server.url}/api/v1/runs", token, body=body,
                   content_type=f"multipart/form-data; boundary={boundary}")
    return int(answer["id"])  # type: ignore[index]


def _status(server: Server, token: str, run_id: int) -> str:
    return str(_call(f"{server.url}/api/v1/runs/{run_id}", token)["status"])  # type: ignore[index]


def _wait(server: Server, token: str, run_ids: list[int], timeout_s: float = 900) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if all(_status(server, token, r) in {"done", "failed"} for r in run_ids):
            return
        time.sleep(0.25)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _latency(server: Server, tokens: dict[str, str], cartridge: Path) -> tuple[float, float]:
    start = time.perf_counter()
    run_id = _upload(server, tokens["tech"], cartridge)
    _wait(server, tokens["tech"], [run_id])
    analysed = time.perf_counter() - start
    results = _call(f"{server.url}/api/v1/runs/{run_id}/results", tokens["rev"])
    for sample in results["samples"]:  # type: ignore[index]
        if sample["needs_review"] or sample["result"] == "review":
            final = "invalid" if sample["result"] == "review" else sample["result"]
            _call(f"{server.url}/api/v1/results/{sample['id']}/review", tokens["rev"],
                  body=json.dumps({"result": final, "reason": "benchmark review"}).encode())
    _call(f"{server.url}/api/v1/runs/{run_id}/release", tokens["rel"], body=json.dumps({"password": PASSWORD}).encode())
    return analysed, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chipdx-bench-service-")))
        url = None
        if args.postgres:
            from tests.postgres import running_postgres

            url = f"{stack.enter_context(running_postgres())}/postgres"
        cartridge = folder / "cartridge.rdml"
        io.write(demo_datasets(DEMO_SEED)[0].dataset, cartridge)
        (folder / "lab").mkdir()
        store = Store.open(url or f"sqlite:///{folder / 'lab' / 'chipdx.db'}")
        ids = {name: store.add_user(name, role, PASSWORD).id
               for name, role in (("tech", "technician"), ("rev", "reviewer"), ("rel", "releaser"))}
        tokens = {name: store.create_token(user_id) for name, user_id in ids.items()}
        server = Server(folder / "lab", db_url=url, workers=args.workers)
        stack.callback(server.stop)
        analysed, released = _latency(server, tokens, cartridge)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.uploads) as pool:
            run_ids = list(pool.map(lambda _: _upload(server, tokens["tech"], cartridge), range(args.uploads)))
        _wait(server, tokens["tech"], run_ids)
        wall = time.perf_counter() - start
        done = [r for r in run_ids if store.run(r).status == "done"]
        duplicated = sum(1 for r in done for s in store.samples(r) if s.version != 1)
        counts = {len(store.samples(r)) for r in done}
        jobs = sum(len(store.jobs(r)) for r in run_ids)
        rss = _peak_rss_mib(server.process.pid)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"| figure ({backend}, {args.workers} worker threads) | measured |")
        print("|---|---|")
        print(f"| demo cartridge: upload -> analysed | {analysed:.1f} s |")
        print(f"| demo cartridge: upload -> analysed -> reviewed -> released (API) | {released:.1f} s |")
        print(f"| {args.uploads} concurrent uploads -> all analysed | {wall:.1f} s ({wall / args.uploads:.2f} s/run) |")
        print(f"| runs lost (not done) / results duplicated | {len(run_ids) - len(done)} / {duplicated} |")
        print(f"| jobs per run / samples per run | {jobs / len(run_ids):.2f} / {sorted(counts)} |")
        print(f"| server peak RSS | {rss:.0f} MiB |")
        store.close()
        return 0 if len(done) == len(run_ids) and duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
