"""The indexing pipeline's last stage, shared by the file store and the database: a chunk's
vector and its sentences' vectors, embedded in batches, each distinct text once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from assistant.chunking import Chunk, ChunkingParams, chunk_document, chunk_units
from assistant.documents import Document
from assistant.documents.isolated import ReadResult
from assistant.embedding import Encoder
from assistant.figures import Figure, document_figures

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


def embed_chunks(
    chunks: Sequence[Chunk],
    positions: Sequence[int],
    encoder: Encoder,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 64,  # chunks per progress report: an upload's bar moves every few seconds
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
