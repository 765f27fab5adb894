"""What a hostile probe of the running service found, each kept from coming back: the hostile
file or request is made here, sent to a real `assistant serve` process, and the server must
answer questions throughout and leave no upload in an unknown state."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.jobs.jobs import MAX_ATTEMPTS, Job, JobBoard
from benchmarks import hostile
from benchmarks.serving import Server, serving_copy, stray_files
from tests.test_faults import upload, wait_for_job
from tests.test_jobs import spooled, wait

BUDGET_S = 15
READ_MEMORY_MB = 768
QUESTION = {"question": "What was revenue in Q4 2024?"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def answers(server: Server) -> bool:
    response = httpx.post(f"{server.url}/v1/ask", json=QUESTION, timeout=60)
    return response.status_code == 200 and response.json()["found"]


@pytest.fixture(scope="module")
def probed(seed_index, tmp_path_factory):
    """No token, on loopback, with a short upload budget and a small read-memory limit."""
    with serving_copy(
        seed_index,
        tmp_path_factory.mktemp("probed"),
        ASSISTANT_UPLOAD_BUDGET_S=str(BUDGET_S),
        ASSISTANT_READ_MEMORY_MB=str(READ_MEMORY_MB),
    ) as server:
        yield server


def leftovers(server: Server) -> list[str]:
    """Upload bytes in jobs/ or uploads/ that no job or listed document owns."""
    listed = httpx.get(f"{server.url}/v1/documents").json()["documents"]
    return stray_files(server.index, {d["doc_id"] for d in listed})


# High: a PDF whose stream expands to gigabytes ---------------------------------------------


def test_a_pdf_bomb_fails_its_upload_and_the_server_keeps_its_memory(probed):
    bomb = hostile.pdf_bomb(1536)  # 1.5 MB of file, 1.5 GiB expanded
    before = rss_mb(probed.proc.pid)
    peak = [before]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak.append(rss_mb(probed.proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        started = time.monotonic()
        sent = upload(probed, "bomb.pdf", bomb)
        assert sent.status_code == 202, sent.text
        assert time.monotonic() - started < 5  # not read in the request
        assert answers(probed)
        status = wait_for_job(probed.url, "bomb", timeout_s=60)
    finally:
        stop.set()
        watcher.join()
    assert status["state"] == "failed"
    assert f"more than {READ_MEMORY_MB:,} MB of memory" in status["message"]
    assert max(peak) - before < 300, (before, max(peak))
    assert probed.proc.poll() is None and answers(probed)
    assert "bomb" not in {
        d["doc_id"] for d in httpx.get(f"{probed.url}/v1/documents").json()["documents"]
    }
    assert leftovers(probed) == []


# Medium: the time budget holds in reading and figures, and reading is not in the request ----


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("percent-tokens.txt", hostile.percent_tokens(295)),
        ("one-line.txt", hostile.one_line(2)),
        ("wide-table.html", hostile.wide_table(800)),
    ],
)
def test_reading_and_figures_keep_to_the_upload_budget(probed, name, content):
    started = time.monotonic()
    sent = upload(probed, name, content)
    assert sent.status_code == 202, sent.text
    assert time.monotonic() - started < 5  # acknowledged without reading the document
    doc_id = sent.json()["doc_id"]
    assert answers(probed)
    status = wait_for_job(probed.url, doc_id, timeout_s=BUDGET_S + 30)
    took = time.monotonic() - started
    assert took < BUDGET_S + 20, took
    if status["state"] == "failed":
        assert f"took longer than {BUDGET_S} s" in status["message"], status
    else:  # read within the budget: then it is a document like any other
        assert httpx.delete(f"{probed.url}/v1/documents/{doc_id}").status_code == 200
    assert leftovers(probed) == []


# High: a delete while the upload is saved must not kill the indexer -------------------------


def test_the_indexer_survives_a_delete_while_an_upload_is_saved(tmp_path):
    """The delete lands between the index write and the move of the upload to uploads/ (what
    a DELETE at progress 1.0 did): the worker lives on and indexes the next upload."""
    board: JobBoard

    def index(job: Job, path: Path, progress) -> None:
        progress(1.0)
        if job.doc_id == "deleted":
            board.forget(job.doc_id)  # the DELETE, after the document was saved

    board = JobBoard(tmp_path, index, max_pending=4, budget_s=60)
    board.start()
    try:
        for name in ("deleted", "next"):
            board.submit(Job(name, f"{name}.txt"), spooled(board, name.encode()))
        assert wait(board, "next").state == "ready"
        assert board.alive
        assert board.get("deleted") is None
        assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["next.txt"]
        assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == ["next.json"]
    finally:
        board.stop()


def test_readiness_reports_a_dead_indexer(index_copy, encoder):
    """The app's own board, its worker stopped as a crash would leave it: /readyz says so."""
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.service import Assistant
    from assistant.settings import Settings

    settings = Settings(index_dir=index_copy)
    app = create_app(settings, Assistant(settings, encoder))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/readyz").status_code == 200
        app.state.service.board.stop()
        dead = client.get("/readyz")
        assert dead.status_code == 503 and "indexer has stopped" in dead.json()["error"]


def test_a_job_that_took_the_server_down_three_times_is_not_resumed(tmp_path):
    index = tmp_path / "index"
    runs: list[int] = []

    def index_fn(job: Job, path: Path, progress) -> None:
        record = json.loads((index / "jobs" / f"{job.doc_id}.json").read_text())
        runs.append(record["attempts"])  # counted on disk before the run starts

    board = JobBoard(index, index_fn, max_pending=4, budget_s=60)
    (index / "jobs").mkdir(parents=True)
    for doc_id, attempts in (("crasher", MAX_ATTEMPTS), ("unlucky", MAX_ATTEMPTS - 1)):
        job = Job(doc_id, f"{doc_id}.txt", state="embedding", attempts=attempts)
        (index / "jobs" / f"{doc_id}.json").write_text(json.dumps(job.__dict__))
        (index / "jobs" / f"{doc_id}.upload").write_text("Revenue was $1 million.")
    board.start()
    try:
        unlucky = wait(board, "unlucky")
    finally:
        board.stop()
    crasher = board.get("crasher")
    assert crasher.state == "failed" and "stopped the server 3 times" in crasher.message
    assert not (index / "jobs" / "crasher.upload").exists()
    assert unlucky.state == "ready" and runs == [MAX_ATTEMPTS]


def test_a_worker_killed_by_its_upload_counts_the_attempt(seed_index, tmp_path):
    """The server is killed with -9 while it reads an upload: the job on disk says one attempt,
    the reader dies with the server, and after three such kills the upload fails instead of
    being tried again."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)
    slow = hostile.one_line(2)
    for round_ in range(MAX_ATTEMPTS + 1):
        server = Server(index, tmp_path / f"run{round_}.log", ASSISTANT_UPLOAD_BUDGET_S="120")
        server.wait_ready()
        reading: list[int] = []
        try:
            if round_ == 0:
                assert upload(server, "killer.txt", slow).status_code == 202
            if round_ == MAX_ATTEMPTS:
                status = wait_for_job(server.url, "killer", timeout_s=30)
                assert status["state"] == "failed" and "3 times" in status["message"]
                assert answers(server)
                return
            deadline = time.monotonic() + 30
            while not reading and time.monotonic() < deadline:
                reading = readers_of(server.proc.pid)
                time.sleep(0.05)
            assert reading, "the upload was not read in a child process"
            record = json.loads((index / "jobs" / "killer.json").read_text())
            assert record["attempts"] == round_ + 1
        finally:
            server.proc.kill()
            server.proc.wait()
            server.handle.close()
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{pid}").exists() for pid in reading):
            assert time.monotonic() < deadline, "the reader outlived its server"
            time.sleep(0.1)


def readers_of(parent: int) -> list[int]:
    """The reader processes `parent` started."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"assistant.ingest.isolated" in cmdline:
            found.append(int(proc.name))
    return found


# Medium: DNS rebinding ------------------------------------------------------------------------


def test_a_rebound_host_name_can_neither_read_nor_change(probed):
    port = probed.port
    rebound = {"Host": f"attacker.example:{port}", "Origin": f"http://attacker.example:{port}"}
    listed = httpx.get(f"{probed.url}/v1/documents", headers=rebound)
    assert listed.status_code == 400 and "attacker.example" in listed.json()["error"]
    sent = httpx.post(
        f"{probed.url}/v1/documents",
        headers=rebound,
        files={"file": ("rebound.txt", b"Revenue was $1 million.")},
    )
    assert sent.status_code == 400
    removed = httpx.delete(f"{probed.url}/v1/documents/000_71abd0ac3770a833", headers=rebound)
    assert removed.status_code == 400
    assert "nosniff" in removed.headers["x-content-type-options"]
    for name in ("localhost", "127.0.0.1"):
        own = httpx.get(f"{probed.url}/v1/documents", headers={"Host": f"{name}:{port}"})
        assert own.status_code == 200


def test_named_hosts_are_answered_when_configured(seed_index, tmp_path):
    with serving_copy(seed_index, tmp_path, ASSISTANT_ALLOWED_HOSTS="assistant.internal") as server:
        named = {"Host": "assistant.internal"}
        assert httpx.get(f"{server.url}/v1/documents", headers=named).status_code == 200
        other = {"Host": "other.example"}
        assert httpx.get(f"{server.url}/v1/documents", headers=other).status_code == 400


# Medium: the figure ledger a page at a time, off the event loop -----------------------------


def test_figures_come_a_page_at_a_time(probed):
    first = httpx.get(f"{probed.url}/v1/figures", params={"limit": 40})
    assert first.status_code == 200
    body = first.json()
    assert len(body["figures"]) == 40 and body["total"] > 80 and body["next_offset"] == 40
    assert int(first.headers["x-total-count"]) == body["total"]
    assert 'rel="next"' in first.headers["link"] and "offset=40" in first.headers["link"]
    rows, offset = [], 0
    while offset is not None:
        page = httpx.get(f"{probed.url}/v1/figures", params={"limit": 40, "offset": offset})
        rows += page.json()["figures"]
        offset = page.json()["next_offset"]
    everything = httpx.get(f"{probed.url}/v1/figures", params={"limit": 10_000}).json()
    assert rows == everything["figures"] and len(rows) == body["total"]
    assert "link" not in httpx.get(f"{probed.url}/v1/figures", params={"limit": 10_000}).headers
    csv_page = httpx.get(f"{probed.url}/v1/figures", params={"format": "csv", "limit": 5})
    assert csv_page.text.count("\n") == 6 and 'rel="next"' in csv_page.headers["link"]
    too_many = httpx.get(f"{probed.url}/v1/figures", params={"limit": 10_001})
    assert too_many.status_code == 422


# Medium: duplicates leave nothing behind and are indexed once ---------------------------------


def test_duplicate_uploads_leave_no_files_and_are_indexed_once(probed):
    text = (Path(__file__).parent / "fixtures" / "wire_call.txt").read_bytes()
    text = text.replace(b"Helix", b"Helixa")  # bytes no other test uploads
    first = upload(probed, "dup-a.txt", text)
    second = upload(probed, "dup-b.txt", text)  # while the first is waiting or indexing
    assert first.status_code == 202 and second.status_code == 202, second.text
    assert second.json()["doc_id"] == "dup-a"
    assert "being indexed already as 'dup-a'" in second.json()["message"]
    assert wait_for_job(probed.url, "dup-a")["state"] == "ready"
    for k in range(10):
        again = upload(probed, f"dup-{k}.txt", text)
        assert again.status_code == 200 and again.json()["doc_id"] == "dup-a"
    listed = {d["doc_id"] for d in httpx.get(f"{probed.url}/v1/documents").json()["documents"]}
    assert "dup-a" in listed and "dup-b" not in listed
    assert httpx.get(f"{probed.url}/v1/documents/dup-b").status_code == 404
    assert leftovers(probed) == []
    assert httpx.delete(f"{probed.url}/v1/documents/dup-a").status_code == 200


def test_the_same_bytes_with_another_company_correct_the_document(probed):
    text = (Path(__file__).parent / "fixtures" / "wire_call.txt").read_bytes()
    text = text.replace(b"Helix", b"Helixo")  # bytes no other test uploads
    assert upload(probed, "relabel.txt", text).status_code == 202
    assert wait_for_job(probed.url, "relabel")["state"] == "ready"
    labels = {"company": "Helixo Holdings", "period": "Q2 2023"}
    fixed = upload(probed, "relabel-copy.txt", text, data=labels)
    assert fixed.status_code == 202 and fixed.json()["doc_id"] == "relabel", fixed.text
    assert wait_for_job(probed.url, "relabel")["state"] == "ready"
    listed = {d["doc_id"]: d for d in httpx.get(f"{probed.url}/v1/documents").json()["documents"]}
    assert (listed["relabel"]["company"], listed["relabel"]["period"]) == (
        "Helixo Holdings",
        "Q2 2023",
    )
    assert "relabel-copy" not in listed
    same = upload(probed, "relabel.txt", text, data={"company": "Helixo Holdings"})
    assert same.status_code == 200  # nothing to correct: indexed already
    assert httpx.delete(f"{probed.url}/v1/documents/relabel").status_code == 200


def test_a_documents_company_and_period_are_corrected_in_place(probed):
    text = (Path(__file__).parent / "fixtures" / "wire_call.txt").read_bytes()
    text = text.replace(b"Helix", b"Heliqa")  # bytes no other test uploads
    assert upload(probed, "in-place.txt", text).status_code == 202
    assert wait_for_job(probed.url, "in-place")["state"] == "ready"
    url = f"{probed.url}/v1/documents/in-place"
    fixed = httpx.patch(url, json={"company": "Heliqa Robotics", "period": "Q2 2023"}, timeout=30)
    assert fixed.status_code == 202, fixed.text
    assert wait_for_job(probed.url, "in-place")["state"] == "ready"
    listed = {d["doc_id"]: d for d in httpx.get(f"{probed.url}/v1/documents").json()["documents"]}
    assert (listed["in-place"]["company"], listed["in-place"]["period"]) == (
        "Heliqa Robotics",
        "Q2 2023",
    )
    answer = httpx.post(
        f"{probed.url}/v1/ask",
        json={"question": "What did Heliqa Robotics say about backlog?"},
        timeout=60,
    ).json()
    assert answer["citations"] and all(c["doc_id"] == "in-place" for c in answer["citations"])
    again = httpx.patch(url, json={"company": "Heliqa Robotics"}, timeout=30)
    assert again.status_code == 200 and "already" in again.json()["message"]
    unknown = httpx.patch(f"{probed.url}/v1/documents/nothing-here", json={"company": "X"})
    assert unknown.status_code == 404
    bad = httpx.patch(url, json={"company": "X", "color": "red"}, timeout=30)
    assert bad.status_code == 422
    assert leftovers(probed) == []
    assert httpx.delete(url).status_code == 200


# Low: 500s, echoed bodies, paths, a full disk -------------------------------------------------


def test_a_malformed_origin_is_a_403_with_security_headers(probed):
    response = httpx.post(
        f"{probed.url}/v1/ask", json=QUESTION, headers={"Origin": "http://["}, timeout=30
    )
    assert response.status_code == 403
    assert response.headers["x-frame-options"] == "DENY"


def test_a_chunked_body_over_the_limit_does_not_echo_the_body(probed):
    secret = b"SECRET-BODY-BYTES " * 1000

    def chunks():
        for _ in range(300):  # 5.4 MB, over the 4 MB limit of a JSON body
            yield secret

    response = httpx.post(
        f"{probed.url}/v1/ask",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413
    assert "SECRET" not in response.text and "larger than 4 MB" in response.json()["error"]


def test_a_damaged_index_is_reported_without_server_paths(seed_index, tmp_path):
    with serving_copy(seed_index, tmp_path) as server:
        (server.index / "current" / "manifest.json").write_text("{not json")
        removed = httpx.delete(f"{server.url}/v1/documents/000_71abd0ac3770a833")
        assert removed.status_code == 503, removed.text
        assert str(tmp_path) not in removed.text and "/" not in removed.json()["error"]
        assert "damaged" in removed.json()["error"]
        assert "manifest.json is unreadable" in server.log.read_text()  # the details: logged


def small_disk(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
    )
    return made.returncode == 0


def test_a_full_disk_fails_uploads_and_deletes_with_the_reason(seed_index, tmp_path):
    disk = tmp_path / "disk"
    if not small_disk(disk, "40m"):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        index = disk / "index"
        shutil.copytree(seed_index, index, symlinks=True)
        filler = disk / "filler"
        server = Server(index, tmp_path / "server.log")
        server.wait_ready()
        try:
            free = shutil.disk_usage(disk).free
            with filler.open("wb") as out:
                out.write(b"\0" * max(free - 256 * 1024, 0))
            sent = upload(server, "big.txt", b"Revenue was $1 million.\n" * 40_000)  # 960 KB
            assert sent.status_code == 507, sent.text
            assert "disk is full" in sent.json()["error"]
            removed = httpx.delete(f"{server.url}/v1/documents/000_71abd0ac3770a833")
            assert removed.status_code == 507 and "disk is full" in removed.json()["error"]
            filler.unlink()
            with filler.open("wb") as out:  # room for the upload, not for the new index
                out.write(b"\0" * max(shutil.disk_usage(disk).free - 3 * 1024 * 1024, 0))
            sent = upload(server, "fits.txt", b"Revenue was $1 million in Q1 2024.\n" * 3000)
            assert sent.status_code == 202, sent.text
            status = wait_for_job(server.url, "fits", timeout_s=60)
            assert status["state"] == "failed" and "disk is full" in status["message"], status
            assert answers(server)
            assert httpx.get(f"{server.url}/readyz").status_code == 200
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
