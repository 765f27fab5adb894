"""The checks every request passes before any handler runs or any body is read: request id,
bearer token, same-origin writes, body size. Also the response headers that keep the page
from being framed or sniffed, and the request metrics (with bounded label values).

It is plain ASGI rather than a FastAPI dependency because dependencies run after FastAPI has
read and parsed the body: a 300 MB body without a token would be read before its 401.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Histogram

from assistant.settings import Settings

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("assistant.access")
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# What stays open when a token is set: liveness and readiness (for orchestrators, readiness
# then says no more than "ready"), the page and its files (they hold no data: the page asks
# for the token), and the API description. Everything under /v1 and /metrics needs the token.
PROTECTED_PREFIXES = ("/v1/", "/metrics")
OPEN_PATHS = frozenset({"/v1/config"})  # whether a token is needed, asked before having one
MiB = 1024 * 1024
JSON_BODY_LIMIT = 4 * MiB  # 50 chat messages of 20,000 characters, even in CJK
SLACK_BODY_LIMIT = 1 * MiB  # Slack's payloads are a few kilobytes; a message's blocks, less
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
PAGE_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)


class BodyTooLarge(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(413, message)


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry,
            Counter(
                "assistant_requests_total",
                "HTTP requests",
                ["method", "route", "status"],
                registry=registry,
            ),
            Histogram(
                "assistant_request_latency_seconds",
                "HTTP request latency",
                ["route"],
                registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
        )


def request_id_from(given: str | None) -> str:
    """The caller's id when it is short and plain (it is echoed and logged), else a new one."""
    if given and REQUEST_ID_RE.fullmatch(given):
        return given
    return uuid.uuid4().hex[:16]


def same_origin(origin: str, host: str | None, allowed: tuple[str, ...]) -> bool:
    if origin in allowed:
        return True
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:  # "http://[": no origin this service could be
        return False
    return bool(host) and netloc == (host or "").lower()


def host_name(host: str) -> str | None:
    """The name of a Host header ("127.0.0.1:8000" gives "127.0.0.1", "[::1]:80" "::1"); None
    when it is no host name at all."""
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return None
    return name.lower().rstrip(".") if name else None


def answered_hosts(settings: Settings, is_loopback: bool) -> frozenset[str] | None:
    """The Host names this service answers to (None for any): the loopback names, which no
    page elsewhere can make a browser send, its own host, and the names configured."""
    if "*" in settings.allowed_hosts or not (is_loopback or settings.allowed_hosts):
        return None
    named = (name.lower() for name in settings.allowed_hosts)
    return frozenset({*LOOPBACK_NAMES, settings.host.lower(), *named})


def token_matches(header: str, token: str) -> bool:
    """Compares bytes: a header with non-ASCII bytes is a wrong token, not a crash."""
    scheme, _, value = header.partition(" ")
    given = value.strip().encode("latin-1", "replace")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode("utf-8"))


class Guard:
    def __init__(
        self, app: ASGIApp, settings: Settings, metrics: Metrics, is_loopback: bool
    ) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.is_loopback = is_loopback
        self.hosts = answered_hosts(settings, is_loopback)

    def body_limit(self, path: str) -> int:
        if path == "/v1/documents":
            return self.settings.max_upload_bytes + MiB  # the file plus the form around it
        if path.startswith("/slack/"):
            return SLACK_BODY_LIMIT
        return JSON_BODY_LIMIT

    def too_large(self, path: str) -> str:
        if path == "/v1/documents":
            return f"the upload is larger than {self.settings.max_upload_bytes // MiB} MB"
        return f"the request body is larger than {self.body_limit(path) // MiB} MB"

    def refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, dict] | None:
        """Why this request is refused before its body is read, if it is."""
        path, method = scope["path"], scope["method"]
        host = headers.get("host")
        # Slack's requests are signed, and reach a loopback server through a proxy's name.
        checked = self.hosts is not None and host and not path.startswith("/slack/")
        if checked and host_name(host) not in self.hosts:
            shown = ", ".join(sorted(self.hosts))
            return (
                400,
                f"this service answers to {shown}, not to the Host {host[:100]!r} "
                "(set ASSISTANT_ALLOWED_HOSTS to add a name)",
                {},
            )
        if method in UNSAFE_METHODS and not path.startswith("/slack/"):
            origin = headers.get("origin")
            fetch_site = headers.get("sec-fetch-site")
            if origin is not None and origin != "null":
                if not same_origin(origin, headers.get("host"), self.settings.cors_origins):
                    shown = origin[:100]
                    return 403, f"requests from {shown} may not change or query this service", {}
            elif fetch_site not in (None, "same-origin", "none"):
                return 403, "cross-site requests may not change or query this service", {}
        token = self.settings.api_token
        # A CORS preflight carries no credentials; CORSMiddleware answers it.
        protected = (
            token
            and path.startswith(PROTECTED_PREFIXES)
            and path not in OPEN_PATHS
            and method != "OPTIONS"
        )
        if protected and not token_matches(headers.get("authorization", ""), token or ""):
            return 401, "missing or wrong bearer token", {"www-authenticate": "Bearer"}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.body_limit(path):
            return 413, self.too_large(path), {}
        if (
            not token
            and not self.is_loopback
            and method in UNSAFE_METHODS
            and path.startswith("/v1/documents")
        ):
            return (
                403,
                "uploads and deletions need ASSISTANT_API_TOKEN when the service listens "
                "beyond this machine",
                {},
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        request_id = request_id_from(headers.get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}
        page = not scope["path"].startswith(("/docs", "/redoc"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                extra = [(b"x-request-id", request_id.encode()), *SECURITY_HEADERS]
                if page:
                    extra.append((b"content-security-policy", PAGE_POLICY))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refused = self.refusal(scope, headers)
        try:
            if refused is not None:
                code, text, more = refused
                await respond(
                    send_with_headers, code, {"error": text, "request_id": request_id}, more
                )
            else:
                await self.app(
                    scope,
                    limited(receive, self.body_limit(scope["path"]), self.too_large(scope["path"])),
                    send_with_headers,
                )
        finally:
            self.observe(scope, status["code"], time.perf_counter() - started)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Metrics, and one access-log line: method, route, status, time and request id;
        never a header, a token or a body."""
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        route = route_label(scope)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(route).observe(seconds)
        shown = route if route != "unmatched" else scope["path"][:100]
        access_log.info(
            "%s %s %d %.1f ms request_id=%s",
            method,
            shown,
            status,
            seconds * 1000,
            scope.get("state", {}).get("request_id", "-"),
        )


def route_label(scope: Scope) -> str:
    """The route's template (`/v1/documents/{doc_id}`), `/static` for the page's files, or
    "unmatched": a bounded set of label values whatever paths are requested."""
    route = getattr(scope.get("route"), "path", None)
    if route:
        return route
    if scope["path"].startswith("/static/"):
        return "/static"
    return "unmatched"


def limited(receive: Receive, limit: int, message: str) -> Receive:
    """`receive` that stops a body growing past `limit` while it streams in (a chunked body
    has no content-length to check up front)."""
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        received = await receive()
        if received["type"] == "http.request":
            seen += len(received.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(message)
        return received

    return receive_limited


async def respond(send: Send, status: int, body: dict, headers: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *((k.encode(), v.encode()) for k, v in headers.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
