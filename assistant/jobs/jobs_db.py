"""Upload jobs and Slack event ids in PostgreSQL, shared by every API process.

An upload is one row holding its bytes, written before the upload is acknowledged. Any
process's worker claims the oldest waiting job with FOR UPDATE SKIP LOCKED and holds it under
a lease it renews while it works; a worker killed mid-job stops renewing, and when the lease
runs out another worker takes the job again. A job that crashed its worker `MAX_ATTEMPTS`
times fails with that reason instead of taking every worker down in turn.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.database import PerThread, connect
from assistant.errors import (
    AssistantError,
    OverBudget,
    QueueFull,
    StillIndexing,
    failure_reason,
)
from assistant.jobs.jobs import MAX_ATTEMPTS, Cancelled, IndexFn, Interrupted, Job

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("assistant.jobs")
IDLE_POLL_S = 0.5
# The states the file board reports, from the row's state and stage.
SHOWN = {"done": "ready", "failed": "failed"}
META_FIELDS = ("replaces", "company", "period", "doc_type", "sha256", "created_at")


class DatabaseJobBoard:
    """The same calls as `jobs.JobBoard`, over the `upload_jobs` table."""

    def __init__(
        self,
        url: str,
        index_dir: Path,
        index: IndexFn,
        max_pending: int,
        budget_s: float,
        lease_s: float = 30.0,
    ) -> None:
        self.url = url
        self.root = index_dir / "jobs"
        self.index = index
        self.max_pending = max_pending
        self.budget_s = budget_s
        self.lease_s = lease_s
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self.worker: threading.Thread | None = None
        self._connections = PerThread(lambda: connect(url, autocommit=True))

    def conn(self) -> psycopg.Connection:
        return self._connections.get()

    # submitting ------------------------------------------------------------------------------
    def kept_upload(self, doc_id: str, name: str) -> bytes | None:
        """The bytes an indexed upload was read from: its finished job's row keeps them."""
        row = (
            self.conn()
            .execute(
                "SELECT body FROM upload_jobs WHERE doc_id = %s AND state = 'done'"
                " ORDER BY id DESC LIMIT 1",
                (doc_id,),
            )
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def spool_file(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f".incoming-{os.getpid()}-{time.monotonic_ns()}"

    def submit(self, job: Job, spooled: Path) -> Job:
        """Store the upload in the database (then it is safe) and drop the local copy; the
        job of the same bytes when they are waiting already."""
        try:
            body = spooled.read_bytes()
            conn = self.conn()
            with conn.transaction():
                # One submitter at a time, so the limit and the one-upload-per-id rule hold
                # across processes.
                conn.execute("LOCK TABLE upload_jobs IN SHARE ROW EXCLUSIVE MODE")
                pending = conn.execute(
                    "SELECT count(*) FROM upload_jobs WHERE state IN ('queued', 'running')"
                ).fetchone()[0]
                same = conn.execute(
                    "SELECT doc_id FROM upload_jobs WHERE state IN ('queued', 'running')"
                    " AND meta->>'sha256' = %s ORDER BY id LIMIT 1",
                    (job.sha256,),
                ).fetchone()
                if same is not None:  # the same bytes are waiting already: indexed once
                    return self.get(same[0]) or Job(same[0], job.name)
                if pending >= self.max_pending:
                    raise QueueFull(
                        f"{pending} uploads are waiting to be indexed; "
                        f"the limit is {self.max_pending}"
                    )
                self.refuse_if_pending(job.doc_id)
                meta = {k: getattr(job, k) for k in META_FIELDS}
                conn.execute(
                    "INSERT INTO upload_jobs (doc_id, name, body, meta, stage)"
                    " VALUES (%s, %s, %s, %s, 'queued')",
                    (job.doc_id, job.name, body, json.dumps(meta)),
                )
        finally:
            spooled.unlink(missing_ok=True)
        return job

    def get(self, doc_id: str) -> Job | None:
        row = (
            self.conn()
            .execute(
                "SELECT doc_id, name, state, stage, progress, message, warnings, meta"
                " FROM upload_jobs WHERE doc_id = %s ORDER BY id DESC LIMIT 1",
                (doc_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        doc, name, state, stage, progress, message, warnings, meta = row
        return Job(
            doc,
            name,
            state=SHOWN.get(state, stage or "queued"),
            progress=float(progress),
            message=message,
            warnings=list(warnings),
            **{k: meta.get(k) for k in META_FIELDS if meta.get(k) is not None},
        )

    def is_pending(self, doc_id: str) -> bool:
        row = (
            self.conn()
            .execute(
                "SELECT 1 FROM upload_jobs WHERE doc_id = %s AND state IN ('queued', 'running')",
                (doc_id,),
            )
            .fetchone()
        )
        return row is not None

    def refuse_if_pending(self, doc_id: str) -> None:
        if self.is_pending(doc_id):
            raise StillIndexing(f"{doc_id!r} is still being indexed from an earlier upload")

    def cancelled(self, job: Job) -> bool:
        """The document was deleted (its job rows with it) while it was being indexed."""
        return self.get(job.doc_id) is None

    def forget(self, doc_id: str) -> None:
        self.conn().execute("DELETE FROM upload_jobs WHERE doc_id = %s", (doc_id,))

    # the worker ------------------------------------------------------------------------------
    def start(self) -> None:
        for stale in self.root.glob(".incoming-*") if self.root.is_dir() else ():
            stale.unlink(missing_ok=True)
        self.worker = threading.Thread(target=self._work, name="indexer", daemon=True)
        self.worker.start()

    def stop(self, timeout_s: float = 5) -> None:
        self.stopping.set()
        if self.worker is not None:
            self.worker.join(timeout=timeout_s)

    def _work(self) -> None:
        while not self.stopping.is_set():
            try:
                claimed = self.claim()
            except Exception:  # the database away for a moment: try again
                log.exception("could not claim an upload job")
                claimed = None
            if claimed is None:
                self.stopping.wait(IDLE_POLL_S)
                continue
            try:
                self._run(*claimed)
            except Exception as error:  # nothing one upload does may stop the indexer
                log.exception("upload %s failed outside its indexing", claimed[1].doc_id)
                with contextlib.suppress(Exception):
                    self._finish(claimed[0], "failed", failure_reason(error))

    @property
    def alive(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def claim(self) -> tuple[int, Job, bytes] | None:
        """The oldest job waiting, or one whose worker's lease ran out."""
        conn = self.conn()
        with conn.transaction():
            row = conn.execute(
                "UPDATE upload_jobs SET state = 'running', stage = 'parsing', progress = 0,"
                " worker = %s, attempts = attempts + 1,"
                " lease_until = now() + make_interval(secs => %s)"
                " WHERE id = (SELECT id FROM upload_jobs"
                "   WHERE state = 'queued' OR (state = 'running' AND lease_until < now())"
                "   ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)"
                " RETURNING id, doc_id, name, body, meta, attempts",
                (self.name, self.lease_s),
            ).fetchone()
        if row is None:
            return None
        job_id, doc_id, name, body, meta, attempts = row
        job = Job(doc_id, name, **{k: meta.get(k) for k in META_FIELDS if meta.get(k)})
        if attempts > MAX_ATTEMPTS:
            self._finish(job_id, "failed", f"indexing stopped {MAX_ATTEMPTS} times; upload again")
            return None
        if attempts > 1:
            log.info("taking over upload %s (attempt %d)", doc_id, attempts)
        return job_id, job, bytes(body)

    def _run(self, job_id: int, job: Job, body: bytes) -> None:
        started = time.monotonic()
        renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job_id, renewing), daemon=True)
        renewer.start()

        def progress(fraction: float) -> None:
            if self.stopping.is_set():
                raise Interrupted
            if time.monotonic() - started > self.budget_s:
                raise OverBudget(
                    f"{job.name}: indexing took longer than {self.budget_s:g} s and was stopped"
                )
            updated = (
                self.conn()
                .execute(
                    "UPDATE upload_jobs SET stage = %s, progress = %s, warnings = %s"
                    " WHERE id = %s AND worker = %s",
                    (job.state, fraction, json.dumps(job.warnings), job_id, self.name),
                )
                .rowcount
            )
            if not updated:
                raise Cancelled

        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".job-", suffix=".upload") as f:
            f.write(body)
            f.flush()
            try:
                self.index(job, Path(f.name), progress)
            except Cancelled:
                log.info("upload %s was deleted while it was indexed", job.doc_id)
            except Interrupted:
                self._release(job_id)
            except AssistantError as error:
                self._finish(job_id, "failed", str(error))
            except Exception as error:
                log.exception("indexing %s failed", job.doc_id)
                self._finish(job_id, "failed", failure_reason(error))
            else:
                self._finish(job_id, "done", None)
            finally:
                renewing.set()
        log.info("upload %s done in %.1f s", job.doc_id, time.monotonic() - started)

    def _renew(self, job_id: int, done: threading.Event) -> None:
        """Extend the lease while the job runs (its own connection: the worker's is busy)."""
        with connect(self.url, autocommit=True) as conn:
            while not done.wait(self.lease_s / 3):
                conn.execute(
                    "UPDATE upload_jobs SET lease_until = now() + make_interval(secs => %s)"
                    " WHERE id = %s AND worker = %s AND state = 'running'",
                    (self.lease_s, job_id, self.name),
                )

    def _finish(self, job_id: int, state: str, message: str | None) -> None:
        self.conn().execute(
            "UPDATE upload_jobs SET state = %s, stage = NULL, message = %s,"
            " progress = CASE WHEN %s = 'done' THEN 1 ELSE progress END,"
            " finished_at = now(), lease_until = NULL WHERE id = %s",
            (state, message, state, job_id),
        )

    def _release(self, job_id: int) -> None:
        self.conn().execute(
            "UPDATE upload_jobs SET state = 'queued', stage = 'queued', progress = 0,"
            " message = 'interrupted by a shutdown', worker = NULL, lease_until = NULL,"
            " attempts = attempts - 1 WHERE id = %s",
            (job_id,),
        )


class DatabaseSeenEvents:
    """Slack event ids any process has answered: a retry that reaches another process is
    recognised by the unique key. Ids older than a day are dropped (Slack retries within
    minutes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connections = PerThread(lambda: connect(url, autocommit=True))
        self._pruned = 0.0

    def first_time(self, event_id: str) -> bool:
        conn = self._connections.get()
        inserted = conn.execute(
            "INSERT INTO slack_events (event_id) VALUES (%s) ON CONFLICT DO NOTHING",
            (event_id,),
        ).rowcount
        if time.monotonic() - self._pruned > 3600:
            self._pruned = time.monotonic()
            conn.execute("DELETE FROM slack_events WHERE seen_at < now() - interval '1 day'")
        return inserted == 1
