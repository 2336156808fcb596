"""Every route x every role (and no log-in): 401 without credentials, 403 for a role without the route's
permission, and through for the roles that have it (GET: 200). Cookie changes without the CSRF token: 403."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from chipdx.service import PERMISSIONS, permission_of
from tests.service.conftest import USERS, Lab, make_lab, reviewed_and_released

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/v1/token")}
ROLES_OF = dict(USERS)


@pytest.fixture(scope="module")
def released_lab(tmp_path_factory: pytest.TempPathFactory, cartridge_rdml: Path) -> Iterator[tuple[Lab, int]]:
    lab = make_lab(tmp_path_factory.mktemp("lab"))
    run_id = reviewed_and_released(lab, cartridge_rdml)
    yield lab, run_id
    lab.store.close()


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute below ``routes`` (FastAPI keeps an included router as one entry holding its routes)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _routes() -> list[tuple[str, str]]:
    from chipdx.service._api import router as api
    from chipdx.service._pages import router as pages

    return sorted((method, route.path) for route in _api_routes([*pages.routes, *api.routes])
                  for method in route.methods)


ROUTES = _routes()


def _permission(app: Any, method: str, path: str) -> str | None:
    for route in _api_routes(app.routes):
        if route.path == path and method in route.methods:
            found = {permission_of(d.call) for d in route.dependant.dependencies} - {None}
            assert len(found) <= 1, f"{method} {path}: several permissions {found}"
            return next(iter(found), None)
    raise AssertionError(f"{method} {path} is not a route of the app")


def _concrete(path: str, lab: Lab, run_id: int) -> str:
    sample_id = lab.store.samples(run_id)[0].id
    values = {"run_id": str(run_id), "sample_id": str(sample_id), "name": "tech", "assay_id": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def test_every_route_has_a_permission_or_is_public(released_lab: tuple[Lab, int]) -> None:
    lab, _ = released_lab
    assert len(ROUTES) >= 30
    assert sorted((m, r.path) for r in _api_routes(lab.app.routes) for m in r.methods) == ROUTES
    for method, path in ROUTES:
        permission = _permission(lab.app, method, path)
        assert (permission is None) == ((method, path) in PUBLIC), f"{method} {path}: permission {permission}"
        assert permission is None or permission in PERMISSIONS


@pytest.mark.parametrize("who", [None, "tech", "rev", "rel", "adm"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_route_by_role(released_lab: tuple[Lab, int], method: str, path: str, who: str | None) -> None:
    lab, run_id = released_lab
    permission = _permission(lab.app, method, path)
    client = lab.client(who)
    url = _concrete(path, lab, run_id)
    answer = client.get(url) if method == "GET" else client.post(url, data={})
    if permission is None:
        assert answer.status_code not in (401, 403) and answer.status_code < 500, answer.text
    elif who is None:
        assert answer.status_code == 401, f"{method} {url} without log-in: {answer.status_code}"
    elif ROLES_OF[who] not in PERMISSIONS[permission]:
        assert answer.status_code == 403, f"{method} {url} as {who}: {answer.status_code}"
    elif method == "GET":
        expected = 303 if path == "/" else 200  # the home page sends people on to the runs
        assert answer.status_code == expected, f"{method} {url} as {who}: {answer.status_code} {answer.text[:200]}"
    else:
        assert answer.status_code not in (401, 403) and answer.status_code < 500, \
            f"{method} {url} as {who}: {answer.status_code} {answer.text[:200]}"


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST" and r not in PUBLIC])
def test_cookie_change_without_csrf_is_refused(released_lab: tuple[Lab, int], method: str, path: str) -> None:
    lab, run_id = released_lab
    permission = _permission(lab.app, method, path)
    assert permission is not None
    who = next(name for name, role in USERS.items() if role in PERMISSIONS[permission])
    client = lab.client(who)
    url = _concrete(path, lab, run_id)
    assert client.post(url, csrf=False, data={}).status_code == 403
    assert client.post(url, csrf=False, data={"csrf": "forged"}).status_code == 403
    bearer = lab.client(who, bearer=True)  # a bearer token cannot be sent cross-site: no CSRF token needed
    assert bearer.post(url, data={}).status_code not in (401, 403)


def test_pages_without_login_show_the_login_form(released_lab: tuple[Lab, int]) -> None:
    lab, _ = released_lab
    answer = lab.client().get("/runs", headers={"accept": "text/html"})
    assert answer.status_code == 401
    assert 'name="password"' in answer.text
