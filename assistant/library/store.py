"""The index in memory: documents, chunks, vectors and figures as one immutable snapshot;
every change (documents added, one removed) returns a new Store, and a save writes it as a
new version of the folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from assistant.build_profile import stage
from assistant.chunking import Chunk, ChunkingParams
from assistant.documents import Document
from assistant.embedding import Encoder
from assistant.errors import (
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
)
from assistant.figures import Figure
from assistant.indexing import SENTENCES, SENTENCES_ALONE, chunks_and_figures, embed_chunks
from assistant.ingest.isolated import ReadResult
from assistant.library.folder import (
    current_version,
)
from assistant.library.records import (
    DocumentRecord,
    UpdateStats,
)
from assistant.library.snapshot import read_version, save_version
from assistant.library.vector_index import VectorIndex
from assistant.text.lexical import BM25, chunk_lexical_text, tokenize


class Store:
    """An immutable snapshot of the index; every change returns a new Store."""

    def __init__(
        self,
        model: str,
        dimension: int,
        chunking: ChunkingParams,
        documents: dict[str, DocumentRecord],
        chunks: list[Chunk],
        vectors: VectorIndex,
        sentence_vectors: np.ndarray,
        sentence_offsets: np.ndarray,
        ann_threshold: int,
        path: Path | None = None,
        manifest: dict | None = None,
        content_hashes: list[str] | None = None,
        figures: list[tuple[Figure, ...]] | None = None,
        encoders: tuple[str, ...] = (),
        lexical: BM25 | None = None,
        sentences: str = SENTENCES_ALONE,
    ) -> None:
        if vectors.count != len(chunks):
            raise IndexCorrupt(f"index has {vectors.count} vectors for {len(chunks)} chunks")
        if len(sentence_offsets) != len(chunks) + 1 or (
            sentence_offsets[-1] != len(sentence_vectors)
        ):
            raise IndexCorrupt("sentence vectors do not line up with the chunks")
        self.model = model
        self.dimension = dimension
        self.chunking = chunking
        self.documents = documents
        self.chunks = chunks
        self.vectors = vectors
        # Each chunk's sentences are embedded too: rows offsets[k]:offsets[k+1] belong to
        # chunk k. They rerank candidates and pick the sentences an answer quotes.
        self.sentence_vectors = sentence_vectors
        self.sentence_offsets = sentence_offsets
        self.ann_threshold = ann_threshold
        # As stored when embedded: a hash recomputed by newer code must not match old vectors.
        self.content_hashes = content_hashes or [c.content_hash for c in chunks]
        # Figures are extracted once, at index time, and stored beside their chunk.
        self.figures = figures if figures is not None else [() for _ in chunks]
        self.path = path
        self.manifest = manifest or {}
        # The backends (onnx, torch) whose vectors the index holds: the same model either way.
        self.encoders = encoders
        # How the sentence vectors were made: pooled from their passage's pass (SENTENCES),
        # or each sentence embedded alone (indexes built before).
        self.sentences = sentences
        self._lexical = lexical

    # construction --------------------------------------------------------------------------
    @classmethod
    def empty(cls, encoder: Encoder, chunking: ChunkingParams, ann_threshold: int) -> Store:
        return cls(
            model=encoder.name,
            dimension=encoder.dimension,
            chunking=chunking,
            documents={},
            chunks=[],
            vectors=VectorIndex.build(np.zeros((0, encoder.dimension)), encoder.dimension, 1),
            sentence_vectors=np.zeros((0, encoder.dimension), dtype=np.float32),
            sentence_offsets=np.zeros(1, dtype=np.int64),
            ann_threshold=ann_threshold,
            sentences=SENTENCES,
        )

    def lexical(self) -> BM25:
        """The BM25 postings: saved with the index, else built here once (an older index)."""
        if self._lexical is None:
            self._lexical = BM25([tokenize(chunk_lexical_text(c)) for c in self.chunks])
        return self._lexical

    def sentences_of(self, row: int) -> np.ndarray:
        return self.sentence_vectors[self.sentence_offsets[row] : self.sentence_offsets[row + 1]]

    def with_documents(
        self,
        docs: Sequence[Document],
        encoder: Encoder,
        replace_all: bool = False,
        progress: Callable[[int, int], None] | None = None,
        reuse: Store | None = None,
        prepared: Mapping[str, ReadResult] | None = None,
    ) -> tuple[Store, UpdateStats]:
        """A new store with `docs` added (or replacing same-id ones); unchanged chunks reuse
        their vectors by content hash (from this store or from `reuse`), so only new text is
        embedded. `prepared` holds documents already chunked, with their figures (read in a
        child process), by id."""
        self._check_model(encoder)
        new_ids = {d.doc_id for d in docs}
        records = (
            {} if replace_all else {k: v for k, v in self.documents.items() if k not in new_ids}
        )
        keep = (
            [] if replace_all else [k for k, c in enumerate(self.chunks) if c.doc_id not in new_ids]
        )
        new_chunks: list[Chunk] = []
        new_figures: list[tuple[Figure, ...]] = []
        for doc in docs:
            chunks, figures = chunks_and_figures(doc, self.chunking, prepared)
            records[doc.doc_id] = DocumentRecord.from_document(doc, len(chunks), figures)
            new_chunks.extend(chunks)
            new_figures.extend(figures)

        old_vectors = self.vectors.vectors()
        by_hash = {h: k for k, h in enumerate(self.content_hashes)}
        new_hashes = [c.content_hash for c in new_chunks]
        if reuse is not None:
            reused = reuse.vectors.vectors()
            known = {h: k for k, h in enumerate(reuse.content_hashes) if h not in by_hash}
            embedded = {
                k: (reused[known[h]], reuse.sentences_of(known[h]))
                for k, h in enumerate(new_hashes)
                if h in known
            }
        else:
            embedded = {}
        missing = [k for k, h in enumerate(new_hashes) if h not in by_hash and k not in embedded]
        embedded.update(embed_chunks(new_chunks, missing, encoder, progress))

        chunk_rows: list[np.ndarray] = [old_vectors[k] for k in keep]
        sentence_rows: list[np.ndarray] = [self.sentences_of(k) for k in keep]
        for k, content_hash in enumerate(new_hashes):
            if k in embedded:
                chunk_rows.append(embedded[k][0])
                sentence_rows.append(embedded.pop(k)[1])  # the rows hold the only reference
            else:
                source = by_hash[content_hash]
                chunk_rows.append(old_vectors[source])
                sentence_rows.append(self.sentences_of(source))
        store = self._derived(
            records,
            [self.chunks[k] for k in keep] + new_chunks,
            chunk_rows,
            sentence_rows,
            [self.content_hashes[k] for k in keep] + new_hashes,
            [self.figures[k] for k in keep] + new_figures,
            encoders=tuple(sorted({*self.encoders, encoder.backend})) if missing else None,
            lexical=self._lexical_with(keep, new_chunks),
        )
        return store, UpdateStats(
            embedded=len(missing), reused=len(new_chunks) - len(missing), documents=len(docs)
        )

    def _lexical_with(self, keep: list[int], new_chunks: list[Chunk]) -> BM25:
        with stage("bm25", len(new_chunks)):
            terms = [tokenize(chunk_lexical_text(c)) for c in new_chunks]
            return self.lexical().derived(self._kept(keep), terms)

    def _derived(
        self,
        records: dict[str, DocumentRecord],
        chunks: list[Chunk],
        chunk_rows: list[np.ndarray],
        sentence_rows: list[np.ndarray],
        content_hashes: list[str],
        figures: list[tuple[Figure, ...]],
        encoders: tuple[str, ...] | None = None,
        lexical: BM25 | None = None,
    ) -> Store:
        dim = self.dimension
        counts = np.asarray([len(r) for r in sentence_rows], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        chunk_matrix = _stacked(chunk_rows, len(chunk_rows), dim)
        sentences = _stacked(sentence_rows, int(offsets[-1]), dim)
        with stage("vector index"):
            vectors = VectorIndex.build(chunk_matrix, dim, self.ann_threshold)
        return Store(
            model=self.model,
            dimension=dim,
            chunking=self.chunking,
            documents=records,
            chunks=chunks,
            vectors=vectors,
            sentence_vectors=sentences,
            sentence_offsets=offsets,
            ann_threshold=self.ann_threshold,
            content_hashes=content_hashes,
            figures=figures,
            encoders=self.encoders if encoders is None else encoders,
            lexical=lexical,
            sentences=self.sentences,
        )

    def _kept(self, rows: list[int]) -> np.ndarray:
        mask = np.zeros(len(self.chunks), dtype=bool)
        mask[rows] = True
        return mask

    def without_document(self, doc_id: str) -> Store:
        if doc_id not in self.documents:
            raise DocumentNotFound(f"no document {doc_id!r} in the index")
        keep = [k for k, c in enumerate(self.chunks) if c.doc_id != doc_id]
        old_vectors = self.vectors.vectors()
        return self._derived(
            {k: v for k, v in self.documents.items() if k != doc_id},
            [self.chunks[k] for k in keep],
            [old_vectors[k] for k in keep],
            [self.sentences_of(k) for k in keep],
            [self.content_hashes[k] for k in keep],
            [self.figures[k] for k in keep],
            lexical=self.lexical().derived(self._kept(keep), []),
        )

    def _check_model(self, encoder: Encoder) -> None:
        if encoder.name != self.model or encoder.dimension != self.dimension:
            raise IndexMismatch(
                f"index was built with {self.model} ({self.dimension} dimensions), "
                f"not {encoder.name} ({encoder.dimension})"
            )

    # disk ------------------------------------------------------------------------------------
    def save(self, index_dir: Path, force: bool = False) -> Path:
        """Write a new version and switch `current` to it in one rename."""
        self.path, self.manifest = save_version(self, index_dir, force)
        return self.path

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None, dimension: int | None = None) -> Store:
        """Open the current version; a different model or a damaged file is a clear error."""
        version = current_version(index_dir)
        try:
            return cls(**read_version(index_dir, version, model, dimension))
        except IndexCorrupt:
            if current_version(index_dir) == version:
                raise
            # A writer swapped versions while this one was being read: read the new one.
            return cls(**read_version(index_dir, current_version(index_dir), model, dimension))


def _stacked(rows: list[np.ndarray], total: int, dim: int) -> np.ndarray:
    """The rows (vectors or blocks of them) as one float32 matrix, each let go of as it is
    copied: a library's vectors are held once while they are put together, not twice."""
    out = np.empty((total, dim), dtype=np.float32)
    at = 0
    for k, block in enumerate(rows):
        block = block.reshape(-1, dim)
        out[at : at + len(block)] = block
        at += len(block)
        rows[k] = None  # type: ignore[call-overload]
    return out
