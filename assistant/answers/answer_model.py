"""What an answer is: the text, the figures that answer it and the numbered citations it stands
on, as every surface (HTTP, CLI, Slack, the page) receives it; and a citation made from a chunk
of the index, written out in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.chunking import Chunk
from assistant.library import DocumentRecord
from assistant.search.figure_choice import CitedFigure
from assistant.search.scope import Scope


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    company: str | None
    period: str | None
    doc_type: str
    kind: str
    speaker: str | None
    speaker_title: str | None
    role: str | None
    firm: str | None
    section: str | None
    exchange: int | None
    heading: str | None
    row_path: tuple[str, ...]
    lines: tuple[int, int]
    text: str
    translation: str | None
    score: float
    pages: tuple[int, int] | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    found: bool
    figures: tuple[CitedFigure, ...] = ()
    citations: tuple[Citation, ...] = ()
    resolved_question: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    scope: Scope | None = None
    # Said beside the answer, not in it: other companies whose passages match too.
    note: str | None = None
    # A question across periods: one item per period (company, metric, period, value, unit,
    # text, kind, citation), and the asked periods no document states.
    series: tuple[dict, ...] = ()
    missing_periods: tuple[str, ...] = ()
    # Numbers worked out from cited figures (never said in a source): each with its inputs.
    computed: tuple[dict, ...] = ()


def citation_of(n: int, chunk: Chunk, doc: DocumentRecord, score: float) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=doc.title,
        company=doc.company,
        period=doc.period,
        doc_type=doc.doc_type,
        kind=chunk.kind,
        speaker=chunk.speaker,
        speaker_title=chunk.speaker_title,
        role=chunk.role,
        firm=chunk.firm,
        section=chunk.section,
        exchange=chunk.exchange,
        heading=chunk.heading,
        row_path=chunk.row_path,
        lines=chunk.lines,
        text=chunk.cited_text,
        translation=chunk.translation,
        score=round(score, 6),
        pages=chunk.pages,
    )
