"""The Slack bot against a real server process, with requests signed the way Slack signs them
and the bot's Web API calls going to a local fake of Slack's API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from assistant.answers.schema import AnswerModel, CitationModel
from assistant.slack import MAX_BLOCKS, MAX_TEXT, answer_blocks
from benchmarks.serving import serving_copy
from tests.fake_slack import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def fake():
    slack = FakeSlack()
    yield slack
    slack.stop()


@pytest.fixture(scope="module")
def bot(seed_index, fake, tmp_path_factory):
    with serving_copy(
        seed_index,
        tmp_path_factory.mktemp("slack"),
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_APP_TOKEN="",
        ASSISTANT_SLACK_API_URL=fake.url + "/api/",
    ) as server:
        yield server


def signed(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def send_event(bot, event: dict, event_id: str, retry: int | None = None) -> httpx.Response:
    body = json.dumps(
        {
            "token": "unused",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    )
    headers = {"Content-Type": "application/json", **signed(body)}
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=30)


def texts(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else text or "")
    return "\n".join(out)


def test_url_verification(bot):
    body = json.dumps(
        {
            "type": "url_verification",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        }
    )
    response = httpx.post(
        f"{bot.url}/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed(body)},
    )
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_mention_is_answered_in_its_thread_once(bot, fake):
    ts = "1732300000.000100"
    event = {
        "type": "app_mention",
        "user": "U1",
        "channel": "C1",
        "ts": ts,
        "event_ts": ts,
        "text": "<@UBOT> What was Q4 net income and how did it move?",
    }
    start = time.monotonic()
    response = send_event(bot, event, "Ev001")
    acked = time.monotonic() - start
    assert response.status_code == 200 and acked < 3.0
    post = fake.wait_for("posts", lambda p: p.get("thread_ts") == ts)
    assert post["channel"] == "C1"
    shown = texts(post["blocks"])
    assert "RMB363 million" in shown  # the answer
    assert "*17 %*" in shown and "net income" in shown  # a figure
    assert "LexinFintech Q4 2024 earnings call" in shown and "lines" in shown  # citations
    assert any(b["type"] == "actions" for b in post["blocks"])  # passage buttons
    assert "RMB363 million" in post["text"]  # the fallback text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "slack_payload.json").write_text(
        json.dumps(
            {k: v for k, v in post.items() if not k.startswith("_")}, ensure_ascii=False, indent=2
        )
    )

    retried = send_event(bot, event, "Ev001", retry=1)  # Slack's redelivery of the same event
    assert retried.status_code == 200
    time.sleep(2)
    assert sum(1 for p in fake.posts if p.get("thread_ts") == ts) == 1


def test_a_follow_up_mention_uses_the_thread(bot, fake):
    root, bot_reply, follow = "1732300100.000100", "1732300101.000100", "1732300102.000100"
    first = "What was the second lien allowance for credit losses at December 31, 2023?"
    fake.threads[("C2", root)] = [
        {"user": "U1", "text": f"<@UBOT> {first}", "ts": root},
        {"bot_id": "BBOT", "user": "UBOT", "text": "As of December 31 ...", "ts": bot_reply},
        {"user": "U1", "text": "<@UBOT> what about first lien?", "ts": follow},
    ]
    event = {
        "type": "app_mention",
        "user": "U1",
        "channel": "C2",
        "ts": follow,
        "thread_ts": root,
        "event_ts": follow,
        "text": "<@UBOT> what about first lien?",
    }
    assert send_event(bot, event, "Ev002").status_code == 200
    post = fake.wait_for("posts", lambda p: p.get("channel") == "C2")
    assert post["thread_ts"] == root
    shown = texts(post["blocks"])
    assert "First lien" in shown and "Second lien" not in shown.split("*Figures*")[1][:200]


def test_direct_message_is_answered_in_the_dm(bot, fake):
    ts = "1732300200.000100"
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "U1",
        "channel": "D1",
        "ts": ts,
        "event_ts": ts,
        "text": "What is the weighted average APR for loans?",
    }
    assert send_event(bot, event, "Ev003").status_code == 200
    post = fake.wait_for("posts", lambda p: p.get("channel") == "D1")
    assert "23.88%" in texts(post["blocks"])
    assert not post.get("thread_ts")


def test_bot_messages_are_ignored(bot, fake):
    for n, extra in enumerate(
        ({"bot_id": "B999"}, {"user": "UBOT"}, {"subtype": "bot_message", "bot_id": "B1"})
    ):
        ts = f"1732300300.00010{n}"
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": "D9",
            "ts": ts,
            "text": "What was revenue in Q4 2024?",
            **extra,
        }
        assert send_event(bot, event, f"Ev10{n}").status_code == 200
    time.sleep(2)
    assert not [p for p in fake.posts if p.get("channel") == "D9"]


def test_slash_command_acks_then_answers_by_response_url(bot, fake):
    body = urlencode(
        {
            "token": "unused",
            "team_id": "T1",
            "channel_id": "C3",
            "user_id": "U1",
            "command": "/earnings",
            "text": "What was revenue in Q4 2024?",
            "response_url": f"{fake.url}/response/cmd1",
            "trigger_id": "1.2.3",
        }
    )
    start = time.monotonic()
    response = httpx.post(
        f"{bot.url}/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **signed(body)},
        timeout=30,
    )
    assert response.status_code == 200 and time.monotonic() - start < 3.0
    assert response.json()["response_type"] == "ephemeral"
    later = fake.wait_for("responses", lambda p: p["_path"] == "/response/cmd1")
    assert later["response_type"] == "ephemeral"
    shown = texts(later["blocks"])
    assert "RMB3.7 billion" in shown
    assert "Share in channel" in shown


@pytest.mark.parametrize(
    "case",
    ["forged", "stale", "missing", "timestamp not a number", "not json"],
)
def test_bad_requests_are_refused_and_nothing_is_posted(bot, fake, case):
    before = (len(fake.posts), len(fake.responses))
    ts = "1732300400.000100"
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": f"Ev-bad-{case}",
            "team_id": "T1",
            "event": {
                "type": "app_mention",
                "user": "U1",
                "channel": "C9",
                "ts": ts,
                "text": "<@UBOT> What was revenue?",
            },
        }
    )
    headers = {"Content-Type": "application/json"}
    if case == "forged":
        headers.update(signed(body, secret="not-the-secret"))
    elif case == "stale":
        headers.update(signed(body, timestamp=int(time.time()) - 60 * 10))
    elif case == "timestamp not a number":
        headers.update({**signed(body), "X-Slack-Request-Timestamp": "abc"})
    elif case == "not json":
        body = "this is not json {"
        headers.update(signed(body))
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers)
    assert response.status_code == (400 if case == "not json" else 401)
    time.sleep(1)
    assert (len(fake.posts), len(fake.responses)) == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"[1, 2]"),
        ("application/json", b"null"),
        ("application/json", b'"a string"'),
        ("application/json", b'{"type": "event_callback", "x": "\xff\xfe"}'),
        ("application/x-www-form-urlencoded", b"payload=not-json"),
        ("application/x-www-form-urlencoded", b"payload=%5B1%5D"),
    ],
)
def test_signed_bodies_slack_never_sends_get_400_not_500(bot, content_type, body):
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed body")


def test_a_replayed_slash_command_is_answered_once(bot, fake):
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "C3",
            "user_id": "U1",
            "command": "/earnings",
            "text": "What was revenue in Q4 2024?",
            "response_url": f"{fake.url}/response/replayed",
            "trigger_id": "9.9.9",
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
    first = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=30)
    again = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=30)
    assert first.status_code == 200 and again.status_code == 200
    fake.wait_for("responses", lambda p: p["_path"] == "/response/replayed")
    time.sleep(3)
    answered = [p for p in fake.responses if p["_path"] == "/response/replayed"]
    assert len(answered) == 1


def test_a_button_without_a_value_is_acknowledged_at_once(bot, fake):
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "api_app_id": "A1",
        "trigger_id": "1.2.4",
        "response_url": f"{fake.url}/response/novalue",
        "actions": [{"action_id": "show_passage_1", "block_id": "b1", "type": "button"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
    start = time.monotonic()
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=30)
    assert response.status_code == 200 and time.monotonic() - start < 2.0
    said = fake.wait_for("responses", lambda p: p["_path"] == "/response/novalue")
    assert "no longer in the index" in said["text"]


def test_an_oversized_slack_body_is_refused_before_it_is_read(bot):
    status = raw_request(
        bot.port,
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 8000000\r\n\r\n",
    )
    assert status == 413


def raw_request(port: int, head: str) -> int:
    """Send only a request's head (no body) and read the status line: a server that waited
    for the body would time out here."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        line = sock.makefile("rb").readline().decode()
    return int(line.split()[1])


def test_block_kit_limits_hold_for_a_very_long_answer():
    citation = {
        "doc_id": "d",
        "title": "T" * 500,
        "company": None,
        "period": None,
        "doc_type": "notes",
        "kind": "passage",
        "chunk_id": "d:1-2",
        "speaker": None,
        "speaker_title": None,
        "role": None,
        "firm": None,
        "section": None,
        "exchange": None,
        "heading": "H" * 4000,
        "row_path": [],
        "lines": [1, 2],
        "text": "x",
        "translation": None,
        "score": 0.1,
    }
    answer = AnswerModel(
        question="q" * 5000,
        answer="word " * 4000,
        found=True,
        figures=[],
        citations=[CitationModel(n=n, **citation) for n in range(1, 80)],
        resolved_question="q",
        filters={},
    )
    fallback, blocks = answer_blocks(answer, share=True)
    assert len(blocks) <= MAX_BLOCKS
    assert len(fallback) <= 3000
    for block in blocks:
        if "text" in block:
            assert len(block["text"]["text"]) <= MAX_TEXT
        for element in block.get("elements", []):
            text = element.get("text")
            assert len(text["text"] if isinstance(text, dict) else text) <= MAX_TEXT
    assert blocks[-1]["elements"][0]["action_id"] == "share_answer"  # kept when trimming
    assert blocks[1]["text"]["text"].endswith("…")


def test_serving_without_complete_slack_settings_says_which_variable(tmp_path):
    from assistant.service import Assistant
    from assistant.settings import Settings
    from assistant.slack import SlackConfigError, create_slack_app

    settings = Settings(index_dir=tmp_path, slack_bot_token="xoxb-1")
    with pytest.raises(SlackConfigError, match="set SLACK_SIGNING_SECRET"):
        create_slack_app(settings, Assistant(settings))
    with pytest.raises(SlackConfigError, match="set SLACK_APP_TOKEN"):
        create_slack_app(settings, Assistant(settings), socket_mode=True)


def test_manifest_declares_what_the_bot_handles():
    import yaml

    manifest = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "slack" / "manifest.yaml").read_text(
            encoding="utf-8"
        )
    )
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["slash_commands"][0]["command"] == "/earnings"
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history"} <= scopes
    for url in (
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    ):
        assert url.endswith("/slack/events")


def test_an_answer_says_in_one_line_what_it_was_scoped_to():
    from assistant.answers.schema import ScopeModel

    answer = AnswerModel(
        question="What was Prologis's core FFO in Q3 2022?",
        answer="Core FFO was $1.73 per share. [1]",
        found=True,
        figures=[],
        citations=[],
        resolved_question="What was Prologis's core FFO in Q3 2022?",
        filters={},
        scope=ScopeModel(
            companies=["Prologis"], periods=["Q3 2022"], description="Prologis · Q3 2022"
        ),
    )
    _, blocks = answer_blocks(answer)
    assert "Prologis · Q3 2022" in blocks[0]["elements"][0]["text"]


@pytest.mark.parametrize(
    "change",
    [
        {"event": []},
        {"event": "x"},
        {"event_id": ["Ev1", "Ev2"]},
        {"authorizations": "x"},
        {"authorizations": ["x"]},
        {"event": {"type": "app_mention", "text": ["<@UBOT> hi"], "channel": "C1", "ts": "1.0"}},
    ],
    ids=[
        "event-list",
        "event-string",
        "event-id-list",
        "authorizations-string",
        "auth-items",
        "text-list",
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_a_400_not_a_500(bot, change):
    payload = {
        "token": "unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"EvShape{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": {"type": "app_mention", "text": "hi", "channel": "C1", "ts": "1.0"},
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        **change,
    }
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **signed(body)}
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers, timeout=30)
    assert response.status_code == 400, response.text
    assert "malformed body" in response.json()["error"]


def test_document_text_in_a_reply_cannot_notify_mention_or_link():
    hostile = "Revenue was $5 million <!channel> <@U123> <https://evil.example|click> & more"
    citation = CitationModel(
        n=1,
        doc_id="d1",
        title="Call <!here>",
        company="Acme",
        period="Q1 2024",
        doc_type="transcript",
        kind="paragraph",
        chunk_id="c1",
        speaker="<!everyone>",
        speaker_title=None,
        role="management",
        firm=None,
        section=None,
        exchange=None,
        heading=None,
        row_path=[],
        lines=[1, 2],
        text=hostile,
        translation=None,
        score=1.0,
    )
    answer = AnswerModel(
        question="What was revenue? <!channel>",
        answer=hostile + " [1]",
        found=True,
        figures=[],
        citations=[citation],
        resolved_question="What was revenue?",
        filters={},
    )
    fallback, blocks = answer_blocks(answer)
    shown = fallback + json.dumps(blocks)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil"):
        assert raw not in shown
    assert "&lt;!channel&gt;" in fallback and "&amp; more" in fallback
