"""Hostile input, faults and restarts against real `assistant serve` processes: what a probe
of the running service found, each kept from coming back."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.serving import Server, free_port, serving_copy
from tests.conftest import API_TOKEN

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ectsum-train"
SECRET = "slack-signing-secret-for-tests"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def call_text(*names: str) -> bytes:
    """Real call transcripts (several joined make a long upload that takes a while to index)."""
    if not CORPUS.is_dir():
        pytest.skip(f"development corpus not found at {CORPUS}")
    return b"\n\n".join((CORPUS / name).read_bytes() for name in names)


def wait_for_job(url: str, doc_id: str, timeout_s: float = 180, **kwargs) -> dict:
    deadline = time.monotonic() + timeout_s
    status: dict = {}
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/v1/documents/{doc_id}", timeout=30, **kwargs).json()
        if status.get("state") in {"ready", "failed"}:
            return status
        time.sleep(0.3)
    raise AssertionError(f"{doc_id} not finished: {status}")


def raw_status(port: int, head: str) -> int:
    """Send a request's head only, no body: a server that read the body first would hang."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        return int(sock.makefile("rb").readline().split()[1])


@pytest.fixture(scope="module")
def open_server(seed_index, tmp_path_factory):
    """No token, on loopback, with Slack configured but its API at a port nothing listens on."""
    with serving_copy(
        seed_index,
        tmp_path_factory.mktemp("open"),
        SLACK_BOT_TOKEN="xoxb-unreachable",
        SLACK_SIGNING_SECRET=SECRET,
        ASSISTANT_SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
        ASSISTANT_MAX_PENDING_UPLOADS="2",
    ) as server:
        yield server


def upload(server, name: str, content: bytes, **kwargs) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/documents", files={"file": (name, content)}, timeout=60, **kwargs
    )


def upload_raw_name(server, name: str, content: bytes) -> httpx.Response:
    """A multipart body with the file name's bytes as given (httpx would escape a NUL)."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="'
        + name.encode("utf-8")
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content
        + b"\r\n--b--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    return httpx.post(f"{server.url}/v1/documents", content=body, headers=headers, timeout=60)


# 1. Slack unreachable at start-up -------------------------------------------------------------


def test_slack_unreachable_at_start_leaves_the_chat_answering(open_server):
    assert httpx.get(f"{open_server.url}/readyz").status_code == 200
    answer = httpx.post(
        f"{open_server.url}/v1/ask", json={"question": "What was revenue in Q4 2024?"}, timeout=30
    )
    assert answer.status_code == 200 and answer.json()["found"]
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {}})
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    slack = httpx.post(
        f"{open_server.url}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}",
        },
    )
    assert slack.status_code == 503 and slack.headers["retry-after"]
    # The background check logs its first failure when it has one; the server may be up first.
    deadline = time.monotonic() + 20
    while "Slack is not reachable yet" not in open_server.log.read_text():
        assert time.monotonic() < deadline, open_server.log.read_text()
        time.sleep(0.2)


# 3. Work bounded per upload, and a bounded queue ---------------------------------------------


def test_a_document_too_long_to_index_is_refused_at_once_with_the_reason(open_server):
    one_line = ("Revenue grew 5% to $4.2 million and margin was 35% " * 100_000).encode()
    started = time.monotonic()
    response = upload(open_server, "one-line.txt", one_line)
    assert response.status_code == 422
    assert "characters; the limit is 4,000,000" in response.json()["error"]
    assert time.monotonic() - started < 30  # refused, not queued for hours


def test_the_upload_queue_is_bounded_and_says_when_to_retry(open_server):
    content = call_text("AAP_q3_2021.txt")
    responses = [
        upload(open_server, f"queued-{k}.txt", content + f"\nCopy {k}.\n".encode())
        for k in range(6)
    ]
    codes = [r.status_code for r in responses]
    assert 429 in codes, codes
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] and "limit is 2" in refused.json()["error"]
    accepted = [r.json()["doc_id"] for r in responses if r.status_code == 202]
    assert accepted
    for doc_id in accepted:
        assert wait_for_job(open_server.url, doc_id)["state"] == "ready"
        assert httpx.delete(f"{open_server.url}/v1/documents/{doc_id}").status_code == 200


# 5. No silent replacement ---------------------------------------------------------------------


def test_a_name_that_maps_to_an_indexed_document_is_refused_unless_replacing(open_server):
    text = (FIXTURES / "wire_call.txt").read_bytes()
    revised = text + b"\n\nOperator\nThis concludes the revised call.\n"
    first = upload(open_server, "helix.txt", text)
    assert first.status_code == 202 and first.json()["replaces"] is None
    assert wait_for_job(open_server.url, "helix")["state"] == "ready"
    for other in ("helix.md", "helix .txt"):
        clash = upload(open_server, other, revised)
        assert clash.status_code == 409, other
        assert "helix.txt" in clash.json()["error"] and "replace" in clash.json()["hint"]
        assert clash.json()["request_id"]
    replaced = upload(open_server, "helix.md", revised, data={"replace": "true"})
    assert replaced.status_code == 202 and replaced.json()["replaces"] == "helix.txt"
    assert wait_for_job(open_server.url, "helix")["document"]["source"] == "helix.md"
    assert httpx.delete(f"{open_server.url}/v1/documents/helix").status_code == 200


def test_the_same_bytes_under_another_name_answer_with_the_indexed_document(open_server):
    text = (FIXTURES / "wire_call.txt").read_bytes() + b"\n\nA copy kept by the desk.\n"
    assert upload(open_server, "desk-copy.txt", text).status_code == 202
    assert wait_for_job(open_server.url, "desk-copy")["state"] == "ready"
    before = httpx.get(f"{open_server.url}/v1/documents").json()["documents"]
    for name in ("desk-copy (1).txt", "Desk Copy.md", "desk-copy.txt"):
        again = upload(open_server, name, text)
        assert again.status_code == 200, (name, again.text)
        body = again.json()
        assert body["doc_id"] == "desk-copy" and body["state"] == "ready"
        assert body["document"]["source"] == "desk-copy.txt" and "already" in body["message"]
    after = httpx.get(f"{open_server.url}/v1/documents").json()["documents"]
    assert [d["doc_id"] for d in after] == [d["doc_id"] for d in before]
    assert httpx.delete(f"{open_server.url}/v1/documents/desk-copy").status_code == 200


def test_names_in_other_scripts_get_their_own_ids(open_server):
    text = (FIXTURES / "wire_call.txt").read_bytes()
    ids = []
    for k, name in enumerate(("第一季度.txt", "第二季度.txt", "..txt")):
        response = upload(open_server, name, text + f"\n\nVersion {k}.\n".encode())
        assert response.status_code == 202, response.text
        ids.append(response.json()["doc_id"])
        assert wait_for_job(open_server.url, ids[-1])["state"] == "ready"
    assert len(set(ids)) == 3 and "document" not in ids
    for doc_id in ids:
        assert httpx.delete(f"{open_server.url}/v1/documents/{doc_id}").status_code == 200


def test_two_uploads_of_one_name_at_once_keep_one_and_refuse_the_other(open_server):
    content = call_text("AAP_q3_2021.txt")
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def send(version: bytes) -> None:
        barrier.wait()
        codes.append(upload(open_server, "same-name.txt", content + version).status_code)

    threads = [threading.Thread(target=send, args=(v,)) for v in (b"\nA.\n", b"\nB.\n")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [202, 409]
    assert wait_for_job(open_server.url, "same-name")["state"] == "ready"
    assert httpx.delete(f"{open_server.url}/v1/documents/same-name").status_code == 200


# 7. Deletes never hold a question worker ------------------------------------------------------


def test_a_delete_during_a_long_upload_neither_waits_for_it_nor_blocks_questions(open_server):
    small = upload(open_server, "to-delete.txt", (FIXTURES / "wire_call.txt").read_bytes())
    assert wait_for_job(open_server.url, small.json()["doc_id"])["state"] == "ready"
    long_call = call_text("AAP_q3_2021.txt", "AAT_q2_2021.txt", "CRI_q4_2020.txt")
    assert upload(open_server, "long-call.txt", long_call).status_code == 202
    while httpx.get(f"{open_server.url}/v1/documents/long-call").json()["state"] != "embedding":
        time.sleep(0.1)
    answers: list[int] = []

    def ask() -> None:
        response = httpx.post(
            f"{open_server.url}/v1/ask", json={"question": "What was Q4 net income?"}, timeout=20
        )
        answers.append(response.status_code)

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for t in askers:
        t.start()
    deleted = httpx.delete(f"{open_server.url}/v1/documents/to-delete", timeout=20)
    still = httpx.get(f"{open_server.url}/v1/documents/long-call").json()["state"]
    for t in askers:
        t.join()
    assert deleted.status_code == 200
    assert still in {"embedding", "parsing"}  # the delete did not wait for the indexing
    assert answers == [200] * 4
    assert wait_for_job(open_server.url, "long-call")["state"] == "ready"
    listed = {d["doc_id"] for d in httpx.get(f"{open_server.url}/v1/documents").json()["documents"]}
    assert "long-call" in listed and "to-delete" not in listed
    assert httpx.delete(f"{open_server.url}/v1/documents/long-call").status_code == 200


# 8. Cross-site writes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://localhost:1"},
    ],
)
def test_a_page_on_another_origin_cannot_upload_or_delete(open_server, headers):
    text = (FIXTURES / "wire_call.txt").read_bytes()
    response = upload(open_server, "forged.txt", text, headers=headers)
    assert response.status_code == 403
    deleted = httpx.delete(f"{open_server.url}/v1/documents/lexin-q4", headers=headers)
    assert deleted.status_code == 403
    assert httpx.get(f"{open_server.url}/v1/documents/forged").status_code == 404


def test_the_page_itself_can_upload(open_server):
    own = {"Origin": open_server.url, "Sec-Fetch-Site": "same-origin"}
    response = upload(
        open_server, "own-page.txt", (FIXTURES / "wire_call.txt").read_bytes(), headers=own
    )
    assert response.status_code == 202
    assert wait_for_job(open_server.url, "own-page")["state"] == "ready"
    assert httpx.delete(f"{open_server.url}/v1/documents/own-page", headers=own).status_code == 200


# 10, 12, 16. Labels, file names, headers ------------------------------------------------------


def test_metrics_labels_stay_bounded_under_made_up_methods(open_server):
    rng = random.Random(7)
    for _ in range(40):
        method = "".join(rng.choice("ABCDEFGHIJKLMNOP") for _ in range(8))
        httpx.request(method, f"{open_server.url}/v1/ask")
    text = httpx.get(f"{open_server.url}/metrics").text
    methods = {
        line.split('method="')[1].split('"')[0] for line in text.splitlines() if 'method="' in line
    }
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods


@pytest.mark.parametrize(
    ("name", "content", "status", "says"),
    [
        ("bad\x00name.txt", b"Revenue was $1 million.", 422, "control characters"),
        ("a" * 300 + ".txt", b"Revenue was $1 million.", 422, "longer than 255 bytes"),
        ("bom-only.txt", "\ufeff".encode(), 422, "file is empty"),
    ],
)
def test_bad_names_and_empty_files_are_refused_before_the_202(
    open_server, name, content, status, says
):
    response = upload_raw_name(open_server, name, content)
    assert response.status_code == status and says in response.json()["error"]
    assert "/" not in response.json()["error"].split(":")[0]  # no server path


def test_utf16_text_is_read_and_no_server_path_is_shown(open_server):
    text = (FIXTURES / "wire_call.txt").read_text(encoding="utf-8")
    response = upload(open_server, "utf16-call.txt", text.encode("utf-16"))
    assert response.status_code == 202, response.text
    assert wait_for_job(open_server.url, "utf16-call")["state"] == "ready"
    documents = httpx.get(f"{open_server.url}/v1/documents").json()["documents"]
    assert all("/" not in d["source"] for d in documents)
    answer = httpx.post(
        f"{open_server.url}/v1/ask",
        json={"question": "What was the take rate at Helix?"},
        timeout=30,
    ).json()
    assert "2.31%" in answer["answer"]
    assert httpx.delete(f"{open_server.url}/v1/documents/utf16-call").status_code == 200


def test_security_headers_and_request_ids(open_server):
    page = httpx.get(f"{open_server.url}/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    echoed = httpx.get(f"{open_server.url}/healthz", headers={"x-request-id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    long_id = httpx.get(f"{open_server.url}/healthz", headers={"x-request-id": "x" * 5000})
    assert len(long_id.headers["x-request-id"]) <= 64


# 14. Follow-ups and long history --------------------------------------------------------------


def test_long_questions_and_long_history_still_answer(open_server):
    follow_up = "and in Q3?" + " ?" * 990  # 1,990 characters
    base = "What was net income in Q4 2024? " + "net income " * 150
    response = httpx.post(
        f"{open_server.url}/v1/ask",
        json={"question": follow_up, "history": [{"question": base[:1999]}]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    messages = [
        {"role": "user", "content": "What was revenue? " * 1400},
        {"role": "assistant", "content": "Revenue was RMB3.7 billion. " * 1200},
        {"role": "user", "content": "and in Q3?"},
    ]
    chat = httpx.post(f"{open_server.url}/v1/chat", json={"messages": messages}, timeout=30)
    assert chat.status_code == 200, chat.text


# 9, 11, 16. Auth before bodies, on a server with a token --------------------------------------


def test_a_huge_body_without_a_token_is_refused_before_it_is_read(server):
    status = raw_status(
        server.port,
        "POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 300000000\r\n\r\n",
    )
    assert status == 401
    with_token = raw_status(
        server.port,
        "POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {API_TOKEN}\r\nContent-Length: 300000000\r\n\r\n",
    )
    assert with_token == 413


def test_non_ascii_bytes_in_the_token_are_a_401_not_a_500(server):
    status = raw_status(
        server.port,
        "GET /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer caf\xe9\xff\r\n\r\n",
    )
    assert status == 401


def test_what_stays_open_when_a_token_is_set(server):
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    assert "documents" in httpx.get(f"{server.url}/readyz", headers=auth).json()
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    assert httpx.get(f"{server.url}/metrics", headers=auth).status_code == 200
    assert httpx.get(f"{server.url}/openapi.json").status_code == 200


# 6, 15. Restarts ------------------------------------------------------------------------------


def test_uploads_survive_kill_9_and_a_stop_is_quick(seed_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)
    server = Server(index, tmp_path / "first.log")
    server.wait_ready()
    long_call = call_text("AAP_q3_2021.txt", "AAT_q2_2021.txt")
    assert upload(server, "indexing.txt", long_call).status_code == 202
    assert upload(server, "waiting.txt", call_text("GES_q4_2021.txt")).status_code == 202
    while httpx.get(f"{server.url}/v1/documents/indexing").json()["state"] != "embedding":
        time.sleep(0.1)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.handle.close()

    again = Server(index, tmp_path / "second.log")
    again.wait_ready()
    try:
        for doc_id in ("indexing", "waiting"):
            status = wait_for_job(again.url, doc_id)
            assert status["state"] == "ready", status
        assert "resuming 2 upload(s)" in again.log.read_text()
        kept = index / "uploads" / "waiting.txt"
        assert kept.exists()
        assert httpx.delete(f"{again.url}/v1/documents/waiting").status_code == 200
        assert not kept.exists()  # a deleted document's file goes too

        fresh_text = long_call.replace(b" the ", b" this ")  # nothing to reuse: all embedded
        assert upload(again, "at-stop.txt", fresh_text).status_code == 202
        while httpx.get(f"{again.url}/v1/documents/at-stop").json()["state"] != "embedding":
            time.sleep(0.1)
        started = time.monotonic()
        again.proc.send_signal(signal.SIGTERM)
        again.proc.wait(timeout=30)
        assert time.monotonic() - started < 15
        job = json.loads((index / "jobs" / "at-stop.json").read_text())
        # Interrupted (queued again, or cut off while embedding): it resumes on the next
        # start; or it finished within the grace period. Never failed, never lost.
        assert job["state"] in {"queued", "embedding", "ready"}, job
        assert (index / "jobs" / "at-stop.upload").exists() == (job["state"] != "ready")
    finally:
        again.stop()
