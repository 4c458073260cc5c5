"""The clerks' web app: log in, take an application from the queue, correct, release.

Server-rendered (FastAPI + Jinja2) with one small script for boxes and keys.
Everything but the login page and the static CSS/JS needs a session; every
form carries the session's CSRF token; page images come only from inside the
outbox. Every view and change of an application is written to the audit table.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware

from pipeline import store
from pipeline.models import (
    DOCUMENT_FIELDS,
    ApplicationForm,
    ApplicationResult,
    DocumentResult,
    DocumentType,
    Reason,
    Status,
)
from pipeline.regroup import RegroupError, RegroupRequest, regroup
from pipeline.settings import Settings, get_settings
from review.corrections import (
    Change,
    cached_reading,
    correct_document,
    field_names,
    redecide,
    write_outputs,
)

HERE = Path(__file__).resolve().parent
#: What the file route serves: page previews (and nothing else from the outbox).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
_CORRECTIONS = threading.Lock()
#: Rows per queue page (oldest first: the first page is what is most urgent).
QUEUE_PAGE_SIZE = 100
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
}


class LoginRequired(Exception):
    """Raised by :func:`clerk` when there is no session: answered by a redirect."""

    def __init__(self, target: str) -> None:
        super().__init__("login required")
        self.target = target


# ------------------------------------------------------------------ helpers


def safe_outbox_path(outbox: Path, relative: str) -> Path | None:
    """The file ``relative`` names, only when it resolves (symlinks too) inside ``outbox``."""
    if not relative or "\x00" in relative:
        return None
    root = outbox.resolve()
    try:
        candidate = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send a clerk to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


_FILE_IN_NOTE = re.compile(r"file '([^']*)'")
_FIELD_IN_NOTE = re.compile(r"field '([^']*)'")


def flagged_fields(review_reasons: list[str]) -> dict[str, set[str]]:
    """file -> fields that review notes point at ('*' when a note names only the file)."""
    flagged: dict[str, set[str]] = {}
    for note in review_reasons:
        file = _FILE_IN_NOTE.search(note)
        if not file:
            continue
        fields = _FIELD_IN_NOTE.findall(note) or ["*"]
        flagged.setdefault(file.group(1), set()).update(fields)
    return flagged


@dataclass
class FieldView:
    name: str
    value: Any
    confidence: float | None
    low: bool
    flagged: bool
    page: int | None
    box: dict[str, float] | None  # percentages of the page frame


@dataclass
class PageView:
    page: int
    url: str
    width: int
    height: int
    boxes: list[FieldView] = field(default_factory=list)


@dataclass
class SiblingView:
    """Another entry of the same file: where a page can go, what a document can join."""

    index: int
    label: str


@dataclass
class DocumentView:
    index: int
    doc: DocumentResult
    fields: list[FieldView]
    pages: list[PageView]
    flagged: bool
    low_type: bool
    #: the other entries of the same file (a bundled upload)
    siblings: list[SiblingView] = field(default_factory=list)
    #: its file has several pages: pages can be moved, documents split and merged
    regroupable: bool = False


def document_view(
    index: int, doc: DocumentResult, flagged: dict[str, set[str]], low: float
) -> DocumentView:
    """What the template draws for one document: fields with their boxes, pages."""
    marked = flagged.get(doc.file, set())
    frames = {image.page: image for image in doc.page_images}
    fields: list[FieldView] = []
    for name in field_names(doc):
        evidence = doc.field_evidence.get(name)
        box = None
        page = None
        if evidence is not None and evidence.box is not None:
            frame = frames.get(evidence.box.page)
            if frame is None and len(doc.page_images) == 1:
                frame = doc.page_images[0]
            if frame is not None and frame.width > 0 and frame.height > 0:
                b = evidence.box
                page = frame.page
                box = {
                    "left": 100 * b.x0 / frame.width,
                    "top": 100 * b.y0 / frame.height,
                    "width": 100 * max(b.x1 - b.x0, 1) / frame.width,
                    "height": 100 * max(b.y1 - b.y0, 1) / frame.height,
                }
        confidence = evidence.confidence if evidence is not None else None
        fields.append(
            FieldView(
                name=name,
                value=doc.fields.get(name),
                confidence=confidence,
                low=confidence is not None and confidence < low,
                flagged=name in marked,
                page=page,
                box=box,
            )
        )
    pages = [
        PageView(
            page=image.page,
            url="/files/" + quote(image.path),
            width=image.width,
            height=image.height,
            boxes=[f for f in fields if f.box is not None and f.page == image.page],
        )
        for image in doc.page_images
    ]
    return DocumentView(
        index=index,
        doc=doc,
        fields=fields,
        pages=pages,
        flagged=bool(marked),
        low_type=doc.confidence < low and doc.type is not DocumentType.UNKNOWN,
    )


def with_regrouping(views: list[DocumentView]) -> list[DocumentView]:
    """Tell each document of a multi-page file its siblings (the regrouping targets)."""
    for view in views:
        same_file = [other for other in views if other.doc.file == view.doc.file]
        view.regroupable = sum(len(other.doc.pages) for other in same_file) > 1
        view.siblings = [
            SiblingView(index=other.index, label=document_label(other.index, other.doc))
            for other in same_file
            if other.index != view.index
        ]
    return views


def document_label(index: int, doc: DocumentResult) -> str:
    """'#3 rental contract, pages 2-4': how a document is named in the regrouping menus."""
    pages = doc.pages
    if not pages:
        where = "no pages"
    elif len(pages) == 1:
        where = f"page {pages[0]}"
    elif pages == list(range(pages[0], pages[-1] + 1)):
        where = f"pages {pages[0]}-{pages[-1]}"
    else:
        where = "pages " + ", ".join(map(str, pages))
    return f"#{index + 1} {doc.type.value.replace('_', ' ')}, {where}"


def _optional_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else None


def days_left(issue_by: date | None, today: date) -> int | None:
    return (issue_by - today).days if issue_by else None


# ------------------------------------------------------------ session, CSRF


class LoginThrottle:
    """After ``limit`` wrong passwords for one name within ``window`` seconds, wait that long.

    In memory, per process: enough against guessing through one app instance.
    """

    def __init__(self, limit: int = 5, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(name, []) if now - t < self.window]
        self._failures[name] = kept
        return kept

    def blocked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(name.strip().lower(), time.monotonic())) >= self.limit

    def failed(self, name: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(name.strip().lower(), now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.strip().lower(), None)


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, renewed at login)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def clerk(request: Request) -> str:
    """The logged-in clerk's name; no (or an expired) session: off to the login page."""
    hours = request.app.state.settings.review_session_hours
    name = request.session.get("user")
    started = request.session.get("since", 0)
    if not name or time.time() - started > hours * 3600:
        request.session.pop("user", None)
        raise LoginRequired(request.url.path)
    return name


async def checked_form(request: Request) -> FormData:
    """The posted form, only when it carries this session's CSRF token."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return form


Clerk = Annotated[str, Depends(clerk)]
CheckedForm = Annotated[FormData, Depends(checked_form)]


# ---------------------------------------------------------------------- app


def create_app(
    outbox: Path,
    database_url: str | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The app over one outbox and its store (``database_url`` or the default)."""
    settings = settings or get_settings()
    root = Path(outbox).resolve()
    engine: Engine = store.open_store(database_url or store.database_url(root, settings), root)
    low = settings.review_low_confidence
    throttle = LoginThrottle()
    claim_hours = settings.review_claim_hours

    app = FastAPI(title="Residence proofs review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.outbox = root
    app.state.engine = engine
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.review_session_secret or secrets.token_urlsafe(48),
        session_cookie="proofs_review",
        max_age=int(settings.review_session_hours * 3600),
        same_site="strict",
        https_only=settings.review_secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, error: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(error.target, safe='/')}", status_code=303)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context.update(
            user=request.session.get("user"),
            csrf=csrf_token(request),
            today=date.today(),
        )
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def load(row_id: int) -> store.ApplicationRow:
        row = store.get_application(engine, row_id)
        if row is None:
            raise HTTPException(status_code=404, detail="no such application")
        return row

    def back(row_id: int, message: str = "", anchor: str = "") -> RedirectResponse:
        query = f"?msg={quote(message)}" if message else ""
        return RedirectResponse(f"/applications/{row_id}{query}{anchor}", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    # --------------------------------------------------------------- login

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", next=_safe_next(next), error=None)

    @app.post("/login")
    def login(request: Request, form: CheckedForm) -> Response:
        name = str(form.get("username") or "")
        password = str(form.get("password") or "")
        target = _safe_next(str(form.get("next") or "/"))
        if throttle.blocked(name):
            return render(
                request,
                "login.html",
                status_code=429,
                next=target,
                error="Too many wrong passwords for this name: wait a few minutes.",
            )
        if not name or not store.verify_user(engine, name, password):
            throttle.failed(name)
            return render(
                request,
                "login.html",
                status_code=401,
                next=target,
                error="Wrong name or password.",
            )
        throttle.succeeded(name)
        request.session.clear()  # a new session on login: no fixation
        request.session.update(user=name.strip(), since=time.time())
        csrf_token(request)
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    def logout(request: Request, who: Clerk, form: CheckedForm) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --------------------------------------------------------------- queue

    @app.get("/", response_class=HTMLResponse)
    def queue_page(
        request: Request,
        who: Clerk,
        batch: str = "",
        status: str = "",
        reason: str = "",
        released: bool = False,
        page: int = 1,
        msg: str = "",
    ) -> Response:
        everything = store.queue(engine, batch=batch or None, include_released=released)
        today = date.today()
        rows = [r for r in everything if not status or r.status == status]
        if reason == "needs_review":
            rows = [r for r in rows if r.needs_review]
        elif reason == "sampled":
            rows = [r for r in rows if r.sampled]
        elif reason:
            rows = [r for r in rows if reason in r.notice_reasons]
        counts = {
            "in_queue": len(everything),
            "needs_review": sum(r.needs_review for r in everything),
            "supplement_required": sum(
                r.status == Status.SUPPLEMENT_REQUIRED.value for r in everything
            ),
            "sampled": sum(r.sampled for r in everything),
            "claimed": sum(bool(store.claimed_by_other(r, "", claim_hours)) for r in everything),
            "overdue": sum(1 for r in everything if r.issue_by is not None and r.issue_by < today),
            "shown": len(rows),
            "page": max(1, page),
            "pages": max(1, -(-len(rows) // QUEUE_PAGE_SIZE)),
        }
        entries = [
            {
                "row": r,
                "reasons": r.notice_reasons,
                "days_left": days_left(r.issue_by, today),
                "other": store.claimed_by_other(r, who, claim_hours),
            }
            for r in rows[(max(1, page) - 1) * QUEUE_PAGE_SIZE :][:QUEUE_PAGE_SIZE]
        ]
        return render(
            request,
            "queue.html",
            entries=entries,
            counts=counts,
            batches=store.batches(engine),
            statuses=[s.value for s in Status],
            reasons=["needs_review", "sampled", *[r.value for r in Reason]],
            selected={"batch": batch, "status": status, "reason": reason, "released": released},
            message=msg,
        )

    # --------------------------------------------------------- application

    @app.get("/applications/{row_id}", response_class=HTMLResponse)
    def application_page(request: Request, row_id: int, who: Clerk, msg: str = "") -> Response:
        row = load(row_id)
        store.audit(engine, who, row_id, "view")
        result = ApplicationResult.model_validate(row.result)
        flagged = flagged_fields(result.review_reasons)
        documents = with_regrouping(
            [document_view(index, doc, flagged, low) for index, doc in enumerate(result.documents)]
        )
        today = date.today()
        return render(
            request,
            "application.html",
            row=row,
            result=result,
            form=row.form,
            documents=documents,
            types=[t.value for t in DocumentType],
            document_fields={t.value: list(f) for t, f in DOCUMENT_FIELDS.items()},
            mine=row.claimed_by == who,
            other=store.claimed_by_other(row, who, claim_hours),
            can_correct=row.form is not None,
            days_left=days_left(row.issue_by, today),
            audit=store.audit_trail(engine, row_id),
            message=msg,
            notice_version=row.revision,
        )

    @app.post("/applications/{row_id}/claim")
    def claim(row_id: int, who: Clerk, form: CheckedForm) -> Response:
        row = load(row_id)
        if not store.claim(engine, row_id, who, claim_hours):
            other = store.claimed_by_other(row, who, claim_hours) or "another clerk"
            return back(row_id, f"Already claimed by {other}.")
        store.audit(engine, who, row_id, "claim")
        return back(row_id, "Claimed: you can correct and release it.")

    @app.post("/applications/{row_id}/unclaim")
    def unclaim(row_id: int, who: Clerk, form: CheckedForm) -> Response:
        load(row_id)
        if store.unclaim(engine, row_id, who):
            store.audit(engine, who, row_id, "unclaim")
        return RedirectResponse("/", status_code=303)

    def require_claim(row: store.ApplicationRow, who: str) -> None:
        if row.claimed_by != who:
            raise HTTPException(status_code=409, detail="claim the application first")

    def open_for_change(
        row_id: int, index: int, who: str, form: FormData, redo: str
    ) -> tuple[store.ApplicationRow, ApplicationResult] | Response:
        """The claimed application and its result, ready for a change to document
        ``index``; or the way back when the page the clerk worked on is stale."""
        row = load(row_id)
        require_claim(row, who)
        if row.form is None:
            raise HTTPException(status_code=409, detail="a rejected form cannot be re-decided")
        if str(form.get("revision") or "") != str(row.revision):
            return back(
                row_id,
                f"This application changed since you opened it: check it again, then redo {redo}",
                f"#doc-{index}",
            )
        result = ApplicationResult.model_validate(row.result)
        if not 0 <= index < len(result.documents):
            raise HTTPException(status_code=404, detail="no such document")
        return row, result

    @app.post("/applications/{row_id}/documents/{index}")
    def correct(
        row_id: int,
        index: int,
        who: Clerk,
        form: CheckedForm,
    ) -> Response:
        with _CORRECTIONS:  # one read-decide-write at a time: a double click cannot interleave
            return _correct(row_id, index, who, form)

    def _correct(row_id: int, index: int, who: str, form: FormData) -> Response:
        opened = open_for_change(row_id, index, who, form, "your correction.")
        if isinstance(opened, Response):
            return opened
        row, result = opened
        new_type = str(form.get("type") or "") or None
        if new_type is not None and new_type not in {t.value for t in DocumentType}:
            raise HTTPException(status_code=422, detail="unknown document type")
        values = {
            key[len("field.") :]: str(value)
            for key, value in form.multi_items()
            if key.startswith("field.")
        }
        usable_text = str(form.get("photo_usable") or "")
        photo_usable = {"yes": True, "no": False}.get(usable_text)
        doc = result.documents[index]
        application_form = ApplicationForm.model_validate(row.form)
        reading = None
        if new_type not in (None, doc.type.value) and doc.pages:
            reading = cached_reading(root, doc, application_form.language.value)
        if reading is not None:  # a new type: read the fields of that type from the pages
            try:
                retyped = regroup(
                    result.documents,
                    reading,
                    RegroupRequest("type", index, type=DocumentType(str(new_type))),
                )
            except RegroupError as error:
                return back(row_id, str(error), f"#doc-{index}")
            documents = retyped.documents
            changes = [Change("type", doc.type.value, new_type)]
        else:
            try:
                corrected, changes = correct_document(
                    doc,
                    new_type=new_type,
                    values=values if new_type in (None, doc.type.value) else {},
                    photo_usable=photo_usable,
                )
            except ValueError as error:
                return back(row_id, str(error), f"#doc-{index}")
            documents = list(result.documents)
            documents[index] = corrected
        if not changes:
            return back(row_id, "Nothing changed.", f"#doc-{index}")
        updated = save_decision(row, result, application_form, documents)
        for change in changes:
            store.audit(
                engine,
                who,
                row_id,
                "correct",
                f"{doc.file} #{index + 1}: {change.field}",
                change.before,
                change.after,
            )
        store.audit(
            engine, who, row_id, "redecide", "status", result.status.value, updated.status.value
        )
        return back(row_id, "Saved; the notice below is the new one.", "#notice")

    def save_decision(
        row: store.ApplicationRow,
        result: ApplicationResult,
        application_form: ApplicationForm,
        documents: list[DocumentResult],
    ) -> ApplicationResult:
        """Decide again on the new documents; rewrite result.json, the notices, the store."""
        updated = redecide(result, application_form, documents, settings)
        write_outputs(updated, application_form, root / row.folder)
        store.update_result(engine, row.id, updated)
        return updated

    @app.post("/applications/{row_id}/documents/{index}/regroup")
    def regroup_pages(row_id: int, index: int, who: Clerk, form: CheckedForm) -> Response:
        with _CORRECTIONS:
            return _regroup(row_id, index, who, form)

    def _regroup(row_id: int, index: int, who: str, form: FormData) -> Response:
        """Move a page, split or merge documents of one file; re-read them; decide again."""
        opened = open_for_change(row_id, index, who, form, "your change.")
        if isinstance(opened, Response):
            return opened
        row, result = opened
        action = str(form.get("action") or "")
        if action not in ("move", "split", "merge"):
            raise HTTPException(status_code=422, detail="unknown regrouping action")
        target_text = str(form.get("target") or "")
        request = RegroupRequest(
            action=action,  # type: ignore[arg-type]
            document=index,
            page=_optional_int(str(form.get("page") or "")),
            target=None if target_text in ("", "new") else _optional_int(target_text),
        )
        if target_text not in ("", "new") and request.target is None:
            return back(row_id, "Choose a document of this file.", f"#doc-{index}")
        application_form = ApplicationForm.model_validate(row.form)
        doc = result.documents[index]
        reading = cached_reading(root, doc, application_form.language.value)
        if reading is None:
            return back(
                row_id,
                f"The reading of document #{index + 1} is no longer cached: run the batch "
                "again to regroup its pages.",
                f"#doc-{index}",
            )
        try:
            done = regroup(result.documents, reading, request)
        except RegroupError as error:
            return back(row_id, str(error), f"#doc-{index}")
        updated = save_decision(row, result, application_form, done.documents)
        store.audit(
            engine,
            who,
            row_id,
            "regroup",
            f"{done.file}: {request.describe()}",
            done.before,
            done.after,
        )
        store.audit(
            engine, who, row_id, "redecide", "status", result.status.value, updated.status.value
        )
        return back(
            row_id, "Regrouped and read again; the notice is the new one.", f"#doc-{done.focus}"
        )

    @app.post("/applications/{row_id}/release")
    def release(row_id: int, who: Clerk, form: CheckedForm) -> Response:
        row = load(row_id)
        require_claim(row, who)
        if not store.release(engine, row_id, who):
            raise HTTPException(status_code=409, detail="claim the application first")
        store.audit(engine, who, row_id, "release", "status", None, row.status)
        return back(row_id, "Released: the notice can go out.")

    @app.get("/applications/{row_id}/notice.{kind}")
    def notice_file(row_id: int, kind: str, who: Clerk) -> Response:
        if kind not in ("html", "pdf"):
            raise HTTPException(status_code=404)
        row = load(row_id)
        path = safe_outbox_path(root, f"{row.folder}/notice.{kind}")
        if path is None:
            raise HTTPException(status_code=404, detail="no notice written")
        media = "text/html; charset=utf-8" if kind == "html" else "application/pdf"
        return FileResponse(path, media_type=media)

    @app.get("/files/{relative:path}")
    def page_image(relative: str, who: Clerk) -> Response:
        path = safe_outbox_path(root, relative)
        if path is None or path.suffix.lower() not in IMAGE_SUFFIXES:
            raise HTTPException(status_code=404, detail="no such page image")
        return FileResponse(path)

    return app


def serve(outbox: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn (``proofs review``)."""
    import uvicorn

    uvicorn.run(create_app(outbox), host=host, port=port, log_level="info", access_log=False)
