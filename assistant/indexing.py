"""The indexing pipeline's last stage, shared by the file store and the database: a chunk's
vector and its sentences' vectors, embedded in batches, each distinct text once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from assistant.chunking import Chunk, ChunkingParams, chunk_document, chunk_units
from assistant.documents import Document
from assistant.documents.cover import fiscal_quarter, iso_date
from assistant.documents.isolated import ReadResult
from assistant.embedding import Encoder
from assistant.figures import Figure, document_figures
from assistant.periods import Period, parse_period, period_spans

Embedded = dict[int, tuple[np.ndarray, np.ndarray]]  # chunk position -> (vector, sentences)


def chunks_and_figures(
    doc: Document, params: ChunkingParams, prepared: Mapping[str, ReadResult] | None = None
) -> tuple[list[Chunk], list[tuple[Figure, ...]]]:
    """A document's chunks and their figures: as read in a child process when they were
    (uploads), else computed here."""
    read = (prepared or {}).get(doc.doc_id)
    if read is not None:
        return list(read.chunks), list(read.figures)
    chunks = chunk_document(doc, params)
    return chunks, list(document_figures(chunks, doc.period))


def stated_periods(
    figures: Sequence[tuple[Figure, ...]], own: str | None, fiscal_year_end: int | None = None
) -> tuple[str, ...]:
    """Every period a document's tables state figures for besides its own: a 10-K's
    comparative years, a release's prior-year column. A question about one of them is
    answered from the document when no document is of that period."""
    own_period = parse_period(own)
    found: set[Period] = set()
    for chunk in figures:
        for figure in chunk:
            # A table's column states its period for every row; a sentence's "up from Q3" or
            # guidance for next year states one metric's, and would answer nothing else of
            # that period (a guidance question reaches every call of its company anyway).
            if not figure.period or figure.nil or figure.source != "table":
                continue
            period = period_named(figure.period, fiscal_year_end)
            if period is None or period == own_period:
                continue
            if own_period and own_period.year and abs(period.year - own_period.year) > 10:
                continue  # "notes due 2039" dates a debt, not a period reported
            found.add(period)
    return tuple(p.label for p in sorted(found, key=Period.ordinal))


QUARTER_ENDED_RE = re.compile(
    r"\b(?:three months|quarters?|13 weeks|twelve weeks|12 weeks) ended\b\s*(.*)", re.I
)


def period_named(label: str, fiscal_year_end: int | None = None) -> Period | None:
    """The period a figure's label names: a quarter or year as written, a column's "Three
    Months Ended October 31, 2022" as its fiscal quarter, "Year Ended December 31, 2021" or
    a balance-sheet date as its year."""
    if (m := QUARTER_ENDED_RE.search(label)) and (date := iso_date(m.group(1))):
        return parse_period(fiscal_quarter(date[0], date[1], fiscal_year_end or 12))
    period = parse_period(label)
    if period is None:
        spans = period_spans(label)
        period = parse_period(spans[-1][2]) if spans else None
    if period is None or period.year is None:
        years = re.findall(r"\b(?:19|20)\d{2}\b", label)
        period = Period(int(years[-1])) if years else None
    return period if period is not None and period.year is not None else None


def embed_chunks(
    chunks: Sequence[Chunk],
    positions: Sequence[int],
    encoder: Encoder,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 128,
) -> Embedded:
    """Chunk vector and sentence vectors for each of `positions` in `chunks`."""
    out: Embedded = {}
    for start in range(0, len(positions), batch):
        part = positions[start : start + batch]
        texts: list[str] = []
        counts: list[int] = []
        for k in part:
            chunk = chunks[k]
            sentences = [text for text, _ in chunk_units(chunk)]
            texts.append(chunk.embedding_text)
            texts.extend(sentences)
            counts.append(len(sentences))
        unique = list(dict.fromkeys(texts))  # a text said twice is embedded once
        found = dict(zip(unique, encoder.embed(unique), strict=True))
        vectors = np.asarray([found[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)
        at = 0
        for k, count in zip(part, counts, strict=True):
            out[k] = (vectors[at], vectors[at + 1 : at + 1 + count])
            at += 1 + count
        if progress:
            progress(min(start + batch, len(positions)), len(positions))
    return out
