"""The HTTP service: `/v1` JSON API, the chat page at `/`, health, readiness and metrics.

Model and FAISS calls run in worker threads behind a bounded queue, so a slow request never
blocks the event loop and an overload gets a quick 503 instead of a pile-up. The process is
stateless apart from the index it reads; uploads are indexed by one background worker and
switch the served index atomically when done.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import anyio
from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer import Turn
from assistant.documents import Metadata, doc_id_for, parse_source
from assistant.documents.reading import decode_source
from assistant.errors import (
    AssistantError,
    BadFilter,
    BadQuestion,
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ParseError,
)
from assistant.retrieval import Filters
from assistant.schema import AnswerModel, answer_model
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import Store, index_exists

log = logging.getLogger("assistant.api")
WEB = Path(__file__).resolve().parent / "web"
UPLOAD_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
ERROR_STATUS: dict[type[AssistantError], int] = {
    BadQuestion: 422,
    BadFilter: 422,
    ParseError: 422,
    DocumentNotFound: 404,
    IndexNotFound: 503,
    IndexMismatch: 503,
    IndexCorrupt: 503,
}


# Request models --------------------------------------------------------------------------------


class FiltersModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=200)
    period: str | None = Field(None, max_length=50)
    doc_type: Literal["transcript", "filing", "notes"] | None = None
    speaker: str | None = Field(None, max_length=200)
    role: Literal["management", "analyst", "operator"] | None = None
    section: Literal["prepared_remarks", "qa"] | None = None

    def to_filters(self) -> Filters:
        return Filters.from_mapping(self.model_dump(exclude_none=True))


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000)
    filters: FiltersModel | None = None


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, examples=["What was Q4 net income?"])
    top_k: int = Field(5, ge=1, le=20)
    filters: FiltersModel | None = None
    history: list[HistoryItem] = Field(default_factory=list, max_length=20)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1, max_length=20_000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    top_k: int = Field(5, ge=1, le=20)
    filters: FiltersModel | None = None
    stream: bool = False


class DocumentModel(BaseModel):
    doc_id: str
    title: str
    type: str
    company: str | None
    ticker: str | None = None
    aliases: list[str] = []
    period: str | None
    date: str | None = None
    chunks: int
    source: str
    added_at: str


class DocumentsModel(BaseModel):
    documents: list[DocumentModel]


class JobModel(BaseModel):
    doc_id: str
    state: Literal["queued", "parsing", "embedding", "ready", "failed"]
    progress: float = Field(description="0 to 1")
    message: str | None = None
    warnings: list[str] = []
    document: DocumentModel | None = None


class ErrorModel(BaseModel):
    error: str
    hint: str | None = None
    fields: list[dict[str, str]] | None = None
    request_id: str


# Service state -------------------------------------------------------------------------------


@dataclass
class Job:
    doc_id: str
    state: str = "queued"
    progress: float = 0.0
    message: str | None = None
    warnings: list[str] = field(default_factory=list)


class Busy(Exception):
    """More requests are waiting than the queue holds."""


class Service:
    """What the app holds between requests: the Assistant, the worker limits and the jobs."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.settings = settings
        self.assistant = assistant
        self.limiter = anyio.CapacityLimiter(settings.workers)
        self.waiting = 0
        self.waiting_lock = threading.Lock()
        self.ready = False
        self.jobs: dict[str, Job] = {}
        self.uploads: queue.Queue[tuple[Job, bytes, str, Metadata] | None] = queue.Queue()
        self.worker: threading.Thread | None = None

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

    # uploads ---------------------------------------------------------------------------------
    def start_worker(self) -> None:
        self.worker = threading.Thread(target=self._work, name="indexer", daemon=True)
        self.worker.start()

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.uploads.put(None)
            self.worker.join(timeout=30)

    def _work(self) -> None:
        while True:
            item = self.uploads.get()
            if item is None:
                return
            job, raw, name, meta = item
            try:
                self._index(job, raw, name, meta)
            except AssistantError as error:
                job.state, job.message = "failed", str(error)
            except Exception:  # a worker must survive any one bad upload
                log.exception("indexing %s failed", job.doc_id)
                job.state, job.message = "failed", "internal error while indexing"

    def _index(self, job: Job, raw: bytes, name: str, meta: Metadata) -> None:
        job.state = "parsing"
        uploads = self.settings.index_dir / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        target = uploads / name
        target.write_bytes(raw)
        doc = parse_source(decode_source(raw, str(target)), meta)
        job.warnings = list(doc.warnings)
        job.state = "embedding"

        def progress(done: int, total: int) -> None:
            job.progress = done / total if total else 1.0

        self.assistant.add_document(doc, progress=progress)
        self.assistant.refresh()  # swap the served index now, not on the next request
        job.state, job.progress = "ready", 1.0


def document_model(record) -> DocumentModel:
    return DocumentModel(
        doc_id=record.doc_id,
        title=record.title,
        type=record.doc_type,
        company=record.company,
        ticker=record.ticker,
        aliases=list(record.aliases),
        period=record.period,
        date=record.date,
        chunks=record.chunk_count,
        source=record.source,
        added_at=record.added_at,
    )


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
    registry = CollectorRegistry()
    requests_total = Counter(
        "assistant_requests_total",
        "HTTP requests",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "assistant_request_latency_seconds",
        "HTTP request latency",
        ["route"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )

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
        service.start_worker()
        yield
        service.stop_worker()

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

    @app.middleware("http")
    async def observe(request: Request, call_next):
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        start = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            log.exception("request %s failed", request.state.request_id)
            response = JSONResponse(
                {"error": "internal error", "request_id": request.state.request_id},
                status_code=500,
            )
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        requests_total.labels(request.method, path, str(response.status_code)).inc()
        latency.labels(path).observe(time.perf_counter() - start)
        response.headers["x-request-id"] = request.state.request_id
        return response

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
        return error(request, status, exc.message, exc.hint or None)

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

    def authorized(request: Request) -> None:
        token = settings.api_token
        if not token:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"www-authenticate": "Bearer"}
            )

    def may_write(request: Request) -> None:
        authorized(request)
        if not settings.api_token and not is_loopback(settings.host):
            raise HTTPException(
                403,
                "uploads and deletions need ASSISTANT_API_TOKEN when the "
                "service listens beyond this machine",
            )

    auth = [Depends(authorized)]
    writer = [Depends(may_write)]
    errors = {401: {"model": ErrorModel}, 422: {"model": ErrorModel}, 503: {"model": ErrorModel}}

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["service"], responses={503: {"model": ErrorModel}})
    async def readyz(request: Request) -> dict[str, str | int]:
        """The model is loaded and the index answers."""
        if not service.ready or not index_exists(settings.index_dir):
            return error(request, 503, "not ready")  # type: ignore[return-value]
        store = assistant.store
        return {"status": "ready", "documents": len(store.documents), "chunks": len(store.chunks)}

    @app.get("/metrics", tags=["service"], response_class=Response)
    async def metrics() -> Response:
        """Request counts and latency histograms in Prometheus' text format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/ask", tags=["answers"], responses=errors, dependencies=auth)
    async def ask(body: AskRequest) -> AnswerModel:
        """Answer one question: quoted sentences with [n] markers, figures, citations."""
        history = [
            Turn(h.question, h.filters.model_dump(exclude_none=True) if h.filters else None)
            for h in body.history
        ]
        filters = body.filters.to_filters() if body.filters else None
        result = await service.run(assistant.ask, body.question, body.top_k, filters, history)
        return answer_model(result)

    @app.post(
        "/v1/chat",
        tags=["answers"],
        responses=errors,
        dependencies=auth,
        response_model=AnswerModel,
    )
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

    @app.get("/v1/documents", tags=["documents"], responses=errors, dependencies=auth)
    async def documents() -> DocumentsModel:
        """The indexed documents."""
        store: Store = await service.run(lambda: assistant.store)
        return DocumentsModel(documents=[document_model(r) for r in store.documents.values()])

    @app.post(
        "/v1/documents",
        tags=["documents"],
        status_code=202,
        dependencies=writer,
        responses={
            **errors,
            403: {"model": ErrorModel},
            413: {"model": ErrorModel},
            415: {"model": ErrorModel},
        },
    )
    async def upload(
        file: Annotated[UploadFile, File(description="A transcript, filing note or notes.")],
        company: Annotated[str | None, Form(max_length=200)] = None,
        period: Annotated[str | None, Form(max_length=50)] = None,
        type: Annotated[Literal["transcript", "filing", "notes"] | None, Form()] = None,
    ) -> JobModel:
        """Upload a document; it is indexed in the background (poll its status)."""
        name = Path(file.filename or "upload.txt").name
        if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise HTTPException(415, f"{name}: only {', '.join(sorted(UPLOAD_SUFFIXES))} files")
        raw = await file.read(settings.max_upload_bytes + 1)
        if len(raw) > settings.max_upload_bytes:
            raise HTTPException(
                413, f"{name}: larger than {settings.max_upload_bytes // (1024 * 1024)} MB"
            )
        decode_source(raw, name)  # empty, binary or mis-encoded: say so now, not later
        doc_id = doc_id_for(name)
        job = Job(doc_id)
        service.jobs[doc_id] = job
        service.uploads.put(
            (job, raw, name, Metadata(company=company, period=period, doc_type=type))
        )
        return job_model(job, None)

    @app.get(
        "/v1/documents/{doc_id}",
        tags=["documents"],
        dependencies=auth,
        responses={**errors, 404: {"model": ErrorModel}},
    )
    async def document(doc_id: str) -> JobModel:
        """A document's indexing status, or the indexed document."""
        store: Store = await service.run(lambda: assistant.store)
        record = store.documents.get(doc_id)
        job = service.jobs.get(doc_id)
        if job is None and record is None:
            raise DocumentNotFound(f"no document {doc_id!r}")
        if job is None:
            job = Job(doc_id, state="ready", progress=1.0)
        return job_model(job, record if job.state == "ready" else None)

    @app.delete(
        "/v1/documents/{doc_id}",
        tags=["documents"],
        dependencies=writer,
        responses={**errors, 403: {"model": ErrorModel}, 404: {}},
    )
    async def delete(doc_id: str) -> dict[str, str]:
        """Remove a document from the index."""
        await service.run(assistant.remove, doc_id)
        await service.run(assistant.refresh)
        service.jobs.pop(doc_id, None)
        return {"deleted": doc_id}

    if slack_app is not None:
        mount_slack(app, slack_app, settings)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(WEB / "index.html")

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def mount_slack(app: FastAPI, slack_app, settings: Settings) -> None:
    """`POST /slack/events`: the signature is checked here first (bad or stale: 401, logged
    without the body), then Bolt handles the request in a worker thread."""
    from slack_bolt import BoltRequest
    from slack_bolt.adapter.starlette.handler import to_starlette_response
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(settings.slack_signing_secret or "")

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            log.warning(
                "rejected a Slack request with a bad or stale signature (request %s)",
                request.state.request_id,
            )
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            text = body.decode("utf-8")
            if request.headers.get("content-type", "").startswith("application/json"):
                json.loads(text)
        except (UnicodeDecodeError, ValueError):
            return JSONResponse({"error": "malformed body"}, status_code=400)
        bolt_request = BoltRequest(
            body=text, query=request.url.query, headers=dict(request.headers)
        )
        response = await anyio.to_thread.run_sync(slack_app.dispatch, bolt_request)
        return to_starlette_response(response)


def job_model(job: Job, record) -> JobModel:
    return JobModel(
        doc_id=job.doc_id,
        state=job.state,
        progress=round(job.progress, 3),
        message=job.message,
        warnings=job.warnings,
        document=document_model(record) if record is not None else None,
    )


def sse(model: AnswerModel) -> Iterator[str]:
    """The answer sentence by sentence (`delta`), then the whole answer object (`answer`)."""
    pieces = [p for p in model.answer.replace("] ", "]\n").split("\n") if p]
    for piece in pieces:
        yield f"event: delta\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    yield f"event: answer\ndata: {model.model_dump_json()}\n\n"
    yield "event: done\ndata: {}\n\n"
