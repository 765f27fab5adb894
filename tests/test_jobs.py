"""The upload job board on its own: limits, time budget and recovery from what a crash leaves
on disk. The indexing step is a function the test gives; the board, its files and its worker
thread are the real ones."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.errors import QueueFull, StillIndexing
from assistant.jobs.jobs import Job, JobBoard


def spooled(board: JobBoard, content: bytes = b"text") -> Path:
    path = board.spool_file()
    path.write_bytes(content)
    return path


def wait(board: JobBoard, doc_id: str, timeout_s: float = 10) -> Job:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = board.get(doc_id)
        if job is not None and not job.unfinished:
            return job
        time.sleep(0.02)
    raise AssertionError(f"{doc_id} did not finish")


def test_a_job_over_its_time_budget_fails_with_the_reason(tmp_path):
    def slow(job, path, progress):
        for k in range(100):
            time.sleep(0.05)
            progress(k / 100)

    board = JobBoard(tmp_path, slow, max_pending=4, budget_s=0.3)
    board.start()
    board.submit(Job("slow", "slow.txt"), spooled(board))
    job = wait(board, "slow")
    board.stop()
    assert job.state == "failed"
    assert "took longer than 0.3 s" in job.message and "split" in job.message
    assert not (tmp_path / "jobs" / "slow.upload").exists()
    assert json.loads((tmp_path / "jobs" / "slow.json").read_text())["state"] == "failed"


def test_the_queue_refuses_past_its_size_and_a_second_upload_of_one_id(tmp_path):
    board = JobBoard(tmp_path, lambda *a: None, max_pending=2, budget_s=60)  # not started
    board.submit(Job("a", "a.txt"), spooled(board))
    with pytest.raises(StillIndexing):
        board.submit(Job("a", "a.md"), spooled(board))
    board.submit(Job("b", "b.txt"), spooled(board))
    with pytest.raises(QueueFull, match="the limit is 2"):
        board.submit(Job("c", "c.txt"), spooled(board))
    assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == [
        "a.json",
        "a.upload",
        "b.json",
        "b.upload",
    ]  # refused files are not left behind


def test_after_a_crash_unfinished_jobs_resume_and_lost_files_are_reported(tmp_path):
    crashed = JobBoard(tmp_path, lambda *a: None, max_pending=8, budget_s=60)
    for doc_id in ("first", "second", "gone"):
        crashed.submit(Job(doc_id, f"{doc_id}.txt"), spooled(crashed, doc_id.encode()))
    (tmp_path / "jobs" / "gone.upload").unlink()  # e.g. the disk was restored without it
    (tmp_path / "jobs" / ".incoming-1-2").write_bytes(b"cut off before the 202")

    indexed: list[tuple[str, bytes]] = []

    def index(job, path, progress):
        progress(0.5)
        indexed.append((job.doc_id, path.read_bytes()))

    board = JobBoard(tmp_path, index, max_pending=8, budget_s=60)
    board.start()
    assert wait(board, "first").state == "ready" and wait(board, "second").state == "ready"
    board.stop()
    assert indexed == [("first", b"first"), ("second", b"second")]
    gone = board.get("gone")
    assert gone.state == "failed" and "upload it again" in gone.message
    assert (tmp_path / "uploads" / "first.txt").read_bytes() == b"first"
    assert not list((tmp_path / "jobs").glob(".incoming-*"))
    board.forget("first")
    assert not (tmp_path / "uploads" / "first.txt").exists()
    assert not (tmp_path / "jobs" / "first.json").exists()


def test_forget_never_leaves_the_jobs_folder(tmp_path):
    board = JobBoard(tmp_path, lambda *a: None, max_pending=8, budget_s=60)
    outside = tmp_path / "precious.json"
    outside.write_text("{}")
    board.forget("../precious")
    assert outside.exists()
