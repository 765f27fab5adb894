"""PostgreSQL mode on a real PostgreSQL with pgvector: the same answers as the index folder,
and several real `assistant serve` processes sharing one database (uploads, Slack retries,
a worker killed mid-upload)."""

from __future__ import annotations

import os
import signal
import time

import httpx
import psycopg
import pytest

from assistant.database import SCHEMA_VERSION, migrate
from assistant.evaluation import ask_each, read_questions
from assistant.service import Assistant
from assistant.settings import Settings
from benchmarks.serving import Server
from tests.conftest import ECTSUM, ECTSUM_CALLS, ROOT, SEEDS, new_database
from tests.fake_slack import FakeSlack
from tests.test_faults import upload, wait_for_job
from tests.test_slack import SECRET, send_event

pytestmark = pytest.mark.slow  # starts PostgreSQL servers and workers

EVAL = ROOT.parent / "shared" / "eval"
OUTCOME = ("hit_rank", "doc_hit", "figure_rank")


def outcomes(report: dict) -> dict[str, tuple]:
    return {q["id"]: tuple(q.get(k) for k in OUTCOME) for q in report["per_question"]}


def same_answers(files: Assistant, database: Assistant, questions) -> None:
    for q in questions:
        a, b = files.ask(q.question), database.ask(q.question)
        assert [c.chunk_id for c in b.citations] == [c.chunk_id for c in a.citations], q.id
        assert [f.figure.text for f in b.figures] == [f.figure.text for f in a.figures], q.id
        assert b.answer == a.answer, q.id


@pytest.mark.skipif(not (EVAL / "questions.jsonl").exists(), reason="../shared/eval is absent")
def test_seeds_built_in_the_database_answer_as_the_index_folder(
    database_url, seed_index, encoder, tmp_path
):
    migrate(database_url)
    files = Assistant(Settings(index_dir=seed_index), encoder)
    database = Assistant(Settings(index_dir=tmp_path, database_url=database_url), encoder)
    database.build([SEEDS])
    assert database.store.vectors.kind == "pgvector-exact"
    questions = read_questions(EVAL / "questions.jsonl")
    assert outcomes(ask_each(database, questions)) == outcomes(ask_each(files, questions))
    same_answers(files, database, questions)


@pytest.mark.skipif(not ECTSUM.exists(), reason="../shared/corpus is absent")
def test_a_library_imported_into_the_database_answers_its_dev_questions_the_same(
    database_url, ectsum_library, encoder, tmp_path
):
    migrate(database_url)
    database = Assistant(Settings(index_dir=tmp_path, database_url=database_url), encoder)
    copied = database.library.import_store(ectsum_library.store)
    assert copied == len(ectsum_library.store.chunks)
    asked = [q for q in read_questions(EVAL / "ectsum_dev.jsonl") if q.doc in ECTSUM_CALLS]
    assert len(asked) > 20
    assert outcomes(ask_each(database, asked)) == outcomes(ask_each(ectsum_library, asked))
    same_answers(ectsum_library, database, asked)

    # A change is seen by another process's snapshot (here: another Assistant).
    other = Assistant(Settings(index_dir=tmp_path / "other", database_url=database_url), encoder)
    assert "YUM_q2_2021" in other.store.documents
    database.remove("YUM_q2_2021")
    assert "YUM_q2_2021" not in other.store.documents
    assert not other.ask("What was YUM's revenue in Q2 2021?").found


def test_a_database_at_an_older_schema_is_refused_with_the_command_that_upgrades_it(
    database_url, tmp_path
):
    migrate(database_url, target=SCHEMA_VERSION - 1)  # an empty one is given the schema
    log = tmp_path / "server.log"
    server = Server(tmp_path / "index", log, ASSISTANT_DATABASE_URL=database_url)
    assert server.proc.wait(timeout=120) == 1
    server.stop()
    text = log.read_text()
    assert "assistant db migrate" in text and "Traceback" not in text


def test_several_workers_need_a_database(tmp_path):
    log = tmp_path / "server.log"
    server = Server(tmp_path / "index", log, args=("--workers", "2"))
    assert server.proc.wait(timeout=120) == 1
    server.stop()
    assert "needs a database" in log.read_text()


@pytest.fixture
def slack():
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture
def two_servers(database_url, tmp_path, slack):
    """Two `assistant serve` processes on one database, each with its own local folder; the
    first builds the seeds into the database."""
    yield from serve_twice(database_url, tmp_path, slack)


@pytest.fixture
def own_database_url(postgres_servers, request):
    """A database on a PostgreSQL server of this test's own, stopped after it: a test that
    kills processes mid-write never risks the server the other tests share."""
    if postgres_servers.given:
        yield from new_database(postgres_servers.healthy_uri(), request.node.name)
        return
    server, uri = postgres_servers.start("own")
    try:
        yield from new_database(uri, request.node.name)
    finally:
        server.cleanup()


@pytest.fixture
def two_servers_own_database(own_database_url, tmp_path, slack):
    yield from serve_twice(own_database_url, tmp_path, slack)


def serve_twice(database_url: str, tmp_path, slack):
    migrate(database_url)
    env = {
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_JOB_LEASE_S": "3",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "",
        "ASSISTANT_SLACK_API_URL": slack.url + "/api/",
    }
    servers = [Server(tmp_path / "a", tmp_path / "a.log", **env)]
    servers[0].wait_ready()
    servers.append(Server(tmp_path / "b", tmp_path / "b.log", **env))
    servers[1].wait_ready()
    yield servers
    for server in servers:
        server.stop()


def upload_to(server: Server, name: str, body: bytes, **fields: str) -> None:
    response = upload(server, name, body, data=fields)
    assert response.status_code in (200, 202), response.text


@pytest.mark.skipif(not ECTSUM.exists(), reason="../shared/corpus is absent")
def test_an_upload_on_one_process_is_answered_by_the_other(two_servers):
    a, b = two_servers
    for server in two_servers:
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["backend"] == "postgresql" and ready["documents"] == 2
    upload_to(
        a, "YUM_q2_2021.txt", (ECTSUM / "YUM_q2_2021.txt").read_bytes(), company="Yum! Brands"
    )
    assert wait_for_job(b.url, "YUM_q2_2021")["state"] == "ready"  # the status is shared too
    answer = httpx.post(
        f"{b.url}/v1/ask", json={"question": "What was Yum! Brands' revenue growth?"}, timeout=60
    ).json()
    assert answer["found"] and {c["doc_id"] for c in answer["citations"]} == {"YUM_q2_2021"}
    assert httpx.get(f"{b.url}/readyz").json()["documents"] == 3

    # A correction on one process is read from the upload the database keeps.
    fixed = httpx.patch(
        f"{b.url}/v1/documents/YUM_q2_2021", json={"company": "Yum! Brands, Inc."}, timeout=60
    )
    assert fixed.status_code == 202, fixed.text
    assert wait_for_job(a.url, "YUM_q2_2021")["state"] == "ready"
    listed = httpx.get(f"{a.url}/v1/documents").json()["documents"]
    assert ("YUM_q2_2021", "Yum! Brands, Inc.") in {(d["doc_id"], d["company"]) for d in listed}

    # A delete on the first process is seen by the second.
    assert httpx.delete(f"{a.url}/v1/documents/YUM_q2_2021", timeout=60).status_code == 200
    answer = httpx.post(
        f"{b.url}/v1/ask", json={"question": "What was Yum! Brands' revenue growth?"}, timeout=60
    ).json()
    assert all(c["doc_id"] != "YUM_q2_2021" for c in answer["citations"])


def test_a_slack_event_retried_to_both_processes_is_answered_once(two_servers, slack):
    ts = "1732300000.000900"
    event = {
        "type": "app_mention",
        "user": "U1",
        "channel": "C9",
        "ts": ts,
        "event_ts": ts,
        "text": "<@UBOT> What was Q4 net income?",
    }
    first, second = two_servers
    assert send_event(first, event, "EvShared1").status_code == 200
    assert send_event(second, event, "EvShared1", retry=1).status_code == 200
    slack.wait_for("posts", lambda p: p.get("thread_ts") == ts)
    time.sleep(3)  # time enough for a second answer to arrive, if one were coming
    assert len([p for p in slack.posts if p.get("thread_ts") == ts]) == 1


@pytest.mark.skipif(not ECTSUM.exists(), reason="../shared/corpus is absent")
def test_a_worker_killed_mid_upload_leaves_the_job_to_the_other(
    two_servers_own_database, own_database_url
):
    two_servers, database_url = two_servers_own_database, own_database_url
    # Several calls in one file: long enough to kill its worker while it embeds.
    names = ("AAP_q3_2021", "DPZ_q2_2021", "RMD_q1_2022", "RMD_q2_2021")
    body = b"\n\n".join((ECTSUM / f"{n}.txt").read_bytes() for n in names)
    upload_to(two_servers[0], "big-call.txt", body, company="Several")
    deadline = time.monotonic() + 120
    worker = None
    with psycopg.connect(database_url) as conn:
        while time.monotonic() < deadline and worker is None:
            row = conn.execute(
                "SELECT worker, stage FROM upload_jobs WHERE doc_id = 'big-call'"
            ).fetchone()
            conn.commit()
            if row and row[0] and row[1] == "embedding":
                worker = row[0]
            time.sleep(0.1)
    assert worker is not None, "no worker started embedding the upload"
    pid = int(worker.rsplit(":", 1)[1])
    killed = next(s for s in two_servers if s.proc.pid == pid)
    survivor = next(s for s in two_servers if s is not killed)
    os.kill(pid, signal.SIGKILL)
    killed.proc.wait(timeout=30)

    status = wait_for_job(survivor.url, "big-call", timeout_s=300)
    assert status["state"] == "ready", status
    with psycopg.connect(database_url) as conn:
        attempts, finished_by = conn.execute(
            "SELECT attempts, worker FROM upload_jobs WHERE doc_id = 'big-call'"
        ).fetchone()
        chunks = conn.execute("SELECT count(*) FROM chunks WHERE doc_id = 'big-call'").fetchone()
    assert attempts == 2 and finished_by.endswith(f":{survivor.proc.pid}")
    assert chunks[0] > 100
    answer = httpx.post(
        f"{survivor.url}/v1/ask",
        json={"question": "What were Advance Auto Parts net sales in Q3 2021?"},
        timeout=60,
    ).json()
    assert any(c["doc_id"] == "big-call" for c in answer["citations"])


def test_serve_with_two_workers_answers_from_the_database(database_url, tmp_path):
    migrate(database_url)
    server = Server(
        tmp_path / "index",
        tmp_path / "server.log",
        args=("--workers", "2"),
        ASSISTANT_DATABASE_URL=database_url,
    )
    try:
        server.wait_ready(timeout_s=240)
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["backend"] == "postgresql" and ready["documents"] == 2
        answers = [
            httpx.post(
                f"{server.url}/v1/ask", json={"question": "What was Q4 net income?"}, timeout=60
            ).json()
            for _ in range(6)
        ]
        assert all(a["found"] and "RMB363 million" in a["answer"] for a in answers)
        # The supervisor's children that serve: uvicorn spawns each worker afresh.
        children = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        workers = [
            p for p in children if _parent_of(p) == server.proc.pid and "spawn_main" in _cmdline(p)
        ]
        assert len(workers) == 2
    finally:
        server.stop()


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_a_slow_library_read_is_redone_in_the_background(
    database_url, seed_index, encoder, tmp_path, monkeypatch
):
    import assistant.service as service

    migrate(database_url)
    writer = Assistant(Settings(index_dir=tmp_path / "w", database_url=database_url), encoder)
    writer.library.import_store(Assistant(Settings(index_dir=seed_index), encoder).store)
    reader = Assistant(Settings(index_dir=tmp_path / "r", database_url=database_url), encoder)
    assert len(reader.store.documents) == 2
    monkeypatch.setattr(service, "SYNC_RELOAD_S", -1.0)  # every read counts as slow
    writer.remove("003_a308b794af7827e1")
    assert len(reader.store.documents) == 2  # the old snapshot answers meanwhile
    deadline = time.monotonic() + 30
    while len(reader.store.documents) == 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(reader.store.documents) == ["000_71abd0ac3770a833"]
