"""Documents and their figures: list, upload (indexed in the background), status, delete, and
the figure ledger as JSON or CSV."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile

from assistant.api.dependencies import AssistantDep, ServiceDep, SettingsDep
from assistant.api.errors import V1_ERRORS, documented, http_error_of
from assistant.api_models import (
    DocumentsModel,
    FiguresModel,
    JobModel,
    LabelsModel,
    LedgerRowModel,
    UploadOutcomeModel,
    UploadsModel,
    document_model,
    job_model,
)
from assistant.documents import DOCUMENT_SUFFIXES, doc_id_for
from assistant.documents.html import is_html
from assistant.documents.pdf import is_pdf
from assistant.documents.source import decode_source
from assistant.errors import (
    AssistantError,
    DocumentExists,
    DocumentNotFound,
    IndexNotFound,
    SourceGone,
)
from assistant.jobs.jobs import Job
from assistant.library import DocumentRecord, Store

UPLOAD_SUFFIXES = set(DOCUMENT_SUFFIXES)
MAX_NAME_BYTES = 255
COPY_CHUNK = 1024 * 1024
FIGURES_PAGE = 1000
MAX_FIGURES_PAGE = 10_000
router = APIRouter(prefix="/v1", responses=V1_ERRORS)


@router.get("/documents", tags=["documents"])
async def documents(service: ServiceDep, assistant: AssistantDep) -> DocumentsModel:
    """The indexed documents, with their company, ticker, period, chunk count and when each
    was added."""
    store: Store = await service.run(lambda: assistant.store)
    return DocumentsModel(documents=[document_model(r) for r in store.documents.values()])


@router.get("/figures", tags=["figures"], responses={200: {"content": {"text/csv": {}}}})
async def figures(
    request: Request,
    service: ServiceDep,
    assistant: AssistantDep,
    company: Annotated[str | None, Query(max_length=200)] = None,
    metric: Annotated[str | None, Query(max_length=200)] = None,
    period: Annotated[str | None, Query(max_length=50)] = None,
    kind: Annotated[Literal["actual", "guidance", "prior"] | None, Query()] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_FIGURES_PAGE, description="Rows in this page.")
    ] = FIGURES_PAGE,
) -> FiguresModel:
    """The figures found in the documents (the ledger), filtered by company (name, part of it,
    or ticker), metric (key or name), period and kind; as JSON or CSV, a page at a time
    (`next_offset` in JSON, a `Link: rel="next"` header in both, `X-Total-Count`)."""
    from assistant.answers.ledger import rows_of, select, to_csv

    def page() -> tuple[bytes, int]:
        """Selected, cut and serialised in a worker thread: a large ledger never holds the
        event loop."""
        rows = select(rows_of(assistant.store), company, metric, period, kind)
        shown = rows[offset : offset + limit]
        following = offset + limit if offset + limit < len(rows) else None
        if format == "csv":
            return to_csv(shown).encode("utf-8"), len(rows)
        body = FiguresModel(
            figures=[LedgerRowModel(**asdict(r)) for r in shown],
            total=len(rows),
            offset=offset,
            next_offset=following,
        )
        return body.model_dump_json().encode("utf-8"), len(rows)

    body, total = await service.run(page)
    headers = {"x-total-count": str(total)}
    if offset + limit < total:
        following = request.url.include_query_params(offset=offset + limit, limit=limit)
        headers["link"] = f'<{following}>; rel="next"'
    media = "text/csv" if format == "csv" else "application/json"
    return Response(body, media_type=media, headers=headers)  # type: ignore[return-value]


Company = Annotated[str | None, Form(max_length=200)]
Period = Annotated[str | None, Form(max_length=50)]
DocType = Annotated[Literal["transcript", "filing", "notes"] | None, Form()]
Replace = Annotated[bool, Form(description="Replace the indexed document with the same id.")]
MAX_BATCH_FILES = 100


@router.post(
    "/documents",
    tags=["documents"],
    status_code=202,
    responses={
        200: {"model": JobModel, "description": "These bytes are indexed already."},
        **documented(403, 409, 413, 415, 429, 507),
    },
)
async def upload(
    file: Annotated[UploadFile, File(description="A transcript, filing, release or notes.")],
    response: Response,
    service: ServiceDep,
    settings: SettingsDep,
    company: Company = None,
    period: Period = None,
    type: DocType = None,
    replace: Replace = False,
) -> JobModel:
    """Upload a document; it is written to disk, then indexed in the background (poll its
    status). The same bytes uploaded again, under any name, answer 200 with the document
    already indexed, unless they name another company, period or type: then that document
    is read again with them (its unchanged passages keep their vectors). A file whose id is
    another document's is refused (409) unless `replace` is true."""
    status, job = await accept(file, service, settings, company, period, type, replace)
    response.status_code = status
    return job


@router.post(
    "/documents/batch",
    tags=["documents"],
    status_code=202,
    responses=documented(403, 413),
)
async def upload_many(
    files: Annotated[list[UploadFile], File(description=f"Up to {MAX_BATCH_FILES} documents.")],
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    company: Company = None,
    period: Period = None,
    type: DocType = None,
    replace: Replace = False,
) -> UploadsModel:
    """Upload several documents at once (a quarter's calls, a year of filings): each file is
    taken as if uploaded alone, in order, and queued for indexing; one refused (a duplicate
    id, an empty file, a full queue) is reported in its entry with the status and error it
    would have had alone, and does not stop the others. The form's company, period and type,
    when given, apply to every file."""
    if len(files) > MAX_BATCH_FILES:
        raise HTTPException(413, f"{len(files)} files: at most {MAX_BATCH_FILES} per request")
    outcomes: list[UploadOutcomeModel] = []
    for file in files:
        source = file.filename or ""
        try:
            status, job = await accept(file, service, settings, company, period, type, replace)
            outcomes.append(UploadOutcomeModel(source=source, status=status, job=job))
        except AssistantError as error:
            status, message, hint = http_error_of(error, request.state.request_id)
            outcomes.append(
                UploadOutcomeModel(source=source, status=status, error=message, hint=hint)
            )
        except HTTPException as error:
            outcomes.append(
                UploadOutcomeModel(source=source, status=error.status_code, error=error.detail)
            )
    return UploadsModel(uploads=outcomes)


async def accept(
    file: UploadFile,
    service,
    settings,
    company: str | None,
    period: str | None,
    doc_type: str | None,
    replace: bool,
) -> tuple[int, JobModel]:
    """One uploaded file spooled to disk and queued (202), or found indexed already (200)."""
    name = upload_name(file.filename)
    doc_id = doc_id_for(name)
    service.board.refuse_if_pending(doc_id)
    target = service.board.spool_file()
    try:
        sha256 = await spool(file, target, settings.max_upload_bytes, name)
        same = await service.run(service.record_with_content, sha256)
        relabel = same is not None and labels_differ(same, company, period, doc_type)
        if relabel:  # the same bytes with another company, period or type: read again
            doc_id, replace = same.doc_id, True
        if same is not None and not relabel:
            job = Job(same.doc_id, Path(same.source).name, state="ready", progress=1.0)
            job.message = f"{name} is indexed already as {same.doc_id!r}"
            return 200, job_model(job, same)
        existing = await service.run(service.record, doc_id)
        if existing is not None and not replace:
            raise DocumentExists(
                f"{name} would replace document {doc_id!r} "
                f"(from {Path(existing.source).name}, added {existing.added_at})",
                hint="send replace=true to replace it, or rename the file",
            )
        # Empty, binary or mis-encoded text: said now. PDF and HTML are read by the job, in a
        # child process under memory and time limits, never in the request.
        await anyio.to_thread.run_sync(check_upload, target, name)
        job = Job(
            doc_id,
            name,
            replaces=Path(existing.source).name if existing is not None else None,
            company=company,
            period=period,
            doc_type=doc_type,
            sha256=sha256,
        )
        queued = await anyio.to_thread.run_sync(service.board.submit, job, target)
    finally:
        target.unlink(missing_ok=True)  # gone already when the board took it
    if queued is not job:
        shown = Job(queued.doc_id, queued.name, state=queued.state, progress=queued.progress)
        shown.message = f"{name} is being indexed already as {queued.doc_id!r}"
        return 202, job_model(shown, None)
    return 202, job_model(job, None)


def labels_differ(
    record: DocumentRecord, company: str | None, period: str | None, doc_type: str | None
) -> bool:
    """Whether an upload corrects what an indexed document says of itself."""
    return any(
        given is not None and given.strip() and given.strip() != (held or "")
        for given, held in (
            (company, record.company),
            (period, record.period),
            (doc_type, record.doc_type),
        )
    )


@router.get("/documents/{doc_id}", tags=["documents"], responses=documented(404))
async def document(doc_id: str, service: ServiceDep) -> JobModel:
    """A document's indexing status, or the indexed document."""
    record = await service.run(service.record, doc_id)
    job = service.board.get(doc_id)
    if job is None and record is None:
        raise DocumentNotFound(f"no document {doc_id!r}")
    if job is None:
        job = Job(doc_id, Path(record.source).name, state="ready", progress=1.0)
    return job_model(job, record if job.state == "ready" else None)


@router.patch(
    "/documents/{doc_id}",
    tags=["documents"],
    status_code=202,
    responses={
        200: {"model": JobModel, "description": "The document says this already."},
        **documented(403, 404, 409, 429, 507),
    },
)
async def relabel(
    doc_id: str, labels: LabelsModel, response: Response, service: ServiceDep
) -> JobModel:
    """Correct what a document is said to be (company, period, type): it is read again from
    its file with them, in the background like an upload; unchanged passages keep their
    vectors."""
    record = await service.run(service.record, doc_id)
    if record is None:
        raise DocumentNotFound(f"no document {doc_id!r}")
    service.board.refuse_if_pending(doc_id)
    if not labels_differ(record, labels.company, labels.period, labels.type):
        response.status_code = 200
        job = Job(doc_id, Path(record.source).name, state="ready", progress=1.0)
        job.message = f"{doc_id} is {describe(record)} already"
        return job_model(job, record)
    source = Path(record.source)
    target = service.board.spool_file()
    try:
        if not await anyio.to_thread.run_sync(copy_source, service.board, record, target):
            raise SourceGone(f"the file {doc_id!r} was read from is not kept here")
        job = Job(
            doc_id,
            source.name,
            replaces=source.name,
            company=(labels.company or "").strip() or record.company,
            period=(labels.period or "").strip() or record.period,
            doc_type=labels.type or record.doc_type,
            sha256=record.sha256,
        )
        queued = await anyio.to_thread.run_sync(service.board.submit, job, target)
    finally:
        target.unlink(missing_ok=True)
    return job_model(queued, None)


def copy_source(board, record: DocumentRecord, target: Path) -> bool:
    """The bytes a document was read from, into `target`: its kept upload, else the file it
    was built from when that is still there."""
    kept = board.kept_upload(record.doc_id, record.source)
    if kept is not None:
        target.write_bytes(kept)
        return True
    try:
        shutil.copyfile(record.source, target)
    except OSError:
        return False
    return True


def describe(record: DocumentRecord) -> str:
    return " · ".join(x for x in (record.company, record.period, record.doc_type) if x)


@router.delete(
    "/documents/{doc_id}",
    tags=["documents"],
    responses=documented(403, 404, 507),
)
async def delete(doc_id: str, service: ServiceDep, assistant: AssistantDep) -> dict[str, str]:
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


def check_upload(path: Path, name: str) -> None:
    """What can be said of an upload from its bytes alone, in linear time: plain text that
    is empty, binary, mis-encoded or too long is refused before the 202."""
    raw = path.read_bytes()
    if not (is_pdf(raw) or is_html(raw)):
        decode_source(raw, name)


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


async def spool(file: UploadFile, target: Path, limit: int, name: str) -> str:
    """Copy the upload to disk a megabyte at a time, never more than `limit` bytes; its
    SHA-256, as the index records a document's bytes."""
    size = 0
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := await file.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise HTTPException(413, f"{name}: larger than {limit // (1024 * 1024)} MB")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()
