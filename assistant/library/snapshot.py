"""An index version on disk and back: FAISS vectors, sentence vectors, BM25 postings, chunk and
document metadata in SQLite and a manifest, written in a folder of its own and made current
with one rename (`folder`), so a reader sees the old version or the new one, never a mix."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant import __version__
from assistant.chunking import ChunkingParams
from assistant.errors import DiskFull, IndexCorrupt, IndexMismatch
from assistant.indexing import SENTENCES_ALONE
from assistant.library.folder import (
    CURRENT,
    FILES,
    FULL_DISK_BYTES,
    LEXICAL,
    VERSION_RE,
    check_index_dir,
    fsync_dir,
    index_exists,
    prune,
)
from assistant.library.records import (
    DocumentRecord,
    chunk_from_json,
    chunk_to_json,
    figures_from_json,
    figures_to_json,
)
from assistant.library.vector_index import VectorIndex
from assistant.text.lexical import BM25

FORMAT_VERSION = 3
# `store` below is an assistant.library.store.Store (which reads and writes itself through
# this module, so it is not imported here).


def save_version(store: Any, index_dir: Path, force: bool = False) -> tuple[Path, dict]:
    """Write the store as a new version and switch `current` to it in one rename: the
    version's folder and its manifest."""
    if not force:
        check_index_dir(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=index_dir))
    try:
        store.vectors.save(build / "vectors.faiss")
        np.save(build / "sentences.npy", store.sentence_vectors, allow_pickle=False)
        np.save(build / "sentence_offsets.npy", store.sentence_offsets, allow_pickle=False)
        write_sqlite(store, build / "meta.sqlite")
        store.lexical().save(build / LEXICAL)
        manifest = manifest_of(store)
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
    fsync_dir(index_dir)
    # The replaced version stays until the next save, for readers that resolved it.
    prune(index_dir, keep={version.name, *([previous] if previous else [])})
    return version, manifest


def manifest_of(store: Any) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "name": store.model,
            "dimension": store.dimension,
            "encoders": list(store.encoders),
            "sentences": store.sentences,
        },
        "chunking": store.chunking.as_dict(),
        "index": {"type": store.vectors.kind, "ann_threshold": store.ann_threshold},
        "chunk_count": len(store.chunks),
        "sentence_count": len(store.sentence_vectors),
        "documents": [
            {"doc_id": r.doc_id, "title": r.title, "sha256": r.sha256, "chunks": r.chunk_count}
            for r in store.documents.values()
        ],
    }


def write_sqlite(store: Any, path: Path) -> None:
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
                for r in store.documents.values()
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?)",
            [
                (k, c.chunk_id, c.doc_id, h, chunk_to_json(c), figures_to_json(f))
                for k, (c, h, f) in enumerate(
                    zip(store.chunks, store.content_hashes, store.figures, strict=True)
                )
            ],
        )
        db.commit()


def read_version(
    index_dir: Path, version: Path, model: str | None, dimension: int | None
) -> dict[str, Any]:
    """What Store is made of, read from one version: a different model, an older format or a
    damaged file is a clear error."""
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
    return dict(
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
