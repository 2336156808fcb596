"""Fixtures of the web app tests: the demo cartridge file, an app on a fresh database, users of every role,
and logged-in clients (session cookie + CSRF token, or bearer token)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipdx import io
from chipdx.service import ServiceSettings, Worker, create_app
from chipdx.service._access import SESSION_COOKIE, csrf_token

PASSWORD = "correct horse battery staple"
USERS = {"tech": "technician", "rev": "reviewer", "rel": "releaser", "rel2": "releaser", "adm": "admin"}
DEMO_ASSAY = "resp-4plex-demo"


@pytest.fixture(scope="session")
def cartridge_rdml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's cartridge run (simulated, seed of ``chipdx demo``) as RDML, like ``make demo`` writes it."""
    from chipdx.cli._demo import DEMO_SEED, demo_datasets

    path = tmp_path_factory.mktemp("demo") / "cartridge.rdml"
    io.write(demo_datasets(DEMO_SEED)[0].dataset, path)
    return path


@dataclass
class Lab:
    """An app with its store, data folder and one user per role."""

    app: Any
    store: Any
    settings: ServiceSettings
    user_ids: dict[str, int]

    def client(self, name: str | None = None, *, bearer: bool = False) -> Client:
        return Client(self, name, bearer)

    def work(self) -> int:
        """Run every queued job in this process; returns how many ran."""
        worker = Worker(self.store, self.settings.outputs, lease_s=30, lis_timeout_s=self.settings.lis_timeout_s,
                        lis_backoff_s=self.settings.lis_backoff_s)
        count = 0
        while worker.run_next():
            count += 1
        return count


class Client:
    """A TestClient logged in as ``name`` (a fresh token), adding the CSRF token to cookie-session changes."""

    def __init__(self, lab: Lab, name: str | None, bearer: bool) -> None:
        self.http = TestClient(lab.app, base_url="http://127.0.0.1", follow_redirects=False)
        self.csrf = ""
        self.headers: dict[str, str] = {}
        if name is not None:
            token = lab.store.create_token(lab.user_ids[name])
            if bearer:
                self.headers["authorization"] = f"Bearer {token}"
            else:
                self.http.cookies.set(SESSION_COOKIE, token)
                self.csrf = csrf_token(lab.app.state.secret, token)

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.http.get(path, headers={**self.headers, **(headers or {})}, **kwargs)

    def post(self, path: str, *, csrf: bool = True, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        sent = {**self.headers, **(headers or {})}
        if csrf and self.csrf:
            sent["x-csrf-token"] = self.csrf
        return self.http.post(path, headers=sent, **kwargs)

    def form(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        """A form post as the browser sends it: the CSRF token is a form field."""
        return self.http.post(path, headers=self.headers, data={**data, "csrf": self.csrf}, **kwargs)


def make_lab(tmp: Path, db_url: str | None = None, **settings: Any) -> Lab:
    from chipdx.store import Store
    from tests.postgres import fast_hasher

    config = ServiceSettings(data_dir=tmp, db_url=db_url, worker_threads=0, secret="test-secret", **settings)
    store = Store.open(config.database_url, hasher=fast_hasher())
    app = create_app(config, store=store)
    ids = {name: store.add_user(name, role, PASSWORD).id for name, role in USERS.items()}
    return Lab(app, store, config, ids)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    made = make_lab(tmp_path)
    yield made
    made.store.close()


def upload(client: Client, path: Path, assay: str = DEMO_ASSAY) -> Any:
    with path.open("rb") as stream:
        return client.post("/api/v1/runs", files={"file": (path.name, stream, "application/octet-stream")},
                           data={"assay": assay})


def reviewed_and_released(lab: Lab, path: Path) -> int:
    """Upload as the technician, analyse, review every open result as the reviewer, release as a releaser."""
    run_id = int(upload(lab.client("tech"), path).json()["id"])
    assert lab.work() == 1
    review_and_release(lab, run_id)
    return run_id


def review_and_release(lab: Lab, run_id: int) -> None:
    """Review every open result of an analysed run as the reviewer, then release it as a releaser."""
    reviewer = lab.client("rev")
    for sample in lab.store.samples(run_id):
        if sample.needs_review or sample.result == "review":
            final = "invalid" if sample.result == "review" else sample.result
            answer = reviewer.post(f"/api/v1/results/{sample.id}/review", json={"result": final, "reason": "checked"})
            assert answer.status_code == 200, answer.text
    answer = lab.client("rel").post(f"/api/v1/runs/{run_id}/release", json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
