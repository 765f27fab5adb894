"""Filing notes whose HTML tables were flattened into one `|cell` per line (SEC EDGAR R pages).

The file is read in three passes: lines become cells and prose lines; cells become rows (a
label followed by its values); runs of rows become tables whose header rows are rebuilt into
column paths (period › lien) and whose labels are rebuilt into row paths
(Allowance for credit losses › Individually evaluated).
Their tables are built in `filing_tables`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.documents.filing_tables import MAX_UPPER_HEADER_CHARS, Cell, tables_from_cells
from assistant.documents.model import Paragraph, Table
from assistant.documents.reading import SourceText
from assistant.documents.text import YEAR_RE, collapse

INTRO_RE = re.compile(r"\btables?\b|:$", re.I)
CONTINUATION_MAX_CHARS = 45


@dataclass
class ProseLine:
    text: str
    line: int


@dataclass
class FilingParse:
    blocks: list[Paragraph | Table]
    warnings: list[str]
    recognised: list[str]
    period: str | None


def tokenize(src: SourceText) -> list[Cell | ProseLine | None]:
    """Lines to cells and prose lines; None marks a blank line."""
    items: list[Cell | ProseLine | None] = []
    for number, raw in enumerate(src.lines, start=1):
        if raw.startswith("|"):
            items.append(Cell(raw[1:].strip(), number, number))
            continue
        text = raw.strip()
        if not text:
            items.append(None)
            continue
        prev = items[-1] if items else None
        if isinstance(prev, Cell) and prev.end == number - 1 and is_continuation(text, prev.text):
            prev.text = f"{prev.text} {text}".strip()
            prev.end = number
        else:
            items.append(ProseLine(text, number))
    return items


def is_continuation(text: str, cell_text: str) -> bool:
    """A fragment such as `2022` or `past due`, or the rest of a sentence a cell left open."""
    if len(cell_text) > MAX_UPPER_HEADER_CHARS and not cell_text.endswith((".", ":")):
        return True
    if len(text) > CONTINUATION_MAX_CHARS:
        return False
    words = text.split()
    return not (len(words) >= 6 and text[0].isupper() and text.endswith("."))


def prose_paragraphs(lines: list[ProseLine]) -> list[tuple[str, int, int]]:
    """Wrapped prose lines joined into paragraphs; a new one starts after a full stop."""
    paragraphs: list[list] = []
    for item in lines:
        if paragraphs:
            last = paragraphs[-1]
            ends_sentence = last[0].rstrip().endswith((".", ":", "?"))
            if not (ends_sentence and item.text[:1].isupper()) and last[2] == item.line - 1:
                last[0] = f"{last[0]} {item.text}"
                last[2] = item.line
                continue
        paragraphs.append([item.text, item.line, item.line])
    return [(collapse(t), s, e) for t, s, e in paragraphs]


def parse_filing(src: SourceText) -> FilingParse:
    items = tokenize(src)
    blocks: list[Paragraph | Table] = []
    warnings: list[str] = []
    heading: str | None = None
    caption_context = ""
    run_cells: list[Cell] = []
    run_prose: list[ProseLine] = []

    def flush_prose() -> None:
        nonlocal caption_context
        for text, start, end in prose_paragraphs(run_prose):
            blocks.append(Paragraph(text=text, lines=(start, end), heading=heading))
            # Only prose that introduces a table ("The table below presents...") captions it.
            caption_context = text if INTRO_RE.search(text) else ""
        run_prose.clear()

    def flush_cells() -> None:
        nonlocal heading, caption_context
        if not run_cells:
            return
        caption = collapse(f"{heading} {caption_context}") if heading else caption_context
        tables, footnotes, trailing, carry = tables_from_cells(
            list(run_cells), caption, warnings, src.path
        )
        blocks.extend(tables)
        blocks.extend(replace(f, heading=heading) for f in footnotes)
        if tables:
            caption_context = carry
        if trailing:
            heading = trailing
            caption_context = ""
        run_cells.clear()

    for item in items:
        if isinstance(item, Cell):
            if run_prose:
                flush_prose()
            run_cells.append(item)
        elif isinstance(item, ProseLine):
            if run_cells:
                flush_cells()
            run_prose.append(item)
        elif run_prose:
            flush_prose()
    flush_cells()
    flush_prose()

    tables = [b for b in blocks if isinstance(b, Table)]
    years = sorted(
        {int(y) for t in tables for c in t.columns for part in c for y in YEAR_RE.findall(part)}
    )
    period = f"FY{years[-1]}" if years else None
    if not tables and any(isinstance(i, Cell) for i in items):
        warnings.append(f"{src.path}: table cells found but no table could be rebuilt")
    recognised = [
        f"{len(tables)} tables",
        f"{sum(len(t.rows) for t in tables)} table rows",
        f"{sum(1 for b in blocks if isinstance(b, Paragraph))} prose paragraphs",
    ]
    return FilingParse(blocks=blocks, warnings=warnings, recognised=recognised, period=period)


def looks_like_filing(src: SourceText) -> bool:
    """Mostly `|cell` lines with a single leading bar (a Markdown table has several bars)."""
    nonblank = [line for line in src.lines if line.strip()]
    cells = [line for line in nonblank if line.startswith("|") and line.count("|") == 1]
    return len(cells) >= 10 and len(cells) >= 0.3 * len(nonblank)
