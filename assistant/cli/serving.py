"""Commands that serve: the HTTP service (with Slack events), the schema, the Slack bot."""

from __future__ import annotations

import logging
import os
import socket
from typing import Annotated

import typer

from assistant.cli.common import (
    DatabaseOpt,
    IndexOpt,
    app,
    err,
    fail,
)
from assistant.errors import AssistantError
from assistant.memory import limit_arenas
from assistant.settings import Settings


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            "--host", envvar="ASSISTANT_HOST", help="Address to listen on [default: 127.0.0.1]."
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", envvar="ASSISTANT_PORT", help="Port [default: 8000].")
    ] = None,
    index: IndexOpt = None,
    database_url: DatabaseOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            envvar="ASSISTANT_PROCESSES",
            help="API processes; more than one needs --database-url (they share it).",
        ),
    ] = 1,
) -> None:
    """Serve the chat page, the HTTP API and (when configured) Slack; builds the seed index
    first when there is none.

    Examples:

        assistant serve

        ASSISTANT_API_TOKEN=secret assistant serve --host 0.0.0.0 --port 8080

        assistant serve --database-url postgresql://db/assistant --workers 4
    """
    import uvicorn

    from assistant.api import app_for
    from assistant.service import Assistant

    def say(line: str) -> None:
        err.print(line, highlight=False)

    limit_arenas()  # before the model's and the workers' threads exist
    settings = Settings.from_env(
        index_dir=index, host=host, port=port, database_url=database_url, processes=workers
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    if settings.processes > 1 and not settings.database_url:
        raise fail(
            AssistantError(
                f"--workers {settings.processes} needs a database the processes share",
                hint="give --database-url (PostgreSQL with pgvector), or serve one process",
            )
        )
    try:
        check_port_free(settings.host, settings.port)  # before the wait for the index
        assistant = Assistant(settings)
        if not assistant.has_index():
            err.print(f"no index yet: building one from {settings.seeds_dir}/", highlight=False)
        if assistant.ensure_index(settings.seeds_dir, progress=build_progress()):
            where = "the database" if settings.database_url else settings.index_dir
            err.print(f"built the index from {settings.seeds_dir}/ into {where}", highlight=False)
        target = app_for(settings, assistant, say) if settings.processes == 1 else None
    except AssistantError as error:
        raise fail(error) from error
    err.print(f"serving on http://{settings.host}:{settings.port}", highlight=False)
    if target is None:
        # Each process builds its own app from the same settings, passed by environment.
        os.environ.update(settings_environment(settings))
        target = "assistant.api:app_from_environment"
    uvicorn.run(
        target,
        factory=isinstance(target, str),
        workers=settings.processes if isinstance(target, str) else None,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=5,  # a stop never waits long; unfinished uploads resume
    )


def build_progress():
    """One line per quarter of the seed build, so a first start on a busy machine is seen to
    move: the whole build is a few seconds on a quiet one and several times that under load."""
    said: set[int] = set()

    def report(done: int, total: int) -> None:
        quarter = 4 * done // max(total, 1)
        if quarter not in said:
            said.add(quarter)
            err.print(f"building the seed index: {done} of {total} passages", highlight=False)

    return report


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on, naming how to pick another: uvicorn would
    only fail after the index is loaded, with a bare "address already in use"."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise AssistantError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                hint=f"pick another port: make serve PORT={port + 1}, or assistant serve "
                f"--port {port + 1} (ASSISTANT_PORT={port + 1})",
            ) from error


def settings_environment(settings: Settings) -> dict[str, str]:
    """What a worker process needs to build the same settings."""
    env = {"ASSISTANT_INDEX": str(settings.index_dir), "ASSISTANT_HOST": settings.host}
    env["ASSISTANT_PORT"] = str(settings.port)
    if settings.database_url:
        env["ASSISTANT_DATABASE_URL"] = settings.database_url
    return env


db = typer.Typer(help="The PostgreSQL schema (for --database-url).", no_args_is_help=True)
app.add_typer(db, name="db")


@db.command("migrate")
def db_migrate(database_url: DatabaseOpt = None) -> None:
    """Create or upgrade the schema (numbered migrations; each runs once).

    Examples:

        assistant db migrate --database-url postgresql://localhost/assistant
    """
    from assistant.database import SCHEMA_VERSION, migrate

    if not database_url:
        raise fail(AssistantError("no database", hint="give --database-url"))
    try:
        applied = migrate(database_url)
    except Exception as error:  # psycopg's errors: say what failed, no traceback
        raise fail(AssistantError(f"migration failed: {error}")) from error
    done = ", ".join(f"{v:04d}" for v in applied) or "none needed"
    err.print(f"schema at version {SCHEMA_VERSION} (applied: {done})", highlight=False)


@app.command()
def slack(index: IndexOpt = None) -> None:
    """Run the Slack bot over Socket Mode (no public URL needed): needs SLACK_BOT_TOKEN and
    SLACK_APP_TOKEN. For HTTP events, set SLACK_SIGNING_SECRET too and use `serve`.

    Examples:

        SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... assistant slack
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from assistant.service import Assistant
    from assistant.slack import create_slack_app

    settings = Settings.from_env(index_dir=index)
    try:
        assistant = Assistant(settings)
        bot = create_slack_app(settings, assistant, socket_mode=True)
        if assistant.ensure_index(settings.seeds_dir):
            err.print(f"built the index from {settings.seeds_dir}/", highlight=False)
        assistant.search("revenue", 1)  # load the model and the index before connecting
    except AssistantError as error:
        raise fail(error) from error
    err.print("connecting to Slack over Socket Mode", highlight=False)
    SocketModeHandler(bot, settings.slack_app_token).start()
