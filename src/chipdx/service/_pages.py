"""The pages people use: log in, runs, a run (plate map, calls, flags, report), the review queue,
release with the e-signature, corrections, downloads, the audit trail, users."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from chipdx.errors import AccessRefusedError, NotFoundError
from chipdx.service import _actions, _assays, _lis
from chipdx.service._access import SESSION_COOKIE, Identity, csrf_token, require
from chipdx.service._present import RESULT_COLOURS, plate_map, reactions_csv, worth_a_look
from chipdx.service._worker import REPORT_NAME, job_outputs, manual_settings
from chipdx.store import ROLES

__all__ = ["login_page", "router"]

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Identity, Depends(require("view"))]
Uploader = Annotated[Identity, Depends(require("upload"))]
Reviewer = Annotated[Identity, Depends(require("review"))]
Releaser = Annotated[Identity, Depends(require("release"))]
Admin = Annotated[Identity, Depends(require("admin"))]
LOGIN_COOKIE = "chipdx_login"
RESULTS = ("detected", "not_detected", "inconclusive", "invalid", "presumptive_positive")
_SESSION_S = 8 * 3600
REPORT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _page(request: Request, who: Identity, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    context.update(who=who, csrf=csrf_token(request.app.state.secret, who.token), colours=RESULT_COLOURS)
    response: HTMLResponse = templates.TemplateResponse(request, template, context, status_code=code)
    return response


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _local(path: str) -> str:
    """Only a path on this server is a place to go after log-in (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/runs"


def login_page(request: Request, *, status: int = 200, error: str = "", next_path: str = "/runs") -> HTMLResponse:
    """The log-in form with a fresh double-submit token (cookie + hidden field) against login CSRF."""
    token = secrets.token_urlsafe(24)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "login.html.j2", {"error": error, "next": _local(next_path), "login_csrf": token},
        status_code=status)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.app.state.settings.secure_cookies)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/runs") -> HTMLResponse:
    return login_page(request, next_path=next)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=80)],
          password: Annotated[str, Form(max_length=1000)], login_csrf: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=500)] = "/runs") -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), login_csrf.encode()):
        return login_page(request, status=403, error="the log-in form expired: please try again", next_path=next)
    store = request.app.state.store
    try:
        user = store.authenticate(username, password)
    except AccessRefusedError as exc:
        return login_page(request, status=401, error=str(exc), next_path=next)
    response = _see(_local(next))
    response.set_cookie(SESSION_COOKIE, store.create_token(user.id, ttl_s=_SESSION_S), httponly=True,
                        samesite="strict", max_age=_SESSION_S, secure=request.app.state.settings.secure_cookies)
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, who: Viewer) -> Response:
    request.app.state.store.revoke_token(who.token)
    response = _see("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, who: Viewer) -> Response:
    return _see("/runs")


@router.get("/runs")
def runs(request: Request, who: Viewer, q: str = "", status: str = "") -> HTMLResponse:
    store = request.app.state.store
    found = store.runs(search=q[:200], status=status or None, limit=200)
    return _page(request, who, "runs.html.j2", runs=found, q=q, status_filter=status, assays=_assays.available(store),
                 limit=request.app.state.settings.upload_limit)


@router.post("/runs")
def upload(request: Request, who: Uploader, file: Annotated[UploadFile, File()],
           assay: Annotated[str, Form(max_length=120)]) -> Response:
    settings = request.app.state.settings
    run = _actions.upload(request.app.state.store, who, file.file, file.filename or "upload", assay,
                          settings.uploads, settings.upload_limit)
    return _see(f"/runs/{run.id}")


def _latest_report(request: Request, run_id: int) -> Any:
    done = [job for job in request.app.state.store.jobs(run_id) if job.state == "done" and job.kind == "analysis"]
    if not done:
        return None
    path = job_outputs(request.app.state.settings.outputs, run_id, max(j.id for j in done)) / REPORT_NAME
    return path if path.exists() else None


@router.get("/runs/{run_id}")
def run_page(request: Request, who: Viewer, run_id: int) -> HTMLResponse:
    store = request.app.state.store
    run = store.run(run_id)
    reactions, samples = store.reactions(run_id), store.samples(run_id)
    settings = store.run_settings(run_id)
    manual = manual_settings(settings)
    flagged = [r for r in reactions if worth_a_look(r)]
    reviewed = {r.user for r in store.reviews(run_id)}
    return _page(request, who, "run.html.j2", run=run, samples=samples, reactions=reactions, flagged=flagged,
                 plate=plate_map(reactions, samples, manual.excluded_wells), settings=settings,
                 targets=sorted({r.target for r in reactions}), results=RESULTS, releases=store.releases(run_id),
                 events=store.audit(run_id=run_id), deliveries=store.deliveries(run_id),
                 has_report=_latest_report(request, run_id) is not None,
                 four_eyes_block=who.name in reviewed or run.uploaded_by_id == who.user_id,
                 working=run.status in {"queued", "running"})


@router.get("/runs/{run_id}/report")
def report(request: Request, who: Viewer, run_id: int) -> Response:
    request.app.state.store.run(run_id)
    path = _latest_report(request, run_id)
    if path is None:
        return PlainTextResponse(f"run {run_id} has no report yet", status_code=404)
    # the report is self-contained (inline CSS and SVG): no script runs in it, only this site frames it
    return FileResponse(path, media_type="text/html", headers={"content-security-policy": REPORT_POLICY})


@router.get("/runs/{run_id}/reactions.csv")
def reactions_download(request: Request, who: Viewer, run_id: int) -> Response:
    store = request.app.state.store
    store.run(run_id)
    return PlainTextResponse(reactions_csv(run_id, store.reactions(run_id)), media_type="text/csv",
                             headers={"content-disposition": f'attachment; filename="run-{run_id}-reactions.csv"'})


@router.get("/runs/{run_id}/file")
def original(request: Request, who: Viewer, run_id: int) -> Response:
    run = request.app.state.store.run(run_id)
    return FileResponse(run.stored_path, media_type="application/octet-stream", filename=run.file_name)


@router.get("/runs/{run_id}/fhir.json")
def fhir_download(request: Request, who: Viewer, run_id: int) -> Response:
    return JSONResponse(_lis.fhir_bundle(request.app.state.store, run_id), media_type="application/fhir+json",
                        headers={"content-disposition": f'attachment; filename="run-{run_id}-fhir.json"'})


@router.get("/runs/{run_id}/oru.hl7")
def hl7_download(request: Request, who: Viewer, run_id: int) -> Response:
    return PlainTextResponse(_lis.oru_message(request.app.state.store, run_id), media_type="x-application/hl7-v2+er7",
                             headers={"content-disposition": f'attachment; filename="run-{run_id}-oru.hl7"'})


@router.post("/runs/{run_id}/settings")
def change_setting(request: Request, who: Reviewer, run_id: int, kind: Annotated[str, Form(max_length=20)],
                   name: Annotated[str, Form(max_length=120)], reason: Annotated[str, Form(max_length=2000)],
                   value: Annotated[str, Form(max_length=40)] = "") -> Response:
    request.app.state.store.reanalyse(run_id, by=who.user_id, reason=reason,
                                      settings=_actions.setting(kind, name, value))
    return _see(f"/runs/{run_id}")


@router.post("/samples/{sample_id}/review")
def review(request: Request, who: Reviewer, sample_id: int, result: Annotated[str, Form(max_length=40)],
           reason: Annotated[str, Form(max_length=2000)], back: Annotated[str, Form(max_length=200)] = "") -> Response:
    sample = request.app.state.store.review(sample_id, by=who.user_id, result=result, reason=reason)
    return _see(_local(back) if back else f"/runs/{sample.run_id}")


@router.post("/runs/{run_id}/release")
def release(request: Request, who: Releaser, run_id: int, password: Annotated[str, Form(max_length=1000)],
            meaning: Annotated[str, Form(max_length=500)] = "") -> Response:
    _actions.release(request.app.state.store, who, run_id, password, meaning,
                     request.app.state.settings.destinations)
    return _see(f"/runs/{run_id}")


@router.post("/runs/{run_id}/correct")
def correct(request: Request, who: Releaser, run_id: int, sample: Annotated[int, Form()],
            result: Annotated[str, Form(max_length=40)], reason: Annotated[str, Form(max_length=2000)],
            password: Annotated[str, Form(max_length=1000)]) -> Response:
    store = request.app.state.store
    if store.sample(sample).run_id != run_id:
        raise NotFoundError(f"run {run_id} has no sample {sample}")
    store.correct(sample, by=who.user_id, password=password, result=result, reason=reason,
                  deliver_to=request.app.state.settings.destinations)
    return _see(f"/runs/{run_id}")


@router.get("/review")
def review_queue(request: Request, who: Viewer) -> HTMLResponse:
    store = request.app.state.store
    flagged = [(run, r) for run in store.runs(status="done", limit=200) for r in store.reactions(run.id)
               if worth_a_look(r)]
    return _page(request, who, "review.html.j2", queue=store.review_queue(), flagged=flagged, results=RESULTS)


@router.get("/audit")
def audit(request: Request, who: Viewer, run: int | None = None) -> HTMLResponse:
    store = request.app.state.store
    return _page(request, who, "audit.html.j2", report=store.verify_audit(), events=store.audit(run_id=run),
                 run_id=run)


@router.get("/admin/users")
def users(request: Request, who: Admin) -> HTMLResponse:
    return _page(request, who, "users.html.j2", users=request.app.state.store.users(),
                 roles=ROLES)


@router.post("/admin/users")
def add_user(request: Request, who: Admin, name: Annotated[str, Form(max_length=80)],
             role: Annotated[str, Form(max_length=20)], password: Annotated[str, Form(max_length=1000)]) -> Response:
    request.app.state.store.add_user(name.strip(), role, password, by=who.user_id)
    return _see("/admin/users")


@router.get("/admin/assays")
def assays(request: Request, who: Admin) -> HTMLResponse:
    from chipdx.interpret.assays import shipped_assays

    return _page(request, who, "assays.html.j2", assays=request.app.state.store.assays(), shipped=shipped_assays(),
                 limit=_assays.ASSAY_LIMIT)


@router.post("/admin/assays")
def upload_assay(request: Request, who: Admin, file: Annotated[UploadFile, File()]) -> Response:
    _assays.upload_assay(request.app.state.store, who, file.file, file.filename or "assay.yaml")
    return _see("/admin/assays")


@router.post("/admin/assays/{assay_id}/retire")
def retire_assay(request: Request, who: Admin, assay_id: int,
                 reason: Annotated[str, Form(max_length=2000)]) -> Response:
    request.app.state.store.retire_assay(assay_id, by=who.user_id, reason=reason)
    return _see("/admin/assays")


@router.post("/admin/users/{name}/unlock")
def unlock(request: Request, who: Admin, name: str) -> Response:
    request.app.state.store.unlock(name, by=who.user_id)
    return _see(f"/admin/users?unlocked={quote(name)}")
