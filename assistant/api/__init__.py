"""The HTTP service: `/v1` JSON API, the chat page at `/`, health, readiness and metrics.

One router per area (answers, documents and figures, service, pages); what a route needs
(the Assistant, the settings, the worker limits) comes from `dependencies`. Checks that must
run before a body is read (token, origin, size) are the ASGI `Guard` in `http_guard`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assistant.api import answers, documents, pages, status
from assistant.api.errors import install_error_handlers
from assistant.api.state import Service
from assistant.errors import AssistantError
from assistant.http_guard import Guard, Metrics
from assistant.server_link import announced, local_url
from assistant.service import Assistant
from assistant.settings import Settings

log = logging.getLogger("assistant.api")

__all__ = ["app_for", "app_from_environment", "create_app"]


def create_app(settings: Settings, assistant: Assistant | None = None, slack_app=None) -> FastAPI:
    service = Service(settings, assistant or Assistant(settings))
    app = FastAPI(
        title="Earnings-call Q&A assistant",
        version="1",
        summary="Cited answers and structured figures from earnings calls and filings.",
        lifespan=lifespan,
        docs_url=None,  # served from this process by `pages`, not from a CDN
        redoc_url=None,
    )
    app.state.service = service
    app.state.metrics = Metrics.create()
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        Guard,
        settings=settings,
        metrics=app.state.metrics,
        is_loopback=is_loopback(settings.host),
    )
    install_error_handlers(app)
    for area in (status, answers, documents, pages):
        app.include_router(area.router)
    if slack_app is not None:
        from assistant.slack_http import mount_slack

        mount_slack(app, slack_app, settings)
    pages.mount_files(app)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model and the index once per process, before the first request."""
    service: Service = app.state.service
    settings = service.settings
    try:
        await anyio.to_thread.run_sync(lambda: service.assistant.search("revenue", 1))
        service.ready = True
    except AssistantError as error:
        log.error("not ready: %s", error)
    service.board.start()
    url = local_url(settings.host, settings.port)
    with announced(settings.index_dir, url) if service.ready else contextlib.nullcontext():
        yield
    service.board.stop()


def print_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_for(
    settings: Settings, assistant: Assistant, say: Callable[[str], None] = print_to_stderr
) -> FastAPI:
    """The FastAPI app, with Slack mounted when it is configured (`say` reports which)."""
    slack_app = None
    if settings.slack_bot_token or settings.slack_signing_secret:
        from assistant.slack import SlackConfigError, create_slack_app

        try:
            slack_app = create_slack_app(settings, assistant)
            say("Slack events at POST /slack/events")
        except SlackConfigError as error:
            say(f"warning: {error}; serving without Slack")
    return create_app(settings, assistant, slack_app)


def app_from_environment() -> FastAPI:
    """The app of one of several `serve --workers` processes: settings from the environment
    the parent set (the seed index is already built)."""
    from assistant.memory import limit_arenas

    limit_arenas()
    settings = Settings.from_env()
    return app_for(settings, Assistant(settings))
