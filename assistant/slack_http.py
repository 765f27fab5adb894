"""`POST /slack/events` on the HTTP service, and the link to Slack's Web API behind it.

Slack being down must not take the chat down: the service starts without it, verifies the bot
token in the background (retrying with backoff), and answers Slack's route with 503 until
then, which Slack retries. Each request is checked in the order that costs least: signature
headers and their age before the body is read, the signature before the body is parsed, the
body's shape before Bolt sees it. An identical request (same signature) is handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from urllib.parse import parse_qs

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from assistant.settings import Settings
from assistant.slack import SeenEvents

log = logging.getLogger("assistant.slack")
MAX_AGE_S = 300  # Slack's own replay window
RETRY_MAX_S = 60.0


class SlackLink:
    """Verifies the bot token with `auth.test` in a background thread until it succeeds."""

    def __init__(self, client) -> None:
        self.client = client
        self.verified = threading.Event()
        self.stopping = threading.Event()
        self.last_error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._verify, name="slack-link", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()

    def _verify(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            try:
                identity = self.client.auth_test()
            except Exception as error:  # unreachable, refused, rate-limited, bad token
                self.last_error = str(error).splitlines()[0][:200]
                log.warning(
                    "Slack is not reachable yet (%s); retrying in %.0f s", self.last_error, delay
                )
                self.stopping.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            self.verified.set()
            log.info("connected to Slack as %s", identity.get("user") or "the bot")
            return


def signature_matches(secret: bytes, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature, computed over the raw bytes (any bytes: a body that is not UTF-8
    is refused for its shape after it is known to come from Slack, not crash the check)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return bool(secret) and hmac.compare_digest(expected.encode(), signature.encode("latin-1"))


# The fields of a payload that Bolt and the handlers read, with the type each must have: a
# signed body whose `event` is a list, or whose `event_id` is a number, is malformed, not a
# crash in the middleware that reads it.
PAYLOAD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "token": str,
    "team_id": str,
    "api_app_id": str,
    "event_id": str,
    "event_time": (int, float),
    "event": dict,
    "authorizations": list,
    "enterprise_id": (str, type(None)),
    "is_enterprise_install": bool,
    "team": dict,
    "user": dict,
    "channel": dict,
    "actions": list,
    "response_url": str,
    "trigger_id": str,
}
EVENT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "subtype": str,
    "text": str,
    "user": str,
    "bot_id": str,
    "channel": str,
    "channel_type": str,
    "ts": str,
    "thread_ts": str,
    "event_ts": str,
}


def fields_typed(value: dict, fields: dict[str, type | tuple[type, ...]]) -> bool:
    return all(not (k in value and not isinstance(value[k], t)) for k, t in fields.items())


def slack_payload(value: object) -> bool:
    """A JSON object whose known fields have their types, down to the event and the
    authorizations."""
    if not isinstance(value, dict) or not fields_typed(value, PAYLOAD_FIELDS):
        return False
    event = value.get("event", {})
    authorizations = value.get("authorizations", [])
    actions = value.get("actions", [])
    return (
        fields_typed(event, EVENT_FIELDS)
        and all(isinstance(a, dict) for a in authorizations)
        and all(isinstance(a, dict) for a in actions)
    )


def json_object(text: str) -> bool:
    try:
        return slack_payload(json.loads(text))
    except ValueError:
        return False


def well_formed(text: str, content_type: str) -> bool:
    """Slack sends a JSON object (events) or a form (commands; actions as a JSON `payload`)."""
    if content_type.startswith("application/json"):
        return json_object(text)
    form = parse_qs(text)
    return "payload" not in form or json_object(form["payload"][0])


def mount_slack(app: FastAPI, slack_app, settings: Settings) -> SlackLink:
    from slack_bolt import BoltRequest
    from slack_bolt.adapter.starlette.handler import to_starlette_response

    secret = (settings.slack_signing_secret or "").encode()
    link = SlackLink(slack_app.client)
    link.start()
    handled = SeenEvents()

    def refuse(request: Request, status: int, message: str) -> JSONResponse:
        body = {"error": message, "request_id": request.state.request_id}
        return JSONResponse(body, status_code=status)

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (timestamp.isdigit() and signature) or abs(time.time() - int(timestamp)) > MAX_AGE_S:
            log.warning(
                "rejected a Slack request without a fresh signature (%s)", request.state.request_id
            )
            return refuse(request, 401, "invalid signature")
        body = await request.body()
        if not signature_matches(secret, body, timestamp, signature):
            log.warning(
                "rejected a Slack request with a bad signature (%s)", request.state.request_id
            )
            return refuse(request, 401, "invalid signature")
        if not link.verified.is_set():
            response = refuse(request, 503, "not connected to Slack yet")
            response.headers["retry-after"] = "10"
            return response
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(request, 400, "malformed body: not UTF-8")
        if not well_formed(text, request.headers.get("content-type", "")):
            return refuse(request, 400, "malformed body: not a Slack payload")
        if not handled.first_time(signature):
            log.info("ignoring a replayed Slack request (%s)", request.state.request_id)
            return Response(status_code=200)
        bolt_request = BoltRequest(
            body=text, query=request.url.query, headers=dict(request.headers)
        )
        response = await anyio.to_thread.run_sync(slack_app.dispatch, bolt_request)
        return to_starlette_response(response)

    app.router.on_shutdown.append(link.stop)
    return link
