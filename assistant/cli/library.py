"""Commands on the documents: parse one, build, add and remove, list them and their figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable

from assistant.cli import common
from assistant.cli.common import (
    DEFAULT_SEEDS,
    CompanyOpt,
    IndexOpt,
    JsonOpt,
    PeriodOpt,
    TypeOpt,
    app,
    counted,
    emit_json,
    err,
    fail,
    out,
    settings_for,
)
from assistant.errors import AssistantError, DocumentNotFound

if TYPE_CHECKING:
    from assistant.summary import DocumentSummary


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
    skip_unreadable: Annotated[
        bool,
        typer.Option(
            "--skip-unreadable",
            help="Leave out files that cannot be read (each is named) instead of stopping.",
        ),
    ] = False,
) -> None:
    """Build the index from documents (default: seeds/), reusing vectors of unchanged chunks.

    Examples:

        assistant build

        assistant build call.txt note.txt --index scratch
    """
    try:
        assistant = common.open_assistant(index)
        with common.build_bars() as bars:
            store, stats = assistant.build(
                paths or [DEFAULT_SEEDS],
                progress=bars.bar("embedding passages"),
                force=force,
                skip_unreadable=skip_unreadable,
                reading=bars.bar("reading files"),
            )
    except AssistantError as error:
        raise fail(error) from error
    for reason in stats.skipped:
        err.print(f"skipped: {reason}", highlight=False)
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
        assistant = common.open_assistant(index)
        with common.build_bars() as bars:
            doc, stats = assistant.add(
                file,
                Metadata(company=company, period=period, doc_type=doc_type),
                progress=bars.bar("embedding passages"),
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
        assistant = common.open_assistant(index)
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
    from assistant.answers.ledger import rows_of, select, to_csv, to_dicts

    try:
        store = common.library_store(index)
    except AssistantError as error:
        raise fail(error) from error
    rows = select(rows_of(store), company, metric, period, kind)
    if as_csv:
        sys.stdout.write(to_csv(rows))
        return
    if as_json:
        emit_json({"figures": to_dicts(rows)})
        return
    table = RichTable(title=counted(len(rows), "figure"), title_justify="left")
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


@app.command()
def docs(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the documents in the index.

    Examples:

        assistant docs

        assistant docs --json --index scratch
    """
    try:
        store = common.library_store(index)
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
