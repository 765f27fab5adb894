"""The API as a client meets it: one error body everywhere, history in either form, local API
docs, the config a page reads first, bounded metrics labels and one access-log line per
request. Against the real server process, except where a dependency is swapped in-process."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as c:
        yield c


def assert_error_body(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] and body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def test_malformed_json_unknown_routes_and_wrong_methods_get_the_same_error_body(client):
    broken = client.post(
        "/v1/ask", content=b'{"question": "revenue"', headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in assert_error_body(broken, 422)["error"]
    unknown = assert_error_body(client.get("/v1/nothing-here"), 404)
    assert "/v1/nothing-here" in unknown["error"] and "/docs" in unknown["hint"]
    assert_error_body(client.get("/no/such/page"), 404)
    assert_error_body(client.put("/v1/ask", json={}), 405)
    missing = assert_error_body(client.get("/v1/documents/no-such-doc"), 404)
    # An HTTP client is told what to send, not which command to run.
    assert "assistant " not in missing.get("hint", "") and "GET /v1/documents" in missing["hint"]


def test_history_as_strings_or_objects_resolves_the_same_follow_up(client):
    first = "What was the second lien allowance for credit losses at December 31, 2023?"
    as_text = client.post(
        "/v1/ask", json={"question": "what about first lien?", "history": [first]}
    ).json()
    as_object = client.post(
        "/v1/ask", json={"question": "what about first lien?", "history": [{"question": first}]}
    ).json()
    assert as_text["resolved_question"] == as_object["resolved_question"]
    assert as_text["resolved_question"].startswith("What was the first lien allowance")
    assert as_text["answer"] == as_object["answer"]
    empty = client.post("/v1/ask", json={"question": "revenue", "history": [""]})
    assert_error_body(empty, 422)


def test_config_is_open_and_says_a_token_is_needed(server):
    config = httpx.get(f"{server.url}/v1/config", timeout=30)
    assert config.status_code == 200
    body = config.json()
    assert body["token_required"] is True and body["max_question_chars"] == 2000
    assert ".pdf" in body["upload_types"] and body["max_upload_mb"] > 0
    assert httpx.get(f"{server.url}/v1/documents", timeout=30).status_code == 401


def test_api_docs_and_the_icon_load_from_this_server_only(server):
    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{server.url}{page}", timeout=30)
        assert html.status_code == 200
        links = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert links, page
        for link in links:
            assert link.startswith("/"), (page, link)
            assert httpx.get(f"{server.url}{link}", timeout=30).status_code == 200, link
        assert "googleapis" not in html.text and "cdn." not in html.text
    icon = httpx.get(f"{server.url}/favicon.ico", timeout=30)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")


def test_static_files_have_their_own_metrics_label_and_every_request_one_log_line(client, server):
    client.get("/static/app.js")
    marker = "access-line-check-0123"
    client.post(
        "/v1/ask", json={"question": "What was Q4 net income?"}, headers={"X-Request-Id": marker}
    )
    metrics = client.get("/metrics").text
    assert 'route="/static"' in metrics
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and not lines:
        log = server.log.read_text(encoding="utf-8", errors="replace")
        lines = [line for line in log.splitlines() if marker in line]
        time.sleep(0.2)
    assert len(lines) == 1, lines
    assert re.search(r"POST /v1/ask 200 \d+\.\d ms request_id=" + marker, lines[0])
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert API_TOKEN not in log and "Q4 net income" not in log


def test_routes_take_the_assistant_from_a_dependency(seed_index, encoder, tmp_path):
    """A test swaps what a route depends on through dependency_overrides: here an assistant
    that fails, which must give a 500 with a request id and nothing of its internals."""
    from assistant.api import create_app
    from assistant.api.dependencies import get_assistant
    from assistant.service import Assistant
    from assistant.settings import Settings

    class Failing:
        def ask(self, *args, **kwargs):
            raise RuntimeError("secret internals")

    settings = Settings(index_dir=seed_index)
    app = create_app(settings, Assistant(settings, encoder))
    app.dependency_overrides[get_assistant] = Failing
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as test:
        response = test.post("/v1/ask", json={"question": "revenue"})
        assert response.status_code == 500
        assert response.json()["error"] == "internal error" and response.json()["request_id"]
        assert "secret" not in response.text
        app.dependency_overrides.clear()
        assert test.post("/v1/ask", json={"question": "revenue"}).status_code == 200
