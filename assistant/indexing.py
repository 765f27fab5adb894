"""The indexing pipeline's last stage, shared by the file store and the database: a chunk's
vector and its sentences' vectors, embedded in batches, each distinct text once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from assistant.build_profile import stage
from assistant.chunking import Chunk, ChunkingParams, chunk_document, chunk_units
from assistant.documents import Document
from assistant.embedding import Encoder
from assistant.figures import Figure, document_figures
from assistant.ingest.isolated import ReadResult

Embedded = dict[int, tuple[np.ndarray, np.ndarray]]  # chunk position -> (vector, sentences)
Read = tuple[np.ndarray, list[np.ndarray | None]]  # a text's vector and its spans' vectors
SENTENCES = "pooled"  # a passage's sentence vectors come from its own pass (embed_chunks)
SENTENCES_ALONE = "alone"  # each sentence embedded by itself, as indexes were built before


def chunks_and_figures(
    doc: Document, params: ChunkingParams, prepared: Mapping[str, ReadResult] | None = None
) -> tuple[list[Chunk], list[tuple[Figure, ...]]]:
    """A document's chunks and their figures: as read in a child process when they were
    (uploads), else computed here."""
    read = (prepared or {}).get(doc.doc_id)
    if read is not None:
        return list(read.chunks), list(read.figures)
    with stage("chunk"):
        chunks = chunk_document(doc, params)
    with stage("figures", len(chunks)):
        return chunks, list(document_figures(chunks, doc.period))


def embed_chunks(
    chunks: Sequence[Chunk],
    positions: Sequence[int],
    encoder: Encoder,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 64,  # chunks per progress report: an upload's bar moves every few seconds
) -> Embedded:
    """Chunk vector and unit vectors for each of `positions` in `chunks`.

    A passage's sentences are read in the same pass as the passage (their tokens' states,
    pooled): a second pass over every sentence alone cost as much CPU as the passages and
    ranked no better on the validation split. A table row's cells carry a caption and the
    row's path that its text does not, so they are embedded alone, as is a sentence cut off
    past the model's 256 word pieces."""
    out: Embedded = {}
    seen: dict[bytes, Read] = {}  # a text said again in a later batch (a disclaimer, a greeting)
    for start in range(0, len(positions), batch):
        part = positions[start : start + batch]
        out.update(_embedded_part([chunks[k] for k in part], part, encoder, seen))
        if progress:
            progress(min(start + batch, len(positions)), len(positions))
    return out


def _embedded_part(
    chunks: Sequence[Chunk], part: Sequence[int], encoder: Encoder, seen: dict[bytes, Read]
) -> Embedded:
    with stage("sentence split"):
        units = [chunk_units(chunk) for chunk in chunks]
    texts = [chunk.embedding_text for chunk in chunks]
    keys = {text: _key(text) for text in texts}
    spans: dict[str, list[list[tuple[int, int]]]] = {}  # a text said twice is embedded once
    for chunk, text, own in zip(chunks, texts, units, strict=True):
        if keys[text] not in seen:
            spans.setdefault(text, _pieces(chunk, text, own))
    with stage("embed passages", len(chunks)):
        vectors, pieces = (
            encoder.embed_spans(list(spans), list(spans.values())) if spans else ((), ())
        )
    for k, text in enumerate(spans):
        seen[keys[text]] = (vectors[k], pieces[k])
    read = {text: seen[keys[text]] for text in texts}
    alone = list(
        dict.fromkeys(
            unit
            for text, own in zip(texts, units, strict=True)
            for j, (unit, _) in enumerate(own)
            if not read[text][1] or read[text][1][j] is None
        )
    )
    with stage("embed cells", len(alone)):
        found = dict(zip(alone, encoder.embed(alone), strict=True)) if alone else {}
    out: Embedded = {}
    for k, text, own in zip(part, texts, units, strict=True):
        vector, pooled = read[text]
        rows = [
            pooled[j] if pooled and pooled[j] is not None else found[unit]
            for j, (unit, _) in enumerate(own)
        ]
        out[k] = (vector, np.asarray(rows, dtype=np.float32).reshape(len(rows), vector.shape[0]))
    return out


def _key(text: str) -> bytes:
    """A text's key among those already embedded: a digest, so a large build keeps no second
    copy of every passage."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _pieces(chunk: Chunk, text: str, units) -> list[list[tuple[int, int]]]:
    """Where each sentence of a passage is in its embedding text (after the speaker or
    heading); none for a table row, whose cells are embedded alone."""
    if chunk.kind == "table_row":
        return []
    shift = len(text) - len(chunk.text)
    return [[(a + shift, b + shift)] for _, (a, b) in units]
