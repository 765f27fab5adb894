"""What every `assistant` command shares: the Typer app, the consoles, the options, and how a
command finds its index, its assistant or a running server."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.errors import AssistantError
from assistant.settings import Settings

DEFAULT_SEEDS = Path("seeds")

app = typer.Typer(
    help="Cited answers and figures from earnings-call transcripts and filing notes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

CompanyOpt = Annotated[str | None, typer.Option("--company", help="Company the document is about.")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Reporting period, e.g. 'Q4 2024'.")
]
TypeOpt = Annotated[
    str | None, typer.Option("--type", help="Document type: transcript, filing or notes.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", envvar="ASSISTANT_INDEX", help="Index directory [default: index/]."),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="ASSISTANT_DATABASE_URL",
        help="PostgreSQL (with pgvector) holding the library, e.g. postgresql://host/db.",
        show_envvar=True,
    ),
]
TopKOpt = Annotated[int, typer.Option("--k", min=1, max=50, help="How many passages to return.")]
FilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        help="key=value: doc_id, company, period, doc_type, speaker, role or section. Repeatable.",
    ),
]


def settings_for(index: Path | None) -> Settings:
    return Settings.from_env(index_dir=index)


def parse_filters(items: list[str] | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AssistantError(
                f"filter {item!r} is not key=value", hint="e.g. --filter role=analyst"
            )
        filters[key.strip()] = value.strip()
    return filters


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 document", "2 documents", "1,204 chunks"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


@app.callback()
def root() -> None:
    """Cited answers and figures from earnings-call transcripts and filing notes."""


def fail(error: AssistantError) -> typer.Exit:
    err.print(f"[red]error:[/red] {error}", markup=True, highlight=False)
    return typer.Exit(code=1)


LocalOpt = Annotated[
    bool,
    typer.Option(
        "--local", help="Answer in this process even when a server is running on the index."
    ),
]


def server_for(index: Path | None, local: bool) -> tuple[str, str | None] | None:
    """(URL, token) of a server running on this index (see server_link), looked for once per
    command; None with --local or when there is none."""
    from assistant.server_link import running_server

    if local:
        return None
    settings = settings_for(index)
    url = running_server(settings.index_dir, settings.api_token)
    return (url, settings.api_token) if url else None


def remote(server: tuple[str, str | None] | None, path: str, payload: dict) -> dict | None:
    """The server's answer, or None when there is no server or it cannot take the request."""
    from assistant.server_link import ServerGone, post

    if server is None:
        return None
    try:
        return post(server[0], path, server[1], payload)
    except ServerGone:
        return None


def library_store(index: Path | None):
    """The library's snapshot: read from the index folder (no model needed), or from the
    database when ASSISTANT_DATABASE_URL is set."""
    settings = settings_for(index)
    if settings.database_url:
        return open_assistant(index).store
    from assistant.library import Store

    return Store.load(settings.index_dir)


def open_assistant(index: Path | None):
    from assistant.service import Assistant

    return Assistant(settings_for(index))


class BuildBars:
    """Rich progress bars on stderr, one per stage, each made when its stage first reports:
    what is done of what, and the time left."""

    def __init__(self, progress) -> None:
        self._progress = progress
        self._tasks: dict[str, int] = {}

    def bar(self, label: str):
        def report(done: int, total: int) -> None:
            if label not in self._tasks:
                self._tasks[label] = self._progress.add_task(label, total=total)
            self._progress.update(self._tasks[label], completed=done, total=total)

        return report


@contextmanager
def build_bars() -> Iterator[BuildBars]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as progress:
        yield BuildBars(progress)
