"""The one object every surface (CLI, API, Slack) holds: settings, the model, the current
index snapshot and its retriever. Model loading happens here, at start, never at import."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answers.answer import Answer, Turn, answer
from assistant.build_profile import stage
from assistant.documents import DOCUMENT_SUFFIXES, Document, Metadata, parse_file
from assistant.embedding import Encoder, load_encoder
from assistant.errors import AssistantError, IndexNotFound, ParseError
from assistant.indexing import SENTENCES
from assistant.ingest.isolated import ReadResult
from assistant.ingest.many import read_files
from assistant.library import (
    Store,
    UpdateStats,
    check_index_dir,
    current_version,
    index_exists,
    writer_lock,
)
from assistant.memory import release_freed_memory
from assistant.search.fusion import Hit
from assistant.search.query import Filters
from assistant.search.retrieval import Retriever
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.library_db import Library

SYNC_RELOAD_S = 1.0  # a library read that took longer than this is redone in the background


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the documents inside named directories (sidecars skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.iterdir())
                if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and ".meta." not in p.name
            )
        else:
            files.append(path)
    if not files:
        raise AssistantError("no documents to index", hint="give .txt or .md files or a folder")
    return files


@dataclass(frozen=True)
class SearchResult:
    hit: Hit
    store: Store

    @property
    def chunk(self):
        return self.store.chunks[self.hit.row]

    @property
    def document(self):
        return self.store.documents[self.chunk.doc_id]


class Assistant:
    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._version: Path | int | None = None
        self._library: Library | None = None
        self._load_s = 0.0  # how long the last read of the database's library took
        self._loading: threading.Thread | None = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.settings.model)
        return self._encoder

    @property
    def library(self) -> Library | None:
        """The library in PostgreSQL (with a database URL), else None: the index folder."""
        if self.settings.database_url is None:
            return None
        if self._library is None:
            from assistant.database import ensure_schema
            from assistant.library_db import Library

            ensure_schema(self.settings.database_url)
            self._library = Library(
                self.settings.database_url,
                self.settings.model,
                self.encoder.dimension,
                self.settings.chunking,
                self.settings.ann_threshold,
            )
        return self._library

    # reading ---------------------------------------------------------------------------------
    def retriever(self) -> Retriever:
        """The retriever for the current index version, reloaded when a writer swapped it
        (in another process too, with a database)."""
        if self.library:
            return self._library_retriever(self.library)
        version = current_version(self.settings.index_dir)
        with self._lock:
            if self._retriever is None or version != self._version:
                store = Store.load(
                    self.settings.index_dir, self.settings.model, self.encoder.dimension
                )
                self._retriever = self._retriever_of(store)
                self._version = store.path
            return self._retriever

    def _retriever_of(self, store: Store) -> Retriever:
        return Retriever(store, self.encoder, max_question_chars=self.settings.max_question_chars)

    def _library_retriever(self, library: Library) -> Retriever:
        """A new version is read in the request when the last read was quick (small
        libraries); when it took longer, the current snapshot keeps answering while a thread
        reads the new one (about 11 s at 100,000 chunks)."""
        version = library.version()
        with self._lock:
            current = self._retriever
            if current is not None and version == self._version:
                return current
            if current is not None and self._load_s > SYNC_RELOAD_S:
                if self._loading is None or not self._loading.is_alive():
                    self._loading = threading.Thread(
                        target=self._load_library, args=(library,), daemon=True
                    )
                    self._loading.start()
                return current
            return self._load_library(library, locked=True)

    def _load_library(self, library: Library, locked: bool = False) -> Retriever:
        started = time.perf_counter()
        store = library.load()
        retriever = self._retriever_of(store)
        with contextlib.nullcontext() if locked else self._lock:
            version = store.manifest["database_version"]
            if (
                self._retriever is None
                or not isinstance(self._version, int)
                or (version >= self._version)
            ):
                self._retriever, self._version = retriever, version
            self._load_s = time.perf_counter() - started
            return self._retriever

    @property
    def store(self) -> Store:
        return self.retriever().store

    def search(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> list[SearchResult]:
        retriever = self.retriever()
        hits = retriever.search(question, top_k or self.settings.top_k, filters)
        return [SearchResult(hit, retriever.store) for hit in hits]

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        return answer(self.retriever(), question, top_k or self.settings.top_k, filters, history)

    # writing ---------------------------------------------------------------------------------
    def _base_store(self, fresh: bool) -> Store:
        if not fresh and index_exists(self.settings.index_dir):
            try:
                return Store.load(
                    self.settings.index_dir, self.settings.model, self.encoder.dimension
                )
            except AssistantError:
                if not fresh:
                    raise
        return Store.empty(self.encoder, self.settings.chunking, self.settings.ann_threshold)

    def build(
        self,
        paths: Iterable[Path],
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
        skip_unreadable: bool = False,
        reading: Callable[[int, int], None] | None = None,
    ) -> tuple[Store, UpdateStats]:
        """Index exactly these documents, reusing vectors of unchanged chunks; `force` builds
        in a folder that holds other files too (they are left alone). With `skip_unreadable`,
        a file that cannot be read is left out and named in `stats.skipped` instead of
        stopping the build. `reading` hears of each file read, `progress` of the passages
        embedded."""
        if not force and not self.library:
            check_index_dir(self.settings.index_dir)  # before the work, not after it
        docs, skipped = [], []
        files = collect_files(paths)
        with stage("parse"):
            for done, (_, read) in enumerate(read_files(files), start=1):
                if isinstance(read, ParseError):
                    if not skip_unreadable:
                        raise read
                    skipped.append(str(read))
                else:
                    docs.append(read)
                if reading:
                    reading(done, len(files))
        _check_unique(docs)
        if self.library:
            stats = self.library.add_documents(docs, self.encoder, True, progress)
            return self.retriever().store, replace(stats, skipped=tuple(skipped))
        with writer_lock(self.settings.index_dir):
            try:
                base = self._base_store(fresh=False)
            except AssistantError:
                base = self._base_store(fresh=True)
            if base.chunking != self.settings.chunking or base.sentences != SENTENCES:
                base = self._base_store(fresh=True)
            store, stats = base.with_documents(
                docs, self.encoder, replace_all=True, progress=progress
            )
            with stage("write"):
                store.save(self.settings.index_dir, force=force)
        return store, replace(stats, skipped=tuple(skipped))

    def add(
        self,
        path: Path,
        meta: Metadata | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[Document, UpdateStats]:
        doc = parse_file(path, meta)
        return doc, self.add_document(doc, progress)

    def add_document(
        self,
        doc: Document,
        progress: Callable[[int, int], None] | None = None,
        read: ReadResult | None = None,
    ) -> UpdateStats:
        """Embed outside the writer lock (minutes for a long document), then merge and save
        under it (seconds), so a delete or another writer never waits for the embedding.
        `read` is the document already chunked, with its figures (an upload's)."""
        prepared = {doc.doc_id: read} if read is not None else None
        if self.library:
            return self.library.add_documents([doc], self.encoder, progress=progress, read=prepared)
        index_dir = self.settings.index_dir
        base = self._base_store(fresh=not index_exists(index_dir))
        store, stats = base.with_documents(
            [doc], self.encoder, progress=progress, prepared=prepared
        )
        with writer_lock(index_dir):
            if index_exists(index_dir) and current_version(index_dir) != base.path:
                latest = Store.load(index_dir, self.settings.model, self.encoder.dimension)
                store, _ = latest.with_documents(
                    [doc], self.encoder, reuse=store, prepared=prepared
                )
            store.save(index_dir)
        return stats

    def refresh(self) -> None:
        """Load the current index version now and swap it in for the next requests."""
        if self.library:
            self.retriever()  # reads the library again when its version moved on
            return
        store = Store.load(self.settings.index_dir, self.settings.model, self.encoder.dimension)
        retriever = self._retriever_of(store)
        with self._lock:
            self._retriever, self._version = retriever, store.path
        release_freed_memory(collect=True)  # the snapshot swapped out

    def remove(self, doc_id: str) -> Store:
        if self.library:
            self.library.remove(doc_id)
            return self.retriever().store
        with writer_lock(self.settings.index_dir):
            if not index_exists(self.settings.index_dir):
                raise IndexNotFound(f"no index at {self.settings.index_dir}")
            store = Store.load(self.settings.index_dir, self.settings.model)
            store = store.without_document(doc_id)
            store.save(self.settings.index_dir)
        return store

    def has_index(self) -> bool:
        if self.library:
            return self.library.document_count() > 0
        return index_exists(self.settings.index_dir)

    def ensure_index(self, seeds: Path, progress: Callable[[int, int], None] | None = None) -> bool:
        """Build the index from `seeds` when there is none; True when it built one."""
        if self.has_index():
            return False
        self.build([seeds], progress=progress)
        return True


def _check_unique(docs: list[Document]) -> None:
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.doc_id in seen:
            raise AssistantError(
                f"{doc.source} and {seen[doc.doc_id]} would both be document {doc.doc_id!r}",
                hint="rename one of them or give a doc_id in its .meta.json",
            )
        seen[doc.doc_id] = doc.source
