"""The HTTP API end to end against a real server process: answers, conversation, uploads,
access, limits and metrics."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.service import Assistant
from assistant.settings import Settings
from tests.conftest import API_TOKEN, FIXTURES

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


LOOPBACK = "http://127.0.0.1"  # the Host the service answers to (TestClient's is made up)


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as c:
        yield c


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["chunks"] > 100


def test_ask_returns_the_cli_contract(client):
    response = client.post(
        "/v1/ask", json={"question": "What is the weighted average APR for loans?"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["found"] and "23.88%" in body["answer"]
    top = body["figures"][0]
    assert (top["value"], top["unit"], top["text"]) == (23.88, "%", "23.88%")
    cited = {c["n"]: c for c in body["citations"]}
    assert top["text"] in cited[top["citation"]]["text"]
    assert response.headers["x-request-id"]


def test_ask_with_filters_and_history(client):
    first = "What was the second lien allowance for credit losses at December 31, 2023?"
    body = client.post(
        "/v1/ask",
        json={
            "question": "what about first lien?",
            "history": [{"question": first, "filters": {"doc_type": "filing"}}],
            "top_k": 3,
        },
    ).json()
    assert body["resolved_question"].startswith("What was the first lien allowance")
    assert len(body["citations"]) == 3
    assert body["figures"][0]["column_path"][-1] == "First lien"


def test_chat_answers_the_last_turn_with_follow_up_context(client):
    messages = [
        {
            "role": "user",
            "content": "What was the second lien allowance for credit losses at December 31, 2023?",
        },
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": "what about first lien?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    assert body["question"] == "what about first lien?"
    assert "first lien" in body["resolved_question"]
    assert body["figures"][0]["column_path"][-1] == "First lien"


def test_chat_streams_server_sent_events(client):
    messages = [{"role": "user", "content": "What was revenue in Q4 2024?"}]
    with client.stream("POST", "/v1/chat", json={"messages": messages, "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line.split(": ", 1)[1] for line in r.iter_lines() if line.startswith("event:")]
        r.close()
    assert events[0] == "delta" and events[-2:] == ["answer", "done"]
    plain = client.post("/v1/chat", json={"messages": messages}).json()
    assert "RMB3.7 billion" in plain["answer"]


def test_upload_then_ask_then_delete(client):
    with (FIXTURES / "wire_call.txt").open("rb") as handle:
        response = client.post(
            "/v1/documents",
            files={"file": ("wire_call.txt", handle)},
            data={"company": "Helix Payments", "type": "transcript"},
        )
    assert response.status_code == 202
    assert response.json()["state"] in {"queued", "parsing", "embedding", "ready"}
    deadline = time.monotonic() + 60
    status = {}
    while time.monotonic() < deadline:
        status = client.get("/v1/documents/wire_call").json()
        if status["state"] in {"ready", "failed"}:
            break
        time.sleep(0.2)
    assert status["state"] == "ready", status
    assert status["document"]["company"] == "Helix Payments"
    listed = {d["doc_id"] for d in client.get("/v1/documents").json()["documents"]}
    assert "wire_call" in listed
    body = client.post("/v1/ask", json={"question": "What was the take rate at Helix?"}).json()
    assert "2.31%" in body["answer"]
    assert body["citations"][0]["doc_id"] == "wire_call"

    assert client.delete("/v1/documents/wire_call").json() == {"deleted": "wire_call"}
    assert client.get("/v1/documents/wire_call").status_code == 404
    body = client.post("/v1/ask", json={"question": "What was the take rate at Helix?"}).json()
    assert all(c["doc_id"] != "wire_call" for c in body["citations"])


def test_a_batch_upload_takes_each_file_as_if_alone(client):
    files = [
        ("files", ("batch_news.txt", (FIXTURES / "news_call.txt").read_bytes())),
        ("files", ("batch_empty.txt", b"   ")),
        ("files", ("batch_memo.docx", b"PK\x03\x04")),
        ("files", ("batch_wire.txt", (FIXTURES / "wire_call.txt").read_bytes())),
    ]
    response = client.post("/v1/documents/batch", files=files, data={"type": "transcript"})
    assert response.status_code == 202, response.text
    outcomes = response.json()["uploads"]
    assert [o["source"] for o in outcomes] == [name for _, (name, _) in files]
    assert [o["status"] for o in outcomes] == [202, 422, 415, 202]
    assert "empty" in outcomes[1]["error"] and ".pdf" in outcomes[2]["error"]
    queued = [o["job"]["doc_id"] for o in outcomes if o["job"]]
    assert queued == ["batch_news", "batch_wire"]
    try:
        deadline = time.monotonic() + 120
        states = {}
        while time.monotonic() < deadline:
            states = {d: client.get(f"/v1/documents/{d}").json() for d in queued}
            if all(s["state"] in {"ready", "failed"} for s in states.values()):
                break
            time.sleep(0.2)
        assert all(s["state"] == "ready" for s in states.values()), states
        assert {s["document"]["type"] for s in states.values()} == {"transcript"}
        again = client.post("/v1/documents/batch", files=files[:1]).json()["uploads"]
        assert again[0]["status"] == 200  # the same bytes: indexed already, no second copy
    finally:  # the session's server is shared: leave it as it was
        for doc_id in queued:
            client.delete(f"/v1/documents/{doc_id}")
    too_many = [("files", (f"f{k}.txt", b"text")) for k in range(101)]
    assert client.post("/v1/documents/batch", files=too_many).status_code == 413


def test_a_bad_upload_fails_with_a_reason(client):
    bad = client.post("/v1/documents", files={"file": ("memo.docx", b"PK\x03\x04")})
    assert bad.status_code == 415 and ".pdf" in bad.json()["error"]
    # A PDF is read by its job (in a child process, under limits), never in the request.
    broken = client.post("/v1/documents", files={"file": ("memo.pdf", b"%PDF-1.4")})
    assert broken.status_code == 202, broken.text
    status = broken.json()
    while status["state"] not in ("ready", "failed"):
        time.sleep(0.2)
        status = client.get("/v1/documents/memo").json()
    assert status["state"] == "failed" and "not a readable PDF" in status["message"]
    binary = client.post("/v1/documents", files={"file": ("blob.txt", b"\x00\x01\x02")})
    assert binary.status_code == 422 and "binary" in binary.json()["error"]
    empty = client.post("/v1/documents", files={"file": ("empty.txt", b"   ")})
    assert empty.status_code == 422 and "empty" in empty.json()["error"]


def test_oversized_upload_is_refused(client):
    big = b"a line of text\n" * (51 * 1024 * 1024 // 15)
    response = client.post("/v1/documents", files={"file": ("big.txt", big)})
    assert response.status_code == 413
    assert "50 MB" in response.json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}])
def test_a_missing_or_wrong_token_gets_401(server, headers):
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as anonymous:
        for method, path, body in (
            ("POST", "/v1/ask", {"question": "revenue"}),
            ("GET", "/v1/documents", None),
            ("DELETE", "/v1/documents/x", None),
        ):
            response = anonymous.request(method, path, json=body)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "missing or wrong bearer token"
        assert anonymous.get("/healthz").status_code == 200  # health needs no token


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "revenue", "filters": {"ticker": "LX"}}, "filters.ticker"),
        ({"question": "revenue", "top_k": 500}, "top_k"),
        ({"question": "revenue", "colour": "red"}, "colour"),
    ],
)
def test_invalid_requests_get_422_naming_the_field(client, payload, field):
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert field in [f["field"] for f in body["fields"]]
    assert body["request_id"]


def test_a_blank_question_gets_a_clear_error(client):
    response = client.post("/v1/ask", json={"question": "   "})
    assert response.status_code == 422
    assert response.json()["error"] == "the question is empty"


def test_metrics_count_requests(client):
    client.post("/v1/ask", json={"question": "dividend per ADS"})
    text = client.get("/metrics").text
    assert 'assistant_requests_total{method="POST",route="/v1/ask",status="200"}' in text
    assert "assistant_request_latency_seconds_bucket" in text


def test_the_chat_page_is_served_without_external_resources(client):
    page = client.get("/")
    assert page.status_code == 200 and '<form id="ask-form">' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "/v1/chat" in script.text
    assert "https://" not in script.text


def test_openapi_documents_the_routes(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/ask",
        "/v1/chat",
        "/v1/documents",
        "/v1/documents/{doc_id}",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(spec["paths"])


# In-process checks of configuration that a single server cannot show --------------------------


def test_uploads_need_a_token_beyond_loopback(seed_index, encoder):
    settings = Settings(index_dir=seed_index, host="0.0.0.0")
    app = create_app(settings, Assistant(settings, encoder))
    with TestClient(app, base_url=LOOPBACK) as test:
        response = test.post("/v1/documents", files={"file": ("a.txt", b"Some notes.")})
        assert response.status_code == 403
        assert "ASSISTANT_API_TOKEN" in response.json()["error"]
        assert test.delete("/v1/documents/a").status_code == 403
        assert test.post("/v1/ask", json={"question": "revenue"}).status_code == 200


def test_cors_is_off_by_default_and_configurable(seed_index, encoder):
    origin = {"Origin": "https://research.example", "Access-Control-Request-Method": "POST"}
    plain = create_app(
        Settings(index_dir=seed_index), Assistant(Settings(index_dir=seed_index), encoder)
    )
    with TestClient(plain, base_url=LOOPBACK) as test:
        assert "access-control-allow-origin" not in test.options("/v1/ask", headers=origin).headers
    settings = Settings(index_dir=seed_index, cors_origins=("https://research.example",))
    with TestClient(create_app(settings, Assistant(settings, encoder)), base_url=LOOPBACK) as test:
        allowed = test.options("/v1/ask", headers=origin).headers
        assert allowed["access-control-allow-origin"] == "https://research.example"


def test_an_allowed_origin_can_use_the_api_with_a_token(seed_index, encoder):
    settings = Settings(
        index_dir=seed_index, cors_origins=("https://research.example",), api_token="t0ken"
    )
    origin = {"Origin": "https://research.example"}
    with TestClient(create_app(settings, Assistant(settings, encoder)), base_url=LOOPBACK) as test:
        preflight = test.options(
            "/v1/ask",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        asked = test.post(
            "/v1/ask",
            json={"question": "What was Q4 net income?"},
            headers={**origin, "Authorization": "Bearer t0ken"},
        )
        assert asked.status_code == 200
        other = test.post(
            "/v1/ask",
            json={"question": "What was Q4 net income?"},
            headers={"Origin": "https://elsewhere.example", "Authorization": "Bearer t0ken"},
        )
        assert other.status_code == 403
