"""The `assistant` command: parse, build, search and ask from the shell."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from assistant.errors import AssistantError, BadQuestion, DocumentNotFound
from assistant.settings import Settings

# Parsing, the index and the model load inside the commands that need them: `ask` through a
# running server imports none of them.
if TYPE_CHECKING:
    from assistant.summary import DocumentSummary

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


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(help="Transcript, filing note or notes file.")],
    company: CompanyOpt = None,
    period: PeriodOpt = None,
    doc_type: TypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what was recognised in FILE: speakers, sections, exchanges, tables, warnings.

    Examples:

        assistant parse seeds/000_71abd0ac3770a833.txt

        assistant parse seeds/003_a308b794af7827e1.txt --json

        assistant parse call.txt --company "Acme" --period "Q2 2025"
    """
    from assistant.documents import Metadata, parse_file
    from assistant.summary import summarize

    try:
        doc = parse_file(file, Metadata(company=company, period=period, doc_type=doc_type))
    except AssistantError as error:
        raise fail(error) from error
    summary = summarize(doc)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(summary.model_dump(), ensure_ascii=False) + "\n")
        return
    print_summary(summary)


def print_summary(s: DocumentSummary) -> None:
    out.print(f"[bold]{s.doc_id}[/bold]  {s.title}", highlight=False)
    out.print(
        f"type: {s.type} · company: {s.company or '?'} · period: {s.period or '?'} · "
        f"languages: {', '.join(s.languages)} · "
        + (f"{counted(s.pages, 'page')}, " if s.pages else "")
        + counted(s.lines, "line"),
        highlight=False,
    )
    out.print(f"recognised: {'; '.join(s.recognised)}", highlight=False)
    out.print(
        f"paragraphs: {s.paragraphs} ({s.translated_paragraphs} with translation)", highlight=False
    )
    if s.speakers:
        speakers = RichTable(title=f"Speakers ({len(s.speakers)})", title_justify="left")
        for column in ("name", "role", "title", "firm", "paragraphs"):
            speakers.add_column(column)
        for sp in s.speakers:
            speakers.add_row(sp.name, sp.role, sp.title or "", sp.firm or "", str(sp.paragraphs))
        out.print(speakers)
    if s.sections:
        parts = [f"{name}: {counted(count, 'paragraph')}" for name, count in s.sections.items()]
        out.print(f"sections: {'; '.join(parts)}; Q&A exchanges: {s.exchanges}", highlight=False)
    if s.flags:
        out.print("markers: " + ", ".join(f"{k} ×{v}" for k, v in s.flags.items()), highlight=False)
    if s.tables:
        tables = RichTable(title=f"Tables ({len(s.tables)})", title_justify="left")
        for column in ("lines", "rows × columns", "columns", "caption"):
            tables.add_column(column)
        for t in s.tables:
            cols = "; ".join(" › ".join(c) for c in t.column_paths)
            tables.add_row(
                f"{t.lines[0]}–{t.lines[1]}", f"{t.rows} × {t.columns}", cols[:80], t.caption[:60]
            )
        out.print(tables)
    out.print(f"warnings: {len(s.warnings)}", highlight=False)


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
    from assistant.store import Store

    return Store.load(settings.index_dir)


def open_assistant(index: Path | None):
    from assistant.service import Assistant

    return Assistant(settings_for(index))


@app.command()
def build(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders [default: seeds/].")
    ] = None,
    index: IndexOpt = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Build in a folder that already holds other files."),
    ] = False,
) -> None:
    """Build the index from documents (default: seeds/), reusing vectors of unchanged chunks.

    Examples:

        assistant build

        assistant build call.txt note.txt --index scratch
    """
    from rich.progress import Progress

    try:
        assistant = open_assistant(index)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("embedding", total=None)
            store, stats = assistant.build(
                paths or [DEFAULT_SEEDS],
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                force=force,
            )
    except AssistantError as error:
        raise fail(error) from error
    for record in store.documents.values():
        for warning in record.warnings:
            err.print(f"warning: {warning}", highlight=False)
    out.print(
        f"indexed {counted(len(store.documents), 'document')}, "
        f"{counted(len(store.chunks), 'chunk')} ({stats.embedded:,} embedded, "
        f"{stats.reused:,} reused) into {assistant.settings.index_dir}",
        highlight=False,
    )


@app.command()
def add(
    file: Annotated[Path, typer.Argument(help="Document to add or replace.")],
    company: CompanyOpt = None,
    period: PeriodOpt = None,
    doc_type: TypeOpt = None,
    index: IndexOpt = None,
) -> None:
    """Add one document to the index (or replace the one with the same id); others are kept
    as they are and not re-embedded.

    Examples:

        assistant add q1_call.txt --company "Acme" --period "Q1 2025"

        assistant add note5.txt --type filing --index scratch
    """
    from assistant.documents import Metadata

    try:
        assistant = open_assistant(index)
        doc, stats = assistant.add(
            file, Metadata(company=company, period=period, doc_type=doc_type)
        )
    except AssistantError as error:
        raise fail(error) from error
    for warning in doc.warnings:
        err.print(f"warning: {warning}", highlight=False)
    out.print(
        f"added {doc.doc_id} ({doc.title}): {counted(stats.embedded, 'chunk')} embedded, "
        f"{stats.reused:,} reused",
        highlight=False,
    )


@app.command()
def remove(
    doc_id: Annotated[
        str, typer.Argument(help="Id shown by `assistant docs`, or its start if only one has it.")
    ],
    index: IndexOpt = None,
) -> None:
    """Remove a document from the index.

    Examples:

        assistant remove 000_71abd0ac3770a833

        assistant remove 000_71ab
    """
    try:
        assistant = open_assistant(index)
        doc_id = unique_doc_id(doc_id, list(assistant.store.documents))
        store = assistant.remove(doc_id)
    except AssistantError as error:
        raise fail(error) from error
    remain = counted(len(store.documents), "document")
    out.print(
        f"removed {doc_id}; {remain} {'remains' if len(store.documents) == 1 else 'remain'}",
        highlight=False,
    )


def unique_doc_id(given: str, doc_ids: list[str]) -> str:
    """The document id `given` names: itself, or the one id it starts."""
    if given in doc_ids:
        return given
    matches = [d for d in doc_ids if d.startswith(given)] if given else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(sorted(matches)[:5]) + (", …" if len(matches) > 5 else "")
        raise DocumentNotFound(
            f"{given!r} is the start of {counted(len(matches), 'document id')}: {shown}",
            hint="give more of the id",
        )
    raise DocumentNotFound(f"no document {given!r} in the index")


@app.command()
def figures(
    company: Annotated[
        str | None, typer.Option("--company", help="Company name, part of it, or ticker.")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option("--metric", help="Metric key (eps_diluted) or name ('diluted EPS')."),
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="e.g. 'Q3 2021', FY2021.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="actual, guidance or prior.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """List the figures found in the documents (the ledger), one row per figure.

    Examples:

        assistant figures --company RMD --metric revenue

        assistant figures --metric "diluted EPS" --period "Q2 2021" --csv > eps.csv
    """
    from assistant.ledger import rows_of, select, to_csv, to_dicts

    try:
        store = library_store(index)
    except AssistantError as error:
        raise fail(error) from error
    rows = select(rows_of(store), company, metric, period, kind)
    if as_csv:
        sys.stdout.write(to_csv(rows))
        return
    if as_json:
        emit_json({"figures": to_dicts(rows)})
        return
    table = RichTable(title=plural(len(rows), "figure"), title_justify="left")
    for column in ("company", "period", "metric", "kind", "figure", "cited"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r.ticker or r.company or "",
            r.period or "",
            r.metric or "",
            r.kind,
            r.text,
            f"{r.doc_id} lines {r.lines}" + (f", {r.page}" if r.page else ""),
        )
    out.print(table)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@app.command()
def docs(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the documents in the index.

    Examples:

        assistant docs

        assistant docs --json --index scratch
    """
    try:
        store = library_store(index)
    except AssistantError as error:
        raise fail(error) from error
    records = [
        {
            "doc_id": r.doc_id,
            "title": r.title,
            "type": r.doc_type,
            "company": r.company,
            "ticker": r.ticker,
            "aliases": list(r.aliases),
            "period": r.period,
            "date": r.date,
            "chunks": r.chunk_count,
            "source": r.source,
            "added_at": r.added_at,
        }
        for r in store.documents.values()
    ]
    if as_json:
        emit_json({"documents": records})
        return
    table = RichTable(
        title=f"{counted(len(records), 'document')} in {settings_for(index).index_dir}",
        title_justify="left",
    )
    # Whole on one line, however narrow the terminal, so that it can be pasted; the other
    # columns give way.
    widest = max((len(r["doc_id"]) for r in records), default=6)
    table.add_column("doc_id", no_wrap=True, min_width=widest)
    for column in ("type", "company", "ticker", "period", "chunks", "title"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r["doc_id"],
            r["type"],
            r["company"] or "",
            r["ticker"] or "",
            r["period"] or "",
            str(r["chunks"]),
            r["title"],
        )
    out.print(table)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="What to look for, in English or Chinese.")],
    k: TopKOpt = 5,
    filters: FilterOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Show the passages and table rows that best match QUESTION.

    Examples:

        assistant search "Q4 net income" --k 3

        assistant search "2L ACL December 31, 2023" --filter doc_type=filing

        assistant search "第四季度的營業收入" --json
    """
    try:
        mapping = parse_filters(filters)
        payload = {"question": question, "top_k": k, "filters": mapping or None}
        answered = remote(server_for(index, local), "/v1/search", payload)
        if answered is not None:
            rows = answered["results"]
        else:
            from assistant.api_models import search_result_model
            from assistant.retrieval import Filters

            results = open_assistant(index).search(question, k, Filters.from_mapping(mapping))
            rows = [search_result_model(rank, r).model_dump() for rank, r in enumerate(results, 1)]
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json({"question": question, "results": rows})
        return
    if not rows:
        out.print("no passages match", highlight=False)
    for row in rows:
        where = " › ".join(row["row_path"]) if row["row_path"] else (row["speaker"] or "")
        out.print(
            f"[bold]{row['rank']}.[/bold] {row['score']:.4f}  {row['doc_id']}  "
            f"lines {row['lines'][0]}–{row['lines'][1]}  {where}",
            highlight=False,
        )
        out.print(f"   {row['text'][:400]}", highlight=False, markup=False)


@app.command(name="eval")
def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="Question file (JSON lines).")],
    k: TopKOpt = 5,
    filter_items: FilterOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Measure retrieval (hit@1/3/5), figures (figure@1/3) and context size on a question file.

    Examples:

        assistant eval ../shared/eval/questions.jsonl --json

        assistant build a.txt b.txt --index scratch && assistant eval q.jsonl --index scratch
    """
    from assistant.evaluation import Outcome, evaluate, outcome_of, outcome_of_model, read_questions
    from assistant.retrieval import Filters
    from assistant.schema import AnswerModel

    try:
        questions = read_questions(file)
        mapping = parse_filters(filter_items)
        filters = Filters.from_mapping(mapping)
        assistant = None
        server = server_for(index, local)

        def run(question) -> Outcome:
            nonlocal assistant
            payload = {
                "question": question.question,
                "top_k": max(k, 5),
                "filters": mapping or None,
            }
            try:
                answered = remote(server, "/v1/ask", payload)
                if answered is not None:
                    return outcome_of_model(AnswerModel.model_validate(answered))
                assistant = assistant or open_assistant(index)
                return outcome_of(assistant.ask(question.question, max(k, 5), filters))
            except BadQuestion as error:
                err.print(f"warning: {question.id}: {error}", highlight=False)
                return Outcome(citations=[], figures=[])

        report = evaluate(questions, run, k)
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json(report)
        return
    for key in (
        "n",
        "hit@1",
        "hit@3",
        "hit@5",
        "doc@1",
        "figure@1",
        "figure@3",
        "context_chars@5",
        "scope_inferred",
    ):
        out.print(f"{key}: {report[key]}", highlight=False)
    for q in report["per_question"]:
        if q["hit_rank"] != 1:
            out.print(f"  {q['id']}: hit rank {q['hit_rank']} — {q['question']}", highlight=False)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Chinese.")],
    k: TopKOpt = 5,
    filters: FilterOpt = None,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="An earlier question, for follow-ups. Repeatable."),
    ] = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Answer QUESTION from the indexed documents, with citations and figures.

    Examples:

        assistant ask "What was Q4 net income and how did it move?"

        assistant ask "and in Q3?" --history "What was Q4 net income?"

        assistant ask "第四季度的營業收入是多少?" --json
    """
    from assistant.schema import AnswerModel

    try:
        mapping = parse_filters(filters)
        payload = {
            "question": question,
            "top_k": k,
            "filters": mapping or None,
            "history": [{"question": q} for q in history or []],
        }
        answered = remote(server_for(index, local), "/v1/ask", payload)
        if answered is not None:
            model = AnswerModel.model_validate(answered)
        else:
            from assistant.answer import Turn
            from assistant.retrieval import Filters
            from assistant.schema import answer_model

            turns = [Turn(question=q) for q in history or []]
            result = open_assistant(index).ask(question, k, Filters.from_mapping(mapping), turns)
            model = answer_model(result)
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json(model.model_dump())
        return
    print_answer(model)


def print_answer(model) -> None:
    if model.scope.description:
        out.print(f"Scope: {model.scope.description} ({model.scope.source})", highlight=False)
    out.print(model.answer, highlight=False, markup=False)
    if model.note:
        out.print(model.note, highlight=False, markup=False, style="dim")
    if model.figures:
        table = RichTable(title="Figures", title_justify="left")
        for column in ("value", "unit", "metric", "period", "change", "text", "source"):
            table.add_column(column, max_width=40 if column == "metric" else None)
        for f in model.figures[:6]:
            value = f"{f.value:,.4f}".rstrip("0").rstrip(".")
            if f.high is not None:
                value += f" – {f.high:,.4f}".rstrip("0").rstrip(".")
            table.add_row(
                value,
                f.unit,
                f.metric or "",
                f.period or "",
                f.change or "",
                f.text,
                f"[{f.citation}]",
            )
        out.print(table)
    for c in model.citations:
        who = c.speaker or (" › ".join(c.row_path) if c.row_path else c.heading or "")
        out.print(
            f"[{c.n}] {c.title} · {who} · {c.where}",
            highlight=False,
            markup=False,
        )
        out.print(f"    {c.text[:300]}", highlight=False, markup=False)


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

    from assistant.service import Assistant

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
        assistant = Assistant(settings)
        if assistant.ensure_index(settings.seeds_dir):
            where = "the database" if settings.database_url else settings.index_dir
            err.print(f"built the index from {settings.seeds_dir}/ into {where}", highlight=False)
        target = app_for(settings, assistant) if settings.processes == 1 else None
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


def app_for(settings: Settings, assistant):
    """The FastAPI app, with Slack mounted when it is configured."""
    from assistant.api import create_app

    slack_app = None
    if settings.slack_bot_token or settings.slack_signing_secret:
        from assistant.slack import SlackConfigError, create_slack_app

        try:
            slack_app = create_slack_app(settings, assistant)
            err.print("Slack events at POST /slack/events", highlight=False)
        except SlackConfigError as error:
            err.print(f"warning: {error}; serving without Slack", highlight=False)
    return create_app(settings, assistant, slack_app)


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


def main() -> None:  # pragma: no cover - console entry for `python -m assistant.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
