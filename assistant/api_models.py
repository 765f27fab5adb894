"""The HTTP API's request and response bodies: what `/openapi.json` documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant.jobs.jobs import Job
from assistant.search.query import Filters

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
    """An earlier question. It may be longer than a question may be (a client can send back
    a resolved follow-up); only its first part is read."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=20_000)
    filters: FiltersModel | None = None


# An earlier question as its text alone, as `assistant ask --history` takes it.
HistoryText = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, examples=["What was Q4 net income?"])
    top_k: int = Field(5, ge=1, le=20)
    filters: FiltersModel | None = None
    history: list[HistoryItem | HistoryText] = Field(
        default_factory=list,
        max_length=20,
        description="Earlier questions, oldest first: strings, or objects with their filters.",
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, examples=["Q4 net income"])
    top_k: int = Field(5, ge=1, le=50)
    filters: FiltersModel | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    # An earlier answer can be long; the last user message is held to the question limit.
    content: str = Field(min_length=1, max_length=100_000)


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


class LedgerRowModel(BaseModel):
    """One figure of the ledger: what, when, how much, and where it was said."""

    company: str | None
    ticker: str | None
    period: str | None
    metric: str | None = Field(description="Key shared by one metric's names (eps_diluted).")
    label: str | None = Field(description="The metric as the source says it.")
    qualifiers: str
    kind: Literal["actual", "guidance", "prior"]
    value: float
    high: float | None = Field(description="Top of a range; value is its bottom.")
    unit: str
    change: str | None = Field(description="increase or decrease when the figure is a change.")
    text: str = Field(description="The figure as written.")
    doc_id: str
    chunk_id: str
    lines: str
    page: str | None


class FiguresModel(BaseModel):
    figures: list[LedgerRowModel]
    total: int = Field(description="Rows that match the filters, over all pages.")
    offset: int = 0
    next_offset: int | None = Field(None, description="The offset of the next page, if any.")


class LabelsModel(BaseModel):
    """What a document is said to be: each given field replaces what was read or given."""

    model_config = ConfigDict(extra="forbid")

    company: str | None = Field(None, max_length=200, examples=["Prologis"])
    period: str | None = Field(None, max_length=50, examples=["Q3 2022"])
    type: Literal["transcript", "filing", "notes"] | None = None


class JobModel(BaseModel):
    doc_id: str
    state: Literal["queued", "parsing", "embedding", "ready", "failed"]
    progress: float = Field(description="0 to 1")
    message: str | None = None
    warnings: list[str] = []
    source: str | None = Field(None, description="The uploaded file's name.")
    replaces: str | None = Field(
        None, description="The source of the document this upload replaces, if any."
    )
    document: DocumentModel | None = None


class UploadOutcomeModel(BaseModel):
    """One file of a batch upload: its job (status 202, or 200 when these bytes are indexed
    already), or why it was refused (the status and error it would have had alone)."""

    source: str = Field(description="The file's name as sent.")
    status: int
    job: JobModel | None = None
    error: str | None = None
    hint: str | None = None


class UploadsModel(BaseModel):
    uploads: list[UploadOutcomeModel]


class SearchResultModel(BaseModel):
    """One passage or table row, as `assistant search --json` prints it."""

    rank: int
    score: float
    chunk_id: str
    doc_id: str
    title: str
    kind: str
    speaker: str | None
    role: str | None
    section: str | None
    row_path: list[str]
    lines: list[int]
    pages: list[int] | None
    text: str
    translation: str | None
    dense_rank: int | None
    lexical_rank: int | None


class SearchModel(BaseModel):
    question: str
    results: list[SearchResultModel]


def search_result_model(rank: int, result) -> SearchResultModel:
    chunk, doc, hit = result.chunk, result.document, result.hit
    return SearchResultModel(
        rank=rank,
        score=round(hit.score, 6),
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=doc.title,
        kind=chunk.kind,
        speaker=chunk.speaker,
        role=chunk.role,
        section=chunk.section,
        row_path=list(chunk.row_path),
        lines=list(chunk.lines),
        pages=list(chunk.pages) if chunk.pages else None,
        text=chunk.text,
        translation=chunk.translation,
        dense_rank=hit.dense_rank,
        lexical_rank=hit.lexical_rank,
    )


class ErrorModel(BaseModel):
    error: str
    hint: str | None = None
    fields: list[dict[str, str]] | None = None
    request_id: str


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
        source=Path(record.source).name,  # never a server path
        added_at=record.added_at,
    )


def job_model(job: Job, record) -> JobModel:
    return JobModel(
        doc_id=job.doc_id,
        state=job.state,
        progress=round(job.progress, 3),
        message=job.message,
        warnings=job.warnings,
        source=job.name or None,
        replaces=job.replaces,
        document=document_model(record) if record is not None else None,
    )
