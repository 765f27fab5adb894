"""The `assistant` command: parse, build, search and ask from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from assistant.documents import Metadata, parse_file
from assistant.errors import AssistantError
from assistant.summary import DocumentSummary, summarize

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
        f"languages: {', '.join(s.languages)} · {s.lines} lines",
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
        parts = [f"{name}: {count} paragraphs" for name, count in s.sections.items()]
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


def main() -> None:  # pragma: no cover - console entry for `python -m assistant.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
