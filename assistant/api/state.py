"""What the app holds between requests: the Assistant, the worker limits and the upload jobs."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import anyio

from assistant.documents import Metadata
from assistant.errors import IndexNotFound
from assistant.ingest.isolated import ReadLimits, read_isolated
from assistant.jobs.jobs import Job, JobBoard
from assistant.jobs.jobs_db import DatabaseJobBoard
from assistant.library import DocumentRecord
from assistant.service import Assistant
from assistant.settings import Settings

log = logging.getLogger("assistant.jobs")


class Busy(Exception):
    """More requests are waiting than the queue holds."""


class Service:
    """Questions run on `workers` threads behind a bounded queue, so a slow request never
    blocks the event loop and an overload gets a quick 503 instead of a pile-up. Deletes run
    on a thread of their own, so a delete that waits for the index's writer lock never holds
    a question's place."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.settings = settings
        self.assistant = assistant
        self.limiter = anyio.CapacityLimiter(settings.workers)
        self.writer = anyio.CapacityLimiter(1)
        self.waiting = 0
        self.waiting_lock = threading.Lock()
        self.ready = False
        self.board: JobBoard | DatabaseJobBoard
        if settings.database_url:
            self.board = DatabaseJobBoard(
                settings.database_url,
                settings.index_dir,
                self._index,
                settings.max_pending_uploads,
                settings.upload_budget_s,
                settings.job_lease_s,
            )
        else:
            self.board = JobBoard(
                settings.index_dir,
                self._index,
                settings.max_pending_uploads,
                settings.upload_budget_s,
            )

    async def run(self, fn, *args):
        """Run blocking work (model, FAISS) in a worker thread, refusing when overloaded."""
        with self.waiting_lock:
            if self.waiting >= self.settings.max_queue:
                raise Busy
            self.waiting += 1
        try:
            return await anyio.to_thread.run_sync(lambda: fn(*args), limiter=self.limiter)
        finally:
            with self.waiting_lock:
                self.waiting -= 1

    async def write(self, fn, *args):
        return await anyio.to_thread.run_sync(lambda: fn(*args), limiter=self.writer)

    def record(self, doc_id: str) -> DocumentRecord | None:
        """The indexed document with this id, if there is an index and it holds one."""
        try:
            return self.assistant.store.documents.get(doc_id)
        except IndexNotFound:
            return None

    def record_with_content(self, sha256: str) -> DocumentRecord | None:
        """The indexed document read from these very bytes, whatever its file was called."""
        try:
            documents = self.assistant.store.documents.values()
        except IndexNotFound:
            return None
        return next((r for r in documents if r.sha256 == sha256), None)

    def _index(self, job: Job, spooled: Path, progress) -> None:
        """Read, chunk and extract figures in a child process under the memory limit and the
        upload's budget (which the board's progress check also holds over the whole job);
        embed and save here."""
        started = time.monotonic()
        job.state = "parsing"
        progress(0.0)
        meta = Metadata(
            company=job.company, period=job.period, doc_type=job.doc_type, doc_id=job.doc_id
        )
        limits = ReadLimits(self.settings.read_memory_mb, self.settings.upload_budget_s)
        read = read_isolated(
            spooled, job.name, meta, self.settings.chunking, limits, lambda: progress(0.0)
        )
        doc = read.doc
        job.warnings = list(doc.warnings)
        job.state = "embedding"
        progress(0.0)
        log.info("read %s in %.1f s", job.doc_id, time.monotonic() - started)
        self.assistant.add_document(
            doc, progress=lambda done, total: progress(done / total if total else 1.0), read=read
        )
        if self.board.cancelled(job):  # deleted while it was being saved
            self.assistant.remove(job.doc_id)
        self.assistant.refresh()  # swap the served index now, not on the next request
