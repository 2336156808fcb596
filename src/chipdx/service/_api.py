"""The JSON API under ``/api/v1`` (SPEC §7b), with its OpenAPI description and docs page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from chipdx.service import _actions, _assays, _lis
from chipdx.service._access import Identity, require
from chipdx.service._present import run_json, sample_json

__all__ = ["SWAGGER_ASSETS", "router", "swagger_ui_folder"]

SWAGGER_ASSETS = "/static/swagger-ui"  # where the app serves Swagger UI's own files

router = APIRouter(prefix="/api/v1", tags=["api"])
Viewer = Annotated[Identity, Depends(require("view"))]
Uploader = Annotated[Identity, Depends(require("upload"))]
Reviewer = Annotated[Identity, Depends(require("review"))]
Releaser = Annotated[Identity, Depends(require("release"))]


class ReviewBody(BaseModel):
    result: str = Field(description="detected | not_detected | inconclusive | invalid | presumptive_positive")
    reason: str = Field(min_length=1, max_length=2000, description="why the result is overridden (required)")


class ReleaseBody(BaseModel):
    password: str = Field(min_length=1, max_length=1000, description="the releaser's password again: e-signature")
    meaning: str = Field(default="", max_length=500, description="what the signature means")


class SettingBody(BaseModel):
    kind: str = Field(description="exclude | include (a well) | threshold | baseline (a target)")
    name: str = Field(description="well label (A1) or target name")
    value: str = Field(default="", description="threshold (a positive number) or baseline FIRST-LAST; empty: auto")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/token", summary="a bearer token for a user name and password")
def token(request: Request, username: Annotated[str, Form(max_length=80)],
          password: Annotated[str, Form(max_length=1000)]) -> dict[str, str]:
    store = request.app.state.store
    user = store.authenticate(username, password)
    return {"access_token": store.create_token(user.id), "token_type": "bearer"}


@router.post("/runs", status_code=202, summary="upload a run file with an assay; analysed by a worker")
def upload(request: Request, who: Uploader, file: Annotated[UploadFile, File()],
           assay: Annotated[str, Form(max_length=120)]) -> dict[str, Any]:
    settings = request.app.state.settings
    run = _actions.upload(request.app.state.store, who, file.file, file.filename or "upload", assay,
                          settings.uploads, settings.upload_limit)
    return {"id": run.id, "status": run.status}


@router.get("/runs", summary="runs, newest first; search by file name, SHA-256, assay or uploader")
def runs(request: Request, who: Viewer, search: str = "", status: str | None = None, limit: int = 100,
         offset: int = 0) -> list[dict[str, Any]]:
    found = request.app.state.store.runs(search=search[:200], status=status, limit=max(1, min(limit, 1000)),
                                         offset=max(0, offset))
    return [run_json(run) for run in found]


@router.get("/assays", summary="the assays an upload may name: shipped and uploaded (with version and SHA-256)")
def assays(request: Request, who: Viewer) -> dict[str, Any]:
    from chipdx.interpret.assays import shipped_assays

    store = request.app.state.store
    return {"available": list(_assays.available(store)), "shipped": list(shipped_assays()),
            "uploaded": [{"id": a.id, "name": a.name, "version": a.version, "sha256": a.sha256,
                          "uploaded_by": a.uploaded_by, "retired": a.retired} for a in store.assays()]}


@router.get("/runs/{run_id}", summary="one run and its status")
def run(request: Request, who: Viewer, run_id: int) -> dict[str, Any]:
    return run_json(request.app.state.store.run(run_id))


@router.get("/runs/{run_id}/results", summary="the current result of every sample of a run")
def results(request: Request, who: Viewer, run_id: int) -> dict[str, Any]:
    store = request.app.state.store
    store.run(run_id)
    return {"samples": [sample_json(s) for s in store.samples(run_id)]}


@router.post("/runs/{run_id}/settings", status_code=202,
             summary="exclude a well, or set a manual threshold or baseline of a target; re-analysed")
def change_setting(request: Request, who: Reviewer, run_id: int, body: SettingBody) -> dict[str, Any]:
    job = request.app.state.store.reanalyse(run_id, by=who.user_id, reason=body.reason,
                                            settings=_actions.setting(body.kind, body.name, body.value))
    return {"id": run_id, "job": job.id, "status": "queued"}


@router.post("/results/{sample_id}/review", summary="override a result with a reason (reviewer)")
def review(request: Request, who: Reviewer, sample_id: int, body: ReviewBody) -> dict[str, Any]:
    return sample_json(request.app.state.store.review(sample_id, by=who.user_id, result=body.result,
                                                      reason=body.reason))


@router.post("/runs/{run_id}/release", summary="release a run with the e-signature (releaser; four eyes)")
def release(request: Request, who: Releaser, run_id: int, body: ReleaseBody) -> dict[str, Any]:
    signed = _actions.release(request.app.state.store, who, run_id, body.password, body.meaning,
                              request.app.state.settings.destinations)
    return {"id": run_id, "status": "released", "version": signed.version, "by": signed.user,
            "at": signed.at.isoformat(), "meaning": signed.meaning}


@router.get("/runs/{run_id}/deliveries", summary="the LIS deliveries of a run's releases: status and attempts")
def deliveries(request: Request, who: Viewer, run_id: int) -> list[dict[str, Any]]:
    store = request.app.state.store
    store.run(run_id)
    return [{"job": d.id, "release_version": d.release_version, "destination": d.destination, "state": d.state,
             "attempts": d.attempts, "error": d.error or None,
             "next_attempt": d.not_before.isoformat() if d.not_before and d.state == "queued" else None}
            for d in store.deliveries(run_id)]


@router.get("/runs/{run_id}/fhir", summary="FHIR R4 Bundle of a released run (409 before)")
def fhir(request: Request, who: Viewer, run_id: int) -> JSONResponse:
    return JSONResponse(_lis.fhir_bundle(request.app.state.store, run_id), media_type="application/fhir+json")


@router.get("/runs/{run_id}/hl7", summary="HL7 v2.5.1 ORU^R01 of a released run (409 before)")
def hl7(request: Request, who: Viewer, run_id: int) -> PlainTextResponse:
    return PlainTextResponse(_lis.oru_message(request.app.state.store, run_id), media_type="x-application/hl7-v2+er7")


@router.get("/audit", summary="audit events, oldest first; ?run= for one run")
def audit(request: Request, who: Viewer, run: int | None = None) -> list[dict[str, Any]]:
    return [{"seq": e.seq, "at": e.at, "user": e.user, "action": e.action, "target": e.target, "old": e.old,
             "new": e.new, "reason": e.reason, "hash": e.hash}
            for e in request.app.state.store.audit(run_id=run)]


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, who: Viewer) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


def swagger_ui_folder() -> str:
    """Swagger UI's files from the ``swagger-ui-bundle`` package, served by the app: the docs page needs no CDN."""
    from chipdx.extras import require

    bundle = require("swagger_ui_bundle", extra="service", feature="the API docs page")
    return str(bundle.swagger_ui_path)


@router.get("/docs", include_in_schema=False)
def docs(request: Request, who: Viewer) -> Response:
    # FastAPI's self-hosting recipe ("Custom Docs UI Static Assets"): the files come from this server, not a CDN
    return get_swagger_ui_html(openapi_url="/api/v1/openapi.json", title="chipdx API",
                               swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                               swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                               swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
                               swagger_ui_parameters={"validatorUrl": None})  # no badge from validator.swagger.io
