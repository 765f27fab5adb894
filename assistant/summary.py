"""What the parser recognised in a document, as one model shared by the CLI and the API."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from assistant.documents import Document


class SpeakerSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str | None
    role: str
    firm: str | None
    paragraphs: int


class TableSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: tuple[int, int]
    caption: str
    rows: int
    columns: int
    column_paths: list[list[str]]


class DocumentSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str
    title: str
    type: str
    company: str | None
    period: str | None
    languages: list[str]
    source: str
    lines: int
    pages: int | None = None
    paragraphs: int
    translated_paragraphs: int
    speakers: list[SpeakerSummary]
    sections: dict[str, int]
    exchanges: int
    flags: dict[str, int]
    tables: list[TableSummary]
    recognised: list[str]
    warnings: list[str]


def summarize(doc: Document) -> DocumentSummary:
    paragraphs = doc.paragraphs
    per_speaker = Counter(p.speaker.name for p in paragraphs if p.speaker)
    sections = Counter(p.section for p in paragraphs if p.section)
    flags = Counter(flag for p in paragraphs for flag in p.flags)
    return DocumentSummary(
        doc_id=doc.doc_id,
        title=doc.title,
        type=doc.doc_type,
        company=doc.company,
        period=doc.period,
        languages=list(doc.languages),
        source=doc.source,
        lines=doc.line_count,
        pages=doc.page_count or None,
        paragraphs=len(paragraphs),
        translated_paragraphs=sum(1 for p in paragraphs if p.translation),
        speakers=[
            SpeakerSummary(
                name=s.name,
                title=s.title,
                role=s.role,
                firm=s.firm,
                paragraphs=per_speaker.get(s.name, 0),
            )
            for s in doc.speakers
        ],
        sections=dict(sections),
        exchanges=doc.exchanges,
        flags=dict(flags),
        tables=[
            TableSummary(
                lines=t.lines,
                caption=t.caption,
                rows=len(t.rows),
                columns=len(t.columns),
                column_paths=[list(c) for c in t.columns],
            )
            for t in doc.tables
        ],
        recognised=list(doc.recognised),
        warnings=list(doc.warnings),
    )
