"""The HTTP service: `/v1` JSON API, the chat page at `/`, health, readiness and metrics.

Model and FAISS calls run in worker threads behind a bounded queue, so a slow request never
blocks the event loop and an overload gets a quick 503 instead of a pile-up. The process is
stateless apart from the index it reads; uploads are indexed by one background worker and
switch the served index atomically when done.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

import anyio
from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assistant.answer import Turn
from assistant.api_models import (
    AskRequest,
    ChatRequest,
    DocumentsModel,
    ErrorModel,
    FiguresModel,
    JobModel,
    LedgerRowModel,
    SearchModel,
    SearchRequest,
    document_model,
    job_model,
    search_result_model,
)
from assistant.documents import DOCUMENT_SUFFIXES, Metadata, doc_id_for, parse_source
from assistant.documents.reading import decode_source
from assistant.errors import (
    AssistantError,
    BadFilter,
    BadQuestion,
    DocumentExists,
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ParseError,
    QueueFull,
    StillIndexing,
)
from assistant.http_guard import Guard, Metrics, token_matches
from assistant.jobs import Job, JobBoard
from assistant.jobs_db import DatabaseJobBoard
from assistant.schema import AnswerModel, answer_model
from assistant.server_link import announced, local_url
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import DocumentRecord, Store

log = logging.getLogger("assistant.api")
WEB = Path(__file__).resolve().parent / "web"
UPLOAD_SUFFIXES = set(DOCUMENT_SUFFIXES)
MAX_NAME_BYTES = 255
COPY_CHUNK = 1024 * 1024
ERROR_STATUS: dict[type[AssistantError], int] = {
    BadQuestion: 422,
    BadFilter: 422,
    ParseError: 422,
    DocumentNotFound: 404,
    DocumentExists: 409,
    StillIndexing: 409,
    QueueFull: 429,
    IndexNotFound: 503,
    IndexMismatch: 503,
    IndexCorrupt: 503,
}


# Service state -------------------------------------------------------------------------------


class Busy(Exception):
    """More requests are waiting than the queue holds."""


class Service:
    """What the app holds between requests: the Assistant, the worker limits and the jobs.

    Questions run on `workers` threads; deletes on a thread of their own, so a delete that
    waits for the index's writer lock never holds a question's place."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.settings = settings
        self.assistant = assistant
        self.limiter = anyio.CapacityLimiter(settings.workers)
        self.writer = anyio.CapacityLimiter(1)
        self.waiting = 0
        self.waiting_lock = threading.Lock()
        self.ready = False
        self.board: JobBoard | DatabaseJobBoard
        if settings.database_url:
            self.board = DatabaseJobBoard(
                settings.database_url,
                settings.index_dir,
                self._index,
                settings.max_pending_uploads,
                settings.upload_budget_s,
                settings.job_lease_s,
            )
        else:
            self.board = JobBoard(
                settings.index_dir,
                self._index,
                settings.max_pending_uploads,
                settings.upload_budget_s,
            )

    async def run(self, fn, *args):
        """Run blocking work (model, FAISS) in a worker thread, refusing when overloaded."""
        with self.waiting_lock:
            if self.waiting >= self.settings.max_queue:
                raise Busy
            self.waiting += 1
        try:
            return await anyio.to_thread.run_sync(lambda: fn(*args), limiter=self.limiter)
        finally:
            with self.waiting_lock:
                self.waiting -= 1

    async def write(self, fn, *args):
        return await anyio.to_thread.run_sync(lambda: fn(*args), limiter=self.writer)

    def record(self, doc_id: str) -> DocumentRecord | None:
        """The indexed document with this id, if there is an index and it holds one."""
        try:
            return self.assistant.store.documents.get(doc_id)
        except IndexNotFound:
            return None

    def _index(self, job: Job, spooled: Path, progress) -> None:
        job.state = "parsing"
        progress(0.0)
        meta = Metadata(
            company=job.company, period=job.period, doc_type=job.doc_type, doc_id=job.doc_id
        )
        doc = parse_source(decode_source(spooled.read_bytes(), job.name), meta)
        job.warnings = list(doc.warnings)
        job.state = "embedding"
        progress(0.0)
        self.assistant.add_document(
            doc, progress=lambda done, total: progress(done / total if total else 1.0)
        )
        if self.board.cancelled(job):  # deleted while it was being saved
            self.assistant.remove(job.doc_id)
        self.assistant.refresh()  # swap the served index now, not on the next request


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name, refused when no file system or log should hold it."""
    name = (filename or "upload.txt").replace("\\", "/").rsplit("/", 1)[-1]
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise HTTPException(422, "the file name contains control characters; rename the file")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise HTTPException(422, f"the file name is longer than {MAX_NAME_BYTES} bytes")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise HTTPException(415, f"{name}: only {', '.join(sorted(UPLOAD_SUFFIXES))} files")
    return name


async def spool(file: UploadFile, target: Path, limit: int, name: str) -> None:
    """Copy the upload to disk a megabyte at a time, never more than `limit` bytes."""
    size = 0
    with open(target, "wb") as out:
        while chunk := await file.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise HTTPException(413, f"{name}: larger than {limit // (1024 * 1024)} MB")
            out.write(chunk)


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The app ---------------------------------------------------------------------------------------


def create_app(settings: Settings, assistant: Assistant | None = None, slack_app=None) -> FastAPI:
    assistant = assistant or Assistant(settings)
    service = Service(settings, assistant)
    metrics = Metrics.create()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the model and the index once per process, before the first request.
        def warm() -> None:
            assistant.search("revenue", 1)

        try:
            await anyio.to_thread.run_sync(warm)
            service.ready = True
        except AssistantError as error:
            log.error("not ready: %s", error)
        service.board.start()
        url = local_url(settings.host, settings.port)
        with announced(settings.index_dir, url) if service.ready else contextlib.nullcontext():
            yield
        service.board.stop()

    app = FastAPI(
        title="Earnings-call Q&A assistant",
        version="1",
        summary="Cited answers and structured figures from earnings calls and filing notes.",
        lifespan=lifespan,
    )
    app.state.service = service
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        Guard, settings=settings, metrics=metrics, is_loopback=is_loopback(settings.host)
    )

    def error(
        request: Request, status: int, message: str, hint: str | None = None, **extra
    ) -> JSONResponse:
        body = {"error": message, "request_id": request.state.request_id, **extra}
        if hint:
            body["hint"] = hint
        return JSONResponse(body, status_code=status)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)), 400)
        response = error(request, status, exc.message, exc.hint or None)
        if status == 429:
            response.headers["retry-after"] = "30"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        names = ", ".join(f["field"] for f in fields)
        return error(request, 422, f"invalid request: {names}", fields=fields)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = error(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        response = error(request, 503, "the service is busy; try again shortly")
        response.headers["retry-after"] = "1"
        return response

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", request.state.request_id)
        return error(request, 500, "internal error")

    errors = {401: {"model": ErrorModel}, 422: {"model": ErrorModel}, 503: {"model": ErrorModel}}

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["service"], responses={503: {"model": ErrorModel}})
    async def readyz(request: Request) -> dict[str, str | int]:
        """The model is loaded and the index answers. Open without a token; the counts of
        documents and chunks only with it (when one is set)."""
        if not service.ready or not await service.run(assistant.has_index):
            return error(request, 503, "not ready")  # type: ignore[return-value]
        backend = "postgresql" if settings.database_url else "files"
        token = settings.api_token
        if token and not token_matches(request.headers.get("authorization", ""), token):
            return {"status": "ready"}
        store = assistant.store
        return {
            "status": "ready",
            "backend": backend,
            "documents": len(store.documents),
            "chunks": len(store.chunks),
        }

    @app.get("/metrics", tags=["service"], response_class=Response)
    async def metrics_text() -> Response:
        """Request counts and latency histograms in Prometheus' text format."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/ask", tags=["answers"], responses=errors)
    async def ask(body: AskRequest) -> AnswerModel:
        """Answer one question: quoted sentences with [n] markers, figures, citations."""
        history = [
            Turn(h.question, h.filters.model_dump(exclude_none=True) if h.filters else None)
            for h in body.history
        ]
        filters = body.filters.to_filters() if body.filters else None
        result = await service.run(assistant.ask, body.question, body.top_k, filters, history)
        return answer_model(result)

    @app.post("/v1/search", tags=["answers"], responses=errors)
    async def search(body: SearchRequest) -> SearchModel:
        """The passages and table rows that best match a question, without an answer."""
        filters = body.filters.to_filters() if body.filters else None
        results = await service.run(assistant.search, body.question, body.top_k, filters)
        return SearchModel(
            question=body.question,
            results=[search_result_model(n, r) for n, r in enumerate(results, start=1)],
        )

    @app.post("/v1/chat", tags=["answers"], responses=errors, response_model=AnswerModel)
    async def chat(body: ChatRequest):
        """Answer the last user message of a conversation; earlier user messages are its
        history. With `"stream": true` the answer comes as server-sent events."""
        users = [m.content for m in body.messages if m.role == "user"]
        if not users or body.messages[-1].role != "user":
            raise HTTPException(422, "the last message must come from the user")
        question = users[-1]
        if len(question) > settings.max_question_chars:
            raise BadQuestion(
                f"the question is {len(question):,} characters; the limit is "
                f"{settings.max_question_chars:,}"
            )
        filters = body.filters.to_filters() if body.filters else None
        history = [Turn(q, None) for q in users[:-1]]
        result = await service.run(assistant.ask, question, body.top_k, filters, history)
        model = answer_model(result)
        if not body.stream:
            return model
        return StreamingResponse(
            sse(model), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    @app.get("/v1/documents", tags=["documents"], responses=errors)
    async def documents() -> DocumentsModel:
        """The indexed documents."""
        store: Store = await service.run(lambda: assistant.store)
        return DocumentsModel(documents=[document_model(r) for r in store.documents.values()])

    @app.get(
        "/v1/figures",
        tags=["figures"],
        responses={**errors, 200: {"content": {"text/csv": {}}}},
    )
    async def figures(
        company: Annotated[str | None, Query(max_length=200)] = None,
        metric: Annotated[str | None, Query(max_length=200)] = None,
        period: Annotated[str | None, Query(max_length=50)] = None,
        kind: Annotated[Literal["actual", "guidance", "prior"] | None, Query()] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",
    ) -> FiguresModel:
        """The figures found in the documents (the ledger), filtered by company (name, part
        of it, or ticker), metric (key or name), period and kind; as JSON or CSV."""
        from assistant.ledger import rows_of, select, to_csv

        def run() -> list:
            return select(rows_of(assistant.store), company, metric, period, kind)

        rows = await service.run(run)
        if format == "csv":
            return Response(to_csv(rows), media_type="text/csv")  # type: ignore[return-value]
        return FiguresModel(figures=[LedgerRowModel(**asdict(r)) for r in rows])

    @app.post(
        "/v1/documents",
        tags=["documents"],
        status_code=202,
        responses={
            **errors,
            403: {"model": ErrorModel},
            409: {"model": ErrorModel},
            413: {"model": ErrorModel},
            415: {"model": ErrorModel},
            429: {"model": ErrorModel},
        },
    )
    async def upload(
        file: Annotated[UploadFile, File(description="A transcript, filing note or notes.")],
        company: Annotated[str | None, Form(max_length=200)] = None,
        period: Annotated[str | None, Form(max_length=50)] = None,
        type: Annotated[Literal["transcript", "filing", "notes"] | None, Form()] = None,
        replace: Annotated[
            bool, Form(description="Replace the indexed document with the same id.")
        ] = False,
    ) -> JobModel:
        """Upload a document; it is written to disk, then indexed in the background (poll its
        status). A document with the same id is replaced only when `replace` is true."""
        name = upload_name(file.filename)
        doc_id = doc_id_for(name)
        service.board.refuse_if_pending(doc_id)  # before the file is read, not only after
        existing = await service.run(service.record, doc_id)
        if existing is not None and not replace:
            raise DocumentExists(
                f"{name} would replace document {doc_id!r} "
                f"(from {Path(existing.source).name}, added {existing.added_at})",
                hint="send replace=true to replace it, or rename the file",
            )
        target = service.board.spool_file()
        await spool(file, target, settings.max_upload_bytes, name)
        try:  # empty, binary or mis-encoded: say so now, not later
            await anyio.to_thread.run_sync(lambda: decode_source(target.read_bytes(), name))
        except AssistantError:
            target.unlink(missing_ok=True)
            raise
        job = Job(
            doc_id,
            name,
            replaces=Path(existing.source).name if existing is not None else None,
            company=company,
            period=period,
            doc_type=type,
        )
        service.board.submit(job, target)
        return job_model(job, None)

    @app.get(
        "/v1/documents/{doc_id}",
        tags=["documents"],
        responses={**errors, 404: {"model": ErrorModel}},
    )
    async def document(doc_id: str) -> JobModel:
        """A document's indexing status, or the indexed document."""
        record = await service.run(service.record, doc_id)
        job = service.board.get(doc_id)
        if job is None and record is None:
            raise DocumentNotFound(f"no document {doc_id!r}")
        if job is None:
            job = Job(doc_id, Path(record.source).name, state="ready", progress=1.0)
        return job_model(job, record if job.state == "ready" else None)

    @app.delete(
        "/v1/documents/{doc_id}",
        tags=["documents"],
        responses={**errors, 403: {"model": ErrorModel}, 404: {}},
    )
    async def delete(doc_id: str) -> dict[str, str]:
        """Remove a document from the index (and cancel its upload if it is still waiting)."""
        pending = service.board.is_pending(doc_id)
        service.board.forget(doc_id) if pending else None
        try:
            await service.write(assistant.remove, doc_id)
            await service.write(assistant.refresh)
        except (DocumentNotFound, IndexNotFound):
            if not pending:
                raise
        service.board.forget(doc_id)
        return {"deleted": doc_id}

    if slack_app is not None:
        from assistant.slack_http import mount_slack

        mount_slack(app, slack_app, settings)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(WEB / "index.html")

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several `serve --workers` processes: settings from the environment
    the parent set (the seed index is already built)."""
    from assistant.cli import app_for

    settings = Settings.from_env()
    return app_for(settings, Assistant(settings))


def sse(model: AnswerModel) -> Iterator[str]:
    """The answer sentence by sentence (`delta`), then the whole answer object (`answer`)."""
    pieces = [p for p in model.answer.replace("] ", "]\n").split("\n") if p]
    for piece in pieces:
        yield f"event: delta\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    yield f"event: answer\ndata: {model.model_dump_json()}\n\n"
    yield "event: done\ndata: {}\n\n"
