"""Upload jobs that outlive the process: each is written to disk before the upload is
acknowledged, indexed by one background worker, and resumed after a crash or restart.

    index/jobs/<doc_id>.json     the job: state, progress, reason, metadata
    index/jobs/<doc_id>.upload   the uploaded bytes, until they are indexed
    index/uploads/<doc_id><ext>  the source of an indexed upload, removed with the document

Only job ids wait in memory, so the queue's size is bounded by count, not by bytes.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import (
    AssistantError,
    OverBudget,
    QueueFull,
    StillIndexing,
    failure_reason,
)

log = logging.getLogger("assistant.jobs")
UNFINISHED = ("queued", "parsing", "embedding")
# A job whose runs were cut off this many times with the whole process (killed, out of
# memory) is failed on the next start rather than tried again.
MAX_ATTEMPTS = 3
SAFE_ID_RE = re.compile(r"(?!\.)[A-Za-z0-9_.-]{1,200}")


@dataclass
class Job:
    doc_id: str
    name: str
    state: str = "queued"
    progress: float = 0.0
    message: str | None = None
    warnings: list[str] = field(default_factory=list)
    replaces: str | None = None
    company: str | None = None
    period: str | None = None
    doc_type: str | None = None
    sha256: str | None = None  # of the uploaded bytes: the same bytes again find this job
    attempts: int = 0  # runs started and not finished: a run killed with its process counts
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED


class Interrupted(Exception):
    """The service is stopping: the job stays queued on disk and resumes on the next start."""


class Cancelled(Exception):
    """The document was deleted while its upload was being indexed."""


# What the worker runs for one job: read the spooled file, index it, report progress through
# the callback (which raises to interrupt or to stop a job over its time budget).
IndexFn = Callable[[Job, Path, Callable[[float], None]], None]


class JobBoard:
    def __init__(self, index_dir: Path, index: IndexFn, max_pending: int, budget_s: float) -> None:
        self.root = index_dir / "jobs"
        self.uploads = index_dir / "uploads"
        self.index = index
        self.max_pending = max_pending
        self.budget_s = budget_s
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.worker: threading.Thread | None = None

    # submitting ------------------------------------------------------------------------------
    def submit(self, job: Job, spooled: Path) -> Job:
        """Take ownership of an uploaded file already on disk; raises QueueFull. When the
        same bytes are waiting or indexing already, that job is returned and the file is
        dropped: one upload, indexed once."""
        with self.lock:
            same = job.sha256 and next(
                (j for j in self.jobs.values() if j.unfinished and j.sha256 == job.sha256), None
            )
            pending = sum(1 for j in self.jobs.values() if j.unfinished)
            try:
                if same:
                    return same
                if pending >= self.max_pending:
                    raise QueueFull(
                        f"{pending} uploads are waiting to be indexed; the limit is "
                        f"{self.max_pending}"
                    )
                self.refuse_if_pending(job.doc_id)
                os.replace(spooled, self.spool_path(job.doc_id))
                self.jobs[job.doc_id] = job
                try:
                    self._write(job, durable=True)
                except OSError:  # a full disk: the upload was not taken, and says so
                    self.jobs.pop(job.doc_id, None)
                    self.spool_path(job.doc_id).unlink(missing_ok=True)
                    raise
            finally:
                spooled.unlink(missing_ok=True)
        self.queue.put(job.doc_id)
        return job

    def kept_upload(self, doc_id: str, name: str) -> bytes | None:
        """The bytes an indexed upload was read from, kept beside the index."""
        kept = self.uploads / f"{doc_id}{Path(name).suffix.lower()}"
        try:
            return kept.read_bytes()
        except OSError:
            return None

    def spool_file(self) -> Path:
        """A fresh file in the jobs folder to stream an upload into (same filesystem, so the
        hand-over in `submit` is one rename)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f".incoming-{os.getpid()}-{time.monotonic_ns()}"

    def spool_path(self, doc_id: str) -> Path:
        return self.root / f"{doc_id}.upload"

    def get(self, doc_id: str) -> Job | None:
        return self.jobs.get(doc_id)

    def is_pending(self, doc_id: str) -> bool:
        job = self.jobs.get(doc_id)
        return job is not None and job.unfinished

    def refuse_if_pending(self, doc_id: str) -> None:
        """An upload of a document whose earlier upload is still waiting or indexing is
        refused: checked before an upload is spooled, and again when it is handed over."""
        if self.is_pending(doc_id):
            raise StillIndexing(f"{doc_id!r} is still being indexed from an earlier upload")

    def cancelled(self, job: Job) -> bool:
        """The document was deleted while its upload was being indexed."""
        return self.jobs.get(job.doc_id) is not job

    def forget(self, doc_id: str) -> None:
        """A deleted document: its job record and kept source go too."""
        if not SAFE_ID_RE.fullmatch(doc_id):
            return  # not a name this board could have written
        with self.lock:
            self.jobs.pop(doc_id, None)
        (self.root / f"{doc_id}.json").unlink(missing_ok=True)
        self.spool_path(doc_id).unlink(missing_ok=True)
        if self.uploads.is_dir():
            for kept in self.uploads.iterdir():
                if kept.stem == doc_id:
                    kept.unlink(missing_ok=True)

    # the worker ------------------------------------------------------------------------------
    def start(self) -> None:
        """Load the jobs on disk, queue the unfinished ones again, and start the worker."""
        for stale in self.root.glob(".incoming-*"):
            stale.unlink(missing_ok=True)  # an upload cut off before it was acknowledged
        resumed = []
        for path in sorted(self.root.glob("*.json")):
            try:
                job = Job(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError) as error:
                log.warning("skipping unreadable job file %s: %s", path.name, error)
                continue
            if job.unfinished:
                if job.attempts >= MAX_ATTEMPTS:
                    job.state = "failed"
                    job.message = (
                        f"indexing it stopped the server {job.attempts} times, so it was not "
                        "tried again; check the file, or split it and upload the parts"
                    )
                    self.spool_path(job.doc_id).unlink(missing_ok=True)
                elif self.spool_path(job.doc_id).exists():
                    job.state, job.progress = "queued", 0.0
                    job.message = "resumed after a restart"
                    resumed.append(job.doc_id)
                else:
                    job.state = "failed"
                    job.message = "the uploaded file was lost in a restart; upload it again"
                self._write(job)
            self.jobs[job.doc_id] = job
        for doc_id in sorted(resumed, key=lambda d: self.jobs[d].created_at):
            self.queue.put(doc_id)
        if resumed:
            log.info("resuming %d upload(s) after a restart", len(resumed))
        self.worker = threading.Thread(target=self._work, name="indexer", daemon=True)
        self.worker.start()

    def stop(self, timeout_s: float = 5) -> None:
        self.stopping.set()
        self.queue.put(None)
        if self.worker is not None:
            self.worker.join(timeout=timeout_s)

    @property
    def alive(self) -> bool:
        """The indexer is running (readiness reports a dead one)."""
        return self.worker is not None and self.worker.is_alive()

    def _work(self) -> None:
        while not self.stopping.is_set():
            doc_id = self.queue.get()
            if doc_id is None:
                return
            job = self.jobs.get(doc_id)
            if job is None or not job.unfinished:
                continue  # deleted while it waited
            try:
                self._run(job)
            except Exception as error:  # nothing one upload does may stop the indexer
                log.exception("upload %s failed outside its indexing", doc_id)
                self._fail(job, error)

    def _fail(self, job: Job, error: Exception) -> None:
        """Record a job that failed where no AssistantError said why, if it still exists."""
        job.state, job.message = "failed", failure_reason(error)
        self.spool_path(job.doc_id).unlink(missing_ok=True)
        try:
            self._write(job)
        except OSError:
            log.exception("could not record that upload %s failed", job.doc_id)

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        job.attempts += 1
        self._write(job, durable=True)  # a run that kills the process still counts

        def progress(fraction: float) -> None:
            if self.stopping.is_set():
                raise Interrupted
            if self.jobs.get(job.doc_id) is not job:
                raise Cancelled
            if time.monotonic() - started > self.budget_s:
                raise OverBudget(
                    f"{job.name}: indexing took longer than {self.budget_s:g} s and was stopped"
                )
            job.progress = fraction
            self._write(job)

        try:
            self.index(job, self.spool_path(job.doc_id), progress)
        except Cancelled:
            self.spool_path(job.doc_id).unlink(missing_ok=True)
            log.info("upload %s was deleted while it was indexed", job.doc_id)
            return
        except Interrupted:
            job.state, job.progress, job.message = "queued", 0.0, "interrupted by a shutdown"
            job.attempts -= 1  # a clean stop is not the job's fault
            self._write(job)
            return
        except AssistantError as error:
            job.state, job.message = "failed", str(error)
        except Exception as error:  # one bad upload must not stop the worker
            log.exception("indexing %s failed", job.doc_id)
            job.state, job.message = "failed", failure_reason(error)
        else:
            job.state, job.progress, job.attempts = "ready", 1.0, 0
            self.keep_source(job)
        self.spool_path(job.doc_id).unlink(missing_ok=True)
        self._write(job)
        log.info("upload %s %s in %.1f s", job.doc_id, job.state, time.monotonic() - started)

    def keep_source(self, job: Job) -> None:
        """The indexed upload's bytes move to uploads/, unless it was deleted meanwhile."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        kept = self.uploads / f"{job.doc_id}{Path(job.name).suffix.lower()}"
        try:
            os.replace(self.spool_path(job.doc_id), kept)
        except FileNotFoundError:
            if not self.cancelled(job):
                raise
        if self.cancelled(job):  # deleted while it was being saved: its source goes too
            kept.unlink(missing_ok=True)

    def _write(self, job: Job, durable: bool = False) -> None:
        """Atomically, so a crash leaves the old record or the new one; `durable` also syncs
        the record and the upload to disk (before an upload is acknowledged)."""
        if self.jobs.get(job.doc_id) is not job:
            return  # deleted meanwhile
        target = self.root / f"{job.doc_id}.json"
        temporary = target.with_name(f".{target.name}.{threading.get_ident()}")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(asdict(job), handle, ensure_ascii=False)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, target)
        if durable:
            with open(self.spool_path(job.doc_id), "rb") as handle:
                os.fsync(handle.fileno())
            fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
