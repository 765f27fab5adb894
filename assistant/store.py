"""The index on disk: FAISS vectors, chunk and document metadata in SQLite, and a manifest.

An index directory holds immutable versions and a `current` symlink:

    index/current -> v20261123T010203-1a2b3c/
    index/v20261123T010203-1a2b3c/{vectors.faiss, meta.sqlite, manifest.json}

A save writes a new version beside the old one and then swaps the symlink with one rename, so
a reader sees either the old index or the new one, never a mix, and a build killed half-way
leaves the previous version in place. Writers take a file lock; readers take none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from assistant import __version__
from assistant.build_profile import stage
from assistant.chunking import Chunk, ChunkCell, ChunkingParams
from assistant.documents import Document
from assistant.documents.isolated import ReadResult
from assistant.embedding import Encoder
from assistant.errors import (
    AssistantError,
    DiskFull,
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
)
from assistant.figures import Figure, stated_periods
from assistant.indexing import SENTENCES, SENTENCES_ALONE, chunks_and_figures, embed_chunks
from assistant.lexical import BM25, chunk_lexical_text, tokenize

FORMAT_VERSION = 3
CURRENT = "current"
# Less free space than this after a failed save: the disk was full.
FULL_DISK_BYTES = 8 * 1024 * 1024
# Names a store writes in its directory; anything else belongs to someone else.
VERSION_RE = re.compile(r"v\d{8}T\d{6}-[0-9a-f]{6}")
# What an index folder may hold besides versions: the project's own index/ ships with a
# README.md, and the first `make serve` builds the seed index beside it (never pruned).
OWN_ENTRIES = {CURRENT, ".lock", "uploads", "jobs", "README.md"}
FILES = ("vectors.faiss", "sentences.npy", "sentence_offsets.npy", "meta.sqlite", "manifest.json")
LEXICAL = "lexical"  # BM25 postings: .npy arrays and vocab.json
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    doc_type: str
    source: str
    sha256: str
    company: str | None
    period: str | None
    languages: tuple[str, ...]
    chunk_count: int
    added_at: str
    speakers: tuple[dict[str, str | None], ...] = ()
    warnings: tuple[str, ...] = ()
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    date: str | None = None
    # Periods the document's table columns state besides its own, as labels.
    covers: tuple[str, ...] = ()

    @classmethod
    def from_document(
        cls, doc: Document, chunk_count: int, figures: Sequence[tuple[Figure, ...]] = ()
    ) -> DocumentRecord:
        return cls(
            doc_id=doc.doc_id,
            title=doc.title,
            doc_type=doc.doc_type,
            source=doc.source,
            sha256=doc.sha256,
            company=doc.company,
            period=doc.period,
            languages=doc.languages,
            chunk_count=chunk_count,
            added_at=datetime.now(UTC).isoformat(timespec="seconds"),
            speakers=tuple(
                {"name": s.name, "role": s.role, "title": s.title, "firm": s.firm}
                for s in doc.speakers
            ),
            warnings=doc.warnings,
            ticker=doc.ticker,
            aliases=doc.aliases,
            date=doc.date,
            covers=stated_periods(figures, doc.period, doc.fiscal_year_end),
        )


class VectorIndex:
    """FAISS behind the five calls the store needs: build, search, vectors, save, load.

    Vectors are L2-normalised, so inner product is cosine similarity. Up to `ann_threshold`
    vectors the index is exact (IndexFlatIP); beyond it, HNSW, whose build cost only pays once
    exact search gets slow (see `make bench` for the measured crossover).
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSWFlat) else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int, ann_threshold: int) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
        if len(vectors) > ann_threshold:
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        return cls(index)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the k nearest rows, optionally only among `allowed` row ids."""
        k = min(k, self.count if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self) -> np.ndarray:
        if self.count == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_n(0, self.count)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))


def chunk_to_json(chunk: Chunk) -> str:
    return json.dumps(dataclasses.asdict(chunk), ensure_ascii=False)


def chunk_from_json(body: str) -> Chunk:
    raw = json.loads(body)
    raw["lines"] = tuple(raw["lines"])
    raw["row_path"] = tuple(raw["row_path"])
    raw["flags"] = tuple(raw["flags"])
    raw["uncertain"] = tuple(raw["uncertain"])
    if raw.get("pages"):
        raw["pages"] = tuple(raw["pages"])
    raw["cells"] = tuple(
        ChunkCell(**{**c, "column_path": tuple(c["column_path"])}) for c in raw["cells"]
    )
    return Chunk(**raw)


def figures_to_json(figures: Sequence[Figure]) -> str:
    return json.dumps([dataclasses.asdict(f) for f in figures], ensure_ascii=False)


def figures_from_json(body: str) -> tuple[Figure, ...]:
    out = []
    for raw in json.loads(body):
        for key in ("span", "row_path", "column_path", "flags"):
            raw[key] = tuple(raw[key])
        out.append(Figure(**raw))
    return tuple(out)


@dataclass(frozen=True)
class UpdateStats:
    embedded: int
    reused: int
    documents: int
    skipped: tuple[str, ...] = ()  # files left out of a build, each with its reason


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
        if not force:
            check_index_dir(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=".build-", dir=index_dir))
        try:
            self.vectors.save(build / "vectors.faiss")
            np.save(build / "sentences.npy", self.sentence_vectors, allow_pickle=False)
            np.save(build / "sentence_offsets.npy", self.sentence_offsets, allow_pickle=False)
            self._write_sqlite(build / "meta.sqlite")
            self.lexical().save(build / LEXICAL)
            manifest = self._manifest()
            (build / "manifest.json").write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            for name in [*FILES, *(f"{LEXICAL}/{p.name}" for p in (build / LEXICAL).iterdir())]:
                with open(build / name, "rb") as handle:
                    os.fsync(handle.fileno())
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            version = index_dir / f"v{stamp}-{uuid.uuid4().hex[:6]}"
            assert VERSION_RE.fullmatch(version.name)
            os.rename(build, version)
        except BaseException as error:
            free = shutil.disk_usage(index_dir).free
            shutil.rmtree(build, ignore_errors=True)
            if isinstance(error, Exception) and free < FULL_DISK_BYTES:
                # numpy, FAISS and SQLite each say "disk full" their own way, or not at all
                raise DiskFull(
                    f"the index could not be saved: the disk is full ({free // 1024} KB free)"
                ) from error
            raise
        previous = os.readlink(index_dir / CURRENT) if index_exists(index_dir) else None
        link = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
        os.symlink(version.name, link)
        os.replace(link, index_dir / CURRENT)
        _fsync_dir(index_dir)
        self.path = version
        self.manifest = manifest
        # The replaced version stays until the next save, for readers that resolved it.
        _prune(index_dir, keep={version.name, *([previous] if previous else [])})
        return version

    def _manifest(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": {
                "name": self.model,
                "dimension": self.dimension,
                "encoders": list(self.encoders),
                "sentences": self.sentences,
            },
            "chunking": self.chunking.as_dict(),
            "index": {"type": self.vectors.kind, "ann_threshold": self.ann_threshold},
            "chunk_count": len(self.chunks),
            "sentence_count": len(self.sentence_vectors),
            "documents": [
                {"doc_id": r.doc_id, "title": r.title, "sha256": r.sha256, "chunks": r.chunk_count}
                for r in self.documents.values()
            ],
        }

    def _write_sqlite(self, path: Path) -> None:
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.executescript(
                """
                CREATE TABLE documents (
                    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, doc_type TEXT NOT NULL,
                    source TEXT NOT NULL, sha256 TEXT NOT NULL, company TEXT, period TEXT,
                    languages TEXT NOT NULL, chunk_count INTEGER NOT NULL, added_at TEXT NOT NULL,
                    speakers TEXT NOT NULL, warnings TEXT NOT NULL, ticker TEXT,
                    aliases TEXT NOT NULL, date TEXT, covers TEXT NOT NULL DEFAULT '[]');
                CREATE INDEX documents_company ON documents(company);
                CREATE INDEX documents_ticker ON documents(ticker);
                CREATE TABLE chunks (
                    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
                    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
                    content_hash TEXT NOT NULL, body TEXT NOT NULL, figures TEXT NOT NULL);
                CREATE INDEX chunks_doc ON chunks(doc_id);
                """
            )
            db.executemany(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        r.doc_id,
                        r.title,
                        r.doc_type,
                        r.source,
                        r.sha256,
                        r.company,
                        r.period,
                        json.dumps(r.languages),
                        r.chunk_count,
                        r.added_at,
                        json.dumps(r.speakers, ensure_ascii=False),
                        json.dumps(r.warnings),
                        r.ticker,
                        json.dumps(r.aliases, ensure_ascii=False),
                        r.date,
                        json.dumps(r.covers),
                    )
                    for r in self.documents.values()
                ],
            )
            db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?)",
                [
                    (k, c.chunk_id, c.doc_id, h, chunk_to_json(c), figures_to_json(f))
                    for k, (c, h, f) in enumerate(
                        zip(self.chunks, self.content_hashes, self.figures, strict=True)
                    )
                ],
            )
            db.commit()

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None, dimension: int | None = None) -> Store:
        """Open the current version; a different model or a damaged file is a clear error."""
        version = current_version(index_dir)
        try:
            return cls._load_version(index_dir, version, model, dimension)
        except IndexCorrupt:
            if current_version(index_dir) == version:
                raise
            # A writer swapped versions while this one was being read: read the new one.
            return cls._load_version(index_dir, current_version(index_dir), model, dimension)

    @classmethod
    def _load_version(
        cls, index_dir: Path, version: Path, model: str | None, dimension: int | None
    ) -> Store:
        try:
            manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise IndexCorrupt(f"{version}/manifest.json is unreadable: {err}") from err
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatch(
                f"{index_dir} has index format {manifest.get('format_version')}, "
                f"this version reads {FORMAT_VERSION}"
            )
        built_model = manifest["model"]["name"]
        built_dim = int(manifest["model"]["dimension"])
        if model is not None and model != built_model:
            raise IndexMismatch(f"{index_dir} was built with model {built_model}, not {model}")
        if dimension is not None and dimension != built_dim:
            raise IndexMismatch(
                f"{index_dir} holds {built_dim}-dimension vectors; the model gives {dimension}"
            )
        try:
            vectors = VectorIndex.load(version / "vectors.faiss")
            sentence_vectors = np.load(version / "sentences.npy", allow_pickle=False)
            sentence_offsets = np.load(version / "sentence_offsets.npy", allow_pickle=False)
            lexical = BM25.load(version / LEXICAL) if (version / LEXICAL).is_dir() else None
            with contextlib.closing(
                sqlite3.connect(f"file:{version / 'meta.sqlite'}?mode=ro", uri=True)
            ) as db:
                docs = db.execute("SELECT * FROM documents").fetchall()
                rows = db.execute(
                    "SELECT row, body, content_hash, figures FROM chunks ORDER BY row"
                ).fetchall()
        except (RuntimeError, sqlite3.DatabaseError, OSError, ValueError) as err:
            raise IndexCorrupt(f"{version} is damaged: {err}") from err
        if vectors.index.d != built_dim:
            raise IndexCorrupt(f"{version}/vectors.faiss has dimension {vectors.index.d}")
        documents = {
            d[0]: DocumentRecord(
                doc_id=d[0],
                title=d[1],
                doc_type=d[2],
                source=d[3],
                sha256=d[4],
                company=d[5],
                period=d[6],
                languages=tuple(json.loads(d[7])),
                chunk_count=d[8],
                added_at=d[9],
                speakers=tuple(json.loads(d[10])),
                warnings=tuple(json.loads(d[11])),
                ticker=d[12],
                aliases=tuple(json.loads(d[13])),
                date=d[14],
                covers=tuple(json.loads(d[15])) if len(d) > 15 else (),  # absent before
            )
            for d in docs
        }
        chunks = [chunk_from_json(body) for _, body, _, _ in rows]
        return cls(
            model=built_model,
            dimension=built_dim,
            chunking=ChunkingParams(**manifest["chunking"]),
            documents=documents,
            chunks=chunks,
            vectors=vectors,
            sentence_vectors=sentence_vectors,
            sentence_offsets=sentence_offsets,
            ann_threshold=int(manifest["index"]["ann_threshold"]),
            path=version,
            manifest=manifest,
            content_hashes=[h for _, _, h, _ in rows],
            figures=[figures_from_json(f) for _, _, _, f in rows],
            encoders=tuple(manifest["model"].get("encoders", ())),
            lexical=lexical,
            sentences=manifest["model"].get("sentences", SENTENCES_ALONE),
        )


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


def current_version(index_dir: Path) -> Path:
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexNotFound(f"no index at {index_dir}")
    return link.resolve()


def index_exists(index_dir: Path) -> bool:
    return (index_dir / CURRENT).exists()


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 600) -> Iterator[None]:
    """One writer at a time per index directory; readers never wait."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_own_entry(name: str) -> bool:
    return (
        name in OWN_ENTRIES
        or bool(VERSION_RE.fullmatch(name))
        or name.startswith((".build-", f".{CURRENT}-"))
    )


def check_index_dir(index_dir: Path) -> None:
    """Refuse to write an index into a folder that holds other things (`--index ~/work` by
    mistake): a save adds and prunes entries there."""
    if not index_dir.exists() or index_exists(index_dir):
        return
    if not index_dir.is_dir():
        raise AssistantError(f"{index_dir} is a file, not an index directory")
    foreign = sorted(e.name for e in index_dir.iterdir() if not is_own_entry(e.name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise AssistantError(
            f"{index_dir} is not an index and is not empty ({shown})",
            hint="choose an empty or new folder for --index, or pass --force to build there",
        )


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Delete versions other than `keep`, builds abandoned by a killed writer and dangling
    links; only entries named as this module names them, never anything else."""
    for entry in index_dir.iterdir():
        name = entry.name
        if name.startswith(f".{CURRENT}-") and entry.is_symlink():
            entry.unlink(missing_ok=True)
            continue
        if name in keep or entry.is_symlink() or not entry.is_dir():
            continue
        if name.startswith(".build-") or (
            VERSION_RE.fullmatch(name) and (entry / "manifest.json").exists()
        ):
            shutil.rmtree(entry, ignore_errors=True)
