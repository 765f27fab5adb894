"""The library kept in PostgreSQL, for several API processes that share one set of documents.

Each process reads the documents, chunks, figures, sentence vectors and BM25 terms into an
in-memory snapshot (a `Store`) and reads them again when the library's version moves on; chunk
vectors stay in the database and are searched there by pgvector (`DatabaseVectors`). A change
(add, replace, remove) is one transaction under an advisory lock: it writes only the changed
documents' rows and bumps the version, so readers see the old library or the new one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.chunking import Chunk, ChunkingParams
from assistant.database import PerThread
from assistant.errors import DocumentNotFound, IndexMismatch
from assistant.figures import Figure
from assistant.indexing import chunks_and_figures, embed_chunks
from assistant.library import (
    DocumentRecord,
    Store,
    UpdateStats,
    chunk_from_json,
    chunk_to_json,
    figures_from_json,
    figures_to_json,
)
from assistant.text.lexical import BM25, chunk_lexical_text, tokenize
from assistant.vectors.pgvector import PgVectorBackend, open_connection, write_vectors

if TYPE_CHECKING:
    import psycopg

    from assistant.documents import Document
    from assistant.embedding import Encoder
    from assistant.ingest.isolated import ReadResult

WRITE_LOCK = 0x6C696272  # pg_advisory_xact_lock key: one library writer at a time


def chunk_key(chunk_id: str) -> int:
    """A chunk's stable 63-bit id, derived from its chunk id ("doc:12-15")."""
    digest = hashlib.blake2b(chunk_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class DatabaseVectors:
    """A snapshot's chunk vectors, searched in PostgreSQL: the snapshot's rows map to the
    chunk ids the table is keyed by. One connection per thread, so concurrent searches of an
    API process do not queue on one socket."""

    def __init__(self, url: str, ids: np.ndarray, dimension: int) -> None:
        self.url = url
        self.ids = ids
        self.dimension = dimension
        self.row_of = {int(i): row for row, i in enumerate(ids.tolist())}
        self._local = threading.local()

    def backend(self) -> PgVectorBackend:
        backend = getattr(self._local, "backend", None)
        if backend is None or backend.conn.closed:
            backend = self._local.backend = PgVectorBackend(self.url, self.dimension)
        return backend

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def kind(self) -> str:
        return "pgvector-hnsw" if self.backend().has_ann() else "pgvector-exact"

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        where = None if allowed is None else self.ids[np.asarray(allowed, dtype=np.int64)]
        ids, scores = self.backend().search(np.asarray(query).reshape(1, -1), k, where)
        # Rows another process added after this snapshot was read are not in it: left out.
        found = [
            (self.row_of[i], s) for i, s in zip(ids[0], scores[0], strict=True) if i in self.row_of
        ]
        rows = np.asarray([r for r, _ in found], dtype=np.int64)
        return rows, np.asarray([s for _, s in found], dtype=np.float32)

    def vectors(self) -> np.ndarray:
        """Every vector of the snapshot, in row order (for a file copy of the library)."""
        conn = self.backend().conn
        rows = conn.execute(
            "SELECT id, embedding FROM chunk_vectors WHERE id = ANY(%s)", (self.ids.tolist(),)
        ).fetchall()
        found = {int(i): as_array(v) for i, v in rows}
        out = np.zeros((len(self.ids), self.dimension), dtype=np.float32)
        for row, i in enumerate(self.ids.tolist()):
            out[row] = found[i]
        return out


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A document ready to write: its record, chunks, figures and vectors."""

    record: DocumentRecord
    chunks: list[Chunk]
    figures: list[tuple[Figure, ...]]
    hashes: list[str]  # content hashes as embedded


class Library:
    def __init__(
        self, url: str, model: str, dimension: int, chunking: ChunkingParams, ann_threshold: int
    ) -> None:
        self.url = url
        self.model = model
        self.dimension = dimension
        self.chunking = chunking
        self.ann_threshold = ann_threshold
        self._connections = PerThread(lambda: open_connection(url))

    def conn(self) -> psycopg.Connection:
        return self._connections.get()

    # reading ---------------------------------------------------------------------------------
    def version(self) -> int:
        row = self.conn().execute("SELECT version FROM library").fetchone()
        return int(row[0]) if row else 0

    def document_count(self) -> int:
        row = self.conn().execute("SELECT count(*) FROM documents").fetchone()
        return int(row[0]) if row else 0

    def load(self) -> Store:
        """The library as one snapshot, read in one transaction (one version)."""
        conn = self.conn()
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            version, model, dimension, chunking, encoders = conn.execute(
                "SELECT version, model, dimension, chunking, encoders FROM library"
            ).fetchone()
            docs = conn.execute("SELECT record FROM documents ORDER BY seq").fetchall()
            rows = conn.execute(
                "SELECT id, body, content_hash, figures, terms, sentences FROM chunks ORDER BY seq"
            ).fetchall()
        self._check_model(model, dimension)
        dim = self.dimension
        sentence_rows = [np.frombuffer(r[5], dtype=np.float32).reshape(-1, dim) for r in rows]
        counts = np.asarray([len(s) for s in sentence_rows], dtype=np.int64)
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return Store(
            model=self.model,
            dimension=dim,
            chunking=ChunkingParams(**chunking) if chunking else self.chunking,
            documents={d[0]["doc_id"]: record_from_json(d[0]) for d in docs},
            chunks=[chunk_from_json(r[1]) for r in rows],
            vectors=DatabaseVectors(self.url, ids, dim),
            sentence_vectors=(
                np.vstack(sentence_rows) if rows else np.zeros((0, dim), dtype=np.float32)
            ),
            sentence_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            ann_threshold=self.ann_threshold,
            manifest={"database_version": int(version)},
            content_hashes=[r[2] for r in rows],
            figures=[figures_from_json(r[3]) for r in rows],
            encoders=tuple(encoders or ()),
            lexical=BM25([list(r[4]) for r in rows]),
        )

    def _check_model(self, model: str | None, dimension: int | None) -> None:
        if model is not None and (model != self.model or dimension != self.dimension):
            raise IndexMismatch(
                f"the database's library was built with {model} ({dimension} dimensions), "
                f"not {self.model} ({self.dimension})"
            )

    # writing ---------------------------------------------------------------------------------
    def add_documents(
        self,
        docs: Sequence[Document],
        encoder: Encoder,
        replace_all: bool = False,
        progress: Callable[[int, int], None] | None = None,
        read: Mapping[str, ReadResult] | None = None,
    ) -> UpdateStats:
        """Add `docs` (replacing same-id ones; with `replace_all`, every other document goes).
        Only chunks whose text the library does not hold yet are embedded. `read` holds
        documents already chunked, with their figures, by id."""
        prepared = [self._prepare(doc, read) for doc in docs]
        chunks = [c for p in prepared for c in p.chunks]
        known = self._vectors_by_hash({c.content_hash for c in chunks})
        missing = [k for k, c in enumerate(chunks) if c.content_hash not in known]
        embedded = embed_chunks(chunks, missing, encoder, progress)
        for k, chunk in enumerate(chunks):
            if k not in embedded:
                embedded[k] = known[chunk.content_hash]
        self._write(
            prepared,
            embedded,
            replace_all,
            self.chunking,
            lambda before: sorted({*before, *([encoder.backend] if missing else [])}),
            check_model=True,
        )
        return UpdateStats(
            embedded=len(missing), reused=len(chunks) - len(missing), documents=len(docs)
        )

    def import_store(self, store: Store) -> int:
        """Copy a library from the index folder into the database as it is (no embedding);
        it replaces what the database held. Returns the number of chunks."""
        if store.model != self.model or store.dimension != self.dimension:
            raise IndexMismatch(f"the index was built with {store.model}, not {self.model}")
        rows_of: dict[str, list[int]] = {}
        for row, chunk in enumerate(store.chunks):
            rows_of.setdefault(chunk.doc_id, []).append(row)
        vectors = store.vectors.vectors()
        prepared, embedded = [], {}
        for doc_id, record in store.documents.items():
            rows = rows_of.get(doc_id, [])
            for row in rows:
                embedded[len(embedded)] = (vectors[row], store.sentences_of(row))
            chunks = [store.chunks[r] for r in rows]
            figures = [store.figures[r] for r in rows]
            hashes = [store.content_hashes[r] for r in rows]
            prepared.append(Prepared(record, chunks, figures, hashes))
        self._write(
            prepared,
            embedded,
            True,
            store.chunking,
            lambda before: sorted(store.encoders),  # every vector now comes from the store
            check_model=False,  # it replaces whatever the database held
        )
        return len(embedded)

    def _write(
        self,
        prepared: list[Prepared],
        embedded,
        replace_all: bool,
        chunking: ChunkingParams,
        encoders: Callable[[list[str]], list[str]],
        check_model: bool,
    ) -> None:
        """One transaction under the writer lock: the documents replaced (with `replace_all`,
        every other one dropped), their rows written, the version bumped; then the HNSW index
        built once the library is past its threshold."""
        conn = self.conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            model, dimension, before = conn.execute(
                "SELECT model, dimension, encoders FROM library"
            ).fetchone()
            if check_model:
                self._check_model(model, dimension)
            doc_ids = [p.record.doc_id for p in prepared]
            if replace_all:
                gone = conn.execute(
                    "SELECT doc_id FROM documents WHERE NOT doc_id = ANY(%s)", (doc_ids,)
                ).fetchall()
                self._delete(conn, [g[0] for g in gone])
            self._delete(conn, doc_ids)
            self._insert(conn, prepared, embedded)
            conn.execute(
                "UPDATE library SET version = version + 1, model = %s, dimension = %s,"
                " chunking = %s, encoders = %s, updated_at = now()",
                (
                    self.model,
                    self.dimension,
                    json.dumps(chunking.as_dict()),
                    json.dumps(encoders(before)),
                ),
            )
        PgVectorBackend(self.url, self.dimension).ensure_ann(self.ann_threshold)

    def remove(self, doc_id: str) -> None:
        conn = self.conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if not self._delete(conn, [doc_id]):
                raise DocumentNotFound(f"no document {doc_id!r} in the library")
            conn.execute("UPDATE library SET version = version + 1, updated_at = now()")

    def _prepare(self, doc: Document, read: Mapping[str, ReadResult] | None) -> Prepared:
        chunks, figures = chunks_and_figures(doc, self.chunking, read)
        record = DocumentRecord.from_document(doc, len(chunks), figures)
        return Prepared(record, chunks, figures, [c.content_hash for c in chunks])

    def _vectors_by_hash(self, hashes: set[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Vectors the library already holds for these chunk texts (content hashes)."""
        if not hashes:
            return {}
        rows = (
            self.conn()
            .execute(
                "SELECT DISTINCT ON (c.content_hash) c.content_hash, v.embedding, c.sentences"
                " FROM chunks c JOIN chunk_vectors v ON v.id = c.id WHERE c.content_hash = ANY(%s)",
                (sorted(hashes),),
            )
            .fetchall()
        )
        return {
            h: (
                as_array(v),
                np.frombuffer(s, dtype=np.float32).reshape(-1, self.dimension),
            )
            for h, v, s in rows
        }

    @staticmethod
    def _delete(conn: psycopg.Connection, doc_ids: list[str]) -> int:
        if not doc_ids:
            return 0
        conn.execute(
            "DELETE FROM chunk_vectors WHERE id IN (SELECT id FROM chunks WHERE doc_id = ANY(%s))",
            (doc_ids,),
        )
        return conn.execute("DELETE FROM documents WHERE doc_id = ANY(%s)", (doc_ids,)).rowcount

    def _insert(self, conn: psycopg.Connection, prepared: list[Prepared], embedded) -> None:
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY documents (doc_id, company, ticker, period, doc_type, record) FROM STDIN"
            ) as copy,
        ):
            for p in prepared:
                r = p.record
                copy.write_row(
                    (r.doc_id, r.company, r.ticker, r.period, r.doc_type, record_to_json(r))
                )
        ids: list[int] = []
        vectors: list[np.ndarray] = []
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY chunks (id, doc_id, kind, speaker, role, content_hash, body, figures,"
                " terms, sentences) FROM STDIN"
            ) as copy,
        ):
            k = 0
            for p in prepared:
                for chunk, figures, content_hash in zip(p.chunks, p.figures, p.hashes, strict=True):
                    vector, sentences = embedded[k]
                    key = chunk_key(chunk.chunk_id)
                    copy.write_row(
                        (
                            key,
                            chunk.doc_id,
                            chunk.kind,
                            chunk.speaker,
                            chunk.role,
                            content_hash,
                            chunk_to_json(chunk),
                            figures_to_json(figures),
                            tokenize(chunk_lexical_text(chunk)),
                            np.ascontiguousarray(sentences, dtype=np.float32).tobytes(),
                        )
                    )
                    ids.append(key)
                    vectors.append(vector)
                    k += 1
        if ids:
            write_vectors(conn, np.asarray(ids, dtype=np.int64), np.vstack(vectors))


def as_array(vector) -> np.ndarray:
    """A pgvector value as float32 numpy (binary results come as `Vector`)."""
    if hasattr(vector, "to_numpy"):
        vector = vector.to_numpy()
    return np.asarray(vector, dtype=np.float32)


def record_to_json(record: DocumentRecord) -> str:
    return json.dumps(dataclasses.asdict(record), ensure_ascii=False)


def record_from_json(raw: dict) -> DocumentRecord:
    tuples = ("languages", "speakers", "warnings", "aliases", "covers")
    return DocumentRecord(**{k: tuple(v) if k in tuples else v for k, v in raw.items()})
