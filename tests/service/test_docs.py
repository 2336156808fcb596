"""The API docs page works offline: Swagger UI's script and style come from this server (swagger-ui-bundle),
and the page names no other host."""

from __future__ import annotations

import re

from tests.service.conftest import Lab


def test_docs_page_references_no_external_host(lab: Lab) -> None:
    client = lab.client("tech")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert re.findall(r"(?:https?:)?//[\w.-]+", page.text) == []  # no http://host, https://host or //host
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 100, asset
    assert '"validatorUrl": null' in page.text  # Swagger UI would otherwise load a badge from validator.swagger.io
    assert "'/api/v1/openapi.json'" in page.text or '"/api/v1/openapi.json"' in page.text
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "chipdx lab service"
