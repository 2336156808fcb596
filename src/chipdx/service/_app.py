"""The app factory: settings -> a FastAPI app with its store, templates, worker and error pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chipdx._version import __version__
from chipdx.errors import (
    AccessRefusedError,
    ChipdxError,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    UploadTooLargeError,
)
from chipdx.service._settings import ServiceSettings
from chipdx.service._uploads import too_large
from chipdx.service._worker import Worker

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
ANCHOR_NAME = "audit-head.json"
_MULTIPART_MARGIN = 1024 * 1024  # form fields and part headers around the file
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
]


def status_of(exc: Exception) -> int:
    """The HTTP status of a refusal raised below the web layer."""
    for kind, status in ((NotFoundError, 404), (ConflictError, 409), (AccessRefusedError, 403),
                         (InvalidParameterError, 422), (UploadTooLargeError, 413), (ChipdxError, 422)):
        if isinstance(exc, kind):
            return status
    return 500


class BodyLimit:
    """Refuses (413) a request body over ``limit`` bytes, by its Content-Length or while it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise too_large(self.limit)
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": str(too_large(limit))}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def _one_line(detail: object) -> str:
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
    return text.splitlines()[0] if text else ""


def _error_response(request: Request, status: int, message: str,
                    headers: Mapping[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=dict(headers or {}))
    templates: Jinja2Templates = request.app.state.templates
    if status == 401:
        from chipdx.service._pages import login_page

        return login_page(request, status=401, error="please log in", next_path=request.url.path)
    return templates.TemplateResponse(request, "error.html.j2", {"status": status, "message": message},
                                      status_code=status)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error_response(request, exc.status_code, _one_line(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error_response(request, 422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(ChipdxError)
    async def refused(request: Request, exc: ChipdxError) -> Response:
        return _error_response(request, status_of(exc), _one_line(str(exc)))


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS:
            response.headers.setdefault(name.decode(), value.decode())
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("cache-control", "no-store")
        return response


def create_app(settings: ServiceSettings, *, store: Any = None) -> FastAPI:
    """The lab web app and API on ``settings``; opens (and migrates) the store unless one is given, and runs
    ``settings.worker_threads`` analysis threads while it serves."""
    from chipdx.service._api import SWAGGER_ASSETS, swagger_ui_folder
    from chipdx.service._api import router as api_router
    from chipdx.service._pages import router as page_router
    from chipdx.store import Store

    owned = store is None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # the audit chain's head is anchored in the data folder too, as `chipdx users` / `chipdx audit verify` do
    the_store = Store.open(settings.database_url, anchor_path=settings.data_dir / ANCHOR_NAME) if owned else store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.worker_threads:
            worker = Worker(the_store, settings.outputs, threads=settings.worker_threads, lease_s=settings.lease_s,
                            poll_s=settings.poll_s, lis_timeout_s=settings.lis_timeout_s,
                            lis_backoff_s=settings.lis_backoff_s)
            worker.start()
        app.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if owned:
                the_store.close()

    app = FastAPI(title="chipdx lab service", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None,
                  description="Runs uploaded, analysed, reviewed and released with an e-signature (SPEC §7b).")
    app.state.settings = settings
    app.state.store = the_store
    app.state.secret = settings.signing_secret()
    app.state.worker = None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    app.state.templates = templates
    _install_errors(app)
    _security_headers(app)
    app.include_router(page_router)
    app.include_router(api_router)
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=swagger_ui_folder()), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(BodyLimit, limit=settings.upload_limit + _MULTIPART_MARGIN)
    return app
