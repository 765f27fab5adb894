"""HTML filings (SEC EDGAR R pages, 10-K / 10-Q documents, press releases) to paragraphs and
tables of the same model the text parsers build.

lxml parses HTML as browsers do (libxml2, in the wheel), tolerates the malformed markup EDGAR
files carry, and gives the XPath the tables need. A table's cells are laid on a grid (colspan
and rowspan expanded); `$`, `(`, `)` and `%` cells join their numbers; value columns are the
spans numbers occupy; the rows above the first number are the header, read top-down into
column paths; indentation (or bold rows without values) gives row paths. Each paragraph and
each table row is one line of the extracted text that citations count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.documents.filing import parse_value
from assistant.documents.model import Paragraph, Table, TableCell, TableRow
from assistant.documents.reading import SourceText, source_from_lines
from assistant.errors import ParseError

BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "center",
    "body",
    "header",
    "footer",
    "main",
    "dl",
    "dt",
    "dd",
    "pre",
}
SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "ix:header"}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ITEM_RE = re.compile(r"^(?:part\s+[ivx]+|item\s+\d+[a-z]?)\b\.?", re.I)
SCALE_RE = re.compile(r"\bin\s+(thousands|millions|billions)\b", re.I)
SHARE_SCALE_RE = re.compile(r"\bshares?\s+in\s+(thousands|millions|billions)\b", re.I)
DATE_COMMA_RE = re.compile(r"(?<=\d),(?=(?:19|20)\d{2}\b)")
PADDING_RE = re.compile(r"(?:^|;)\s*padding\s*:\s*([^;]+)", re.I)
LENGTH_RE = re.compile(r"([\d.]+)\s*(pt|px|em)?")
HIDDEN_RE = re.compile(r"display\s*:\s*none", re.I)
INDENT_RE = re.compile(
    r"(?:padding-left|text-indent|margin-left)\s*:\s*([\d.]+)\s*(pt|px|em)", re.I
)
NUMBER_CELL_RE = re.compile(r"^\(?\$?\s*[-−]?\d[\d,]*(?:\.\d+)?\s*\)?\s*%?$|^[—–-]$")
CURRENCY_SIGNS = ("US$", "$", "€", "£", "¥")  # "US$" before "$": the longer sign first
CURRENCY_ONLY = set(CURRENCY_SIGNS)
HTML_TAG_RE = re.compile(rb"<(?:html|body|table|div|p)\b", re.I)


def is_html(raw: bytes) -> bool:
    """Markup from the first character (an EDGAR `<DOCUMENT>` wrapper, `<?xml`, `<html`)
    with an HTML element early on."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and bool(HTML_TAG_RE.search(head))


@dataclass
class Extracted:
    lines: list[str] = field(default_factory=list)
    blocks: list[Paragraph | Table] = field(default_factory=list)
    heading: str | None = None
    recent: list[str] = field(default_factory=list)  # the last few paragraphs, for captions

    def add_line(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines)


def clean(text: str) -> str:
    text = " ".join(text.replace("\u200b", "").split())
    return DATE_COMMA_RE.sub(", ", text)  # "November 2,2024": four digits never group a number


def hidden(element) -> bool:
    return bool(HIDDEN_RE.search(element.get("style") or ""))


def to_points(number: str, unit: str) -> float:
    return float(number) * (0.75 if unit == "px" else 12 if unit == "em" else 1)


def left_padding(style: str) -> float:
    """The left side of a `padding:` shorthand ("2px 1pt 2px 7.75pt" is 7.75pt)."""
    match = PADDING_RE.search(style)
    if not match:
        return 0.0
    sides = LENGTH_RE.findall(match.group(1))
    if len(sides) < 2:
        return 0.0
    number, unit = sides[3] if len(sides) == 4 else sides[1]
    return to_points(number, unit or "pt")


TOTAL_LABEL_RE = re.compile(r"total\b", re.I)


def indent_of(element) -> float:
    points = 0.0
    for node in (element, *element.iterdescendants()):
        style = node.get("style") or ""
        points += sum(to_points(n, u) for n, u in INDENT_RE.findall(style))
        points += left_padding(style)
        if points:
            break
    text = element.text_content()
    return points + 4 * (len(text) - len(text.lstrip("\xa0 ")))


def looks_like_heading(element, text: str) -> bool:
    if element.tag in HEADING_TAGS:
        return True
    if len(text) > 120 or text.endswith((".", ",", ";")):
        return False
    if ITEM_RE.match(text):
        return True
    bold = element.xpath(".//b|.//strong|.//*[contains(translate(@style,'BOLD','bold'),'bold')]")
    all_bold = bold and len(clean(" ".join(b.text_content() for b in bold))) >= 0.9 * len(text)
    return bool(all_bold) or (text.isupper() and len(text) > 3)


def walk(element, out: Extracted) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in SKIP_TAGS or hidden(element):
        return
    if tag == "table":
        read_table(element, out)
        return
    has_blocks = any(
        isinstance(child.tag, str) and (child.tag in BLOCK_TAGS or child.tag == "table")
        for child in element.iterdescendants()
    )
    if tag in BLOCK_TAGS and not has_blocks:
        text = clean(element.text_content())
        if text:
            add_paragraph(element, text, out)
        return
    for child in element:
        walk(child, out)


def add_paragraph(element, text: str, out: Extracted) -> None:
    line = out.add_line(text)
    if looks_like_heading(element, text):
        out.heading = text
    else:
        out.blocks.append(Paragraph(text=text, lines=(line, line), heading=out.heading))
    out.recent = [*out.recent[-2:], text]


# Tables ---------------------------------------------------------------------------------------


@dataclass
class Slot:
    text: str
    header: bool
    element: object
    first: bool  # the slot where the cell starts (not a spanned copy)


def span_of(td, attribute: str) -> int:
    value = (td.get(attribute) or "1").strip()
    return max(1, min(int(value), 50)) if value.isdigit() else 1


def grid_of(table) -> list[list[Slot | None]]:
    """The table's cells on a grid, colspan and rowspan expanded."""
    grid: list[list[Slot | None]] = []
    pending: dict[tuple[int, int], Slot] = {}
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        if hidden(tr):
            continue
        row: list[Slot | None] = []
        for td in tr.xpath("./td|./th"):
            while (len(grid), len(row)) in pending:
                row.append(pending.pop((len(grid), len(row))))
            text = "" if hidden(td) else clean(td.text_content())
            for k in range(span_of(td, "colspan")):
                for d in range(1, span_of(td, "rowspan")):
                    pending[(len(grid) + d, len(row))] = Slot(text, td.tag == "th", td, False)
                row.append(Slot(text, td.tag == "th", td, k == 0))
        while (len(grid), len(row)) in pending:
            row.append(pending.pop((len(grid), len(row))))
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    return [r + [None] * (width - len(r)) for r in grid]


@dataclass
class Cell:
    start: int
    end: int
    text: str
    element: object = None


def logical_cells(row: list[Slot | None]) -> list[Cell]:
    """A row's distinct cells with their column spans, `$`/`(`/`)`/`%` joined to numbers."""
    cells: list[Cell] = []
    for col, slot in enumerate(row):
        if slot is None or not slot.text:
            continue
        if cells and cells[-1].element is slot.element and not slot.first:
            cells[-1].end = col
            continue
        cells.append(Cell(col, col, slot.text, slot.element))
    merged: list[Cell] = []
    for cell in cells:
        text = cell.text
        if (
            merged
            and text in (")", "%", ")%", "%)")
            and NUMBER_CELL_RE.match(merged[-1].text + text)
        ):
            merged[-1].text += text
            merged[-1].end = cell.end
            continue
        if merged and merged[-1].text in CURRENCY_ONLY | {"(", "$(", "($"}:
            previous = merged.pop()
            cell = Cell(previous.start, cell.end, f"{previous.text}{text}", cell.element)
        merged.append(cell)
    return merged


def number_text(text: str) -> tuple[str, str | None]:
    """("(1,511)", "$") from "$ (1,511)": the number as the filing parser reads it, and the
    currency sign it carried."""
    currency = next((c for c in CURRENCY_SIGNS if c in text), None)
    bare = text.replace(currency or "\x00", "").replace(" ", "")
    return bare, currency


def is_number(text: str) -> bool:
    bare, _ = number_text(text)
    value, nil = parse_value(bare.rstrip("%") if bare.endswith("%") and bare[:-1] else bare)
    return value is not None or nil


YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")


def is_data_row(cells: list[Cell]) -> bool:
    """A label and at least one number that is not a bare year (a header says "2024")."""
    numbers = [c.text for c in cells[1:] if is_number(c.text)]
    return len(cells) >= 2 and any(not YEAR_RE.match(n) for n in numbers)


def read_table(table, out: Extracted) -> None:
    grid = grid_of(table)
    rows = [logical_cells(r) for r in grid]
    data = [k for k, cells in enumerate(rows) if is_data_row(cells)]
    if not data:
        text = clean(table.text_content())
        if text:  # a layout table: its text is prose
            add_paragraph(table, text, out)
        return
    columns = value_columns([rows[k] for k in data])
    # The header ends with the last row above the first number that reaches a value column;
    # label-only rows after it ("Revenues:") open the body.
    first = data[0]
    reaches = [
        k
        for k in range(first)
        if any(c.start <= b and a <= c.end for c in rows[k] for a, b in columns)
    ]
    first = reaches[-1] + 1 if reaches else first
    header_rows = [r for r in rows[:first] if r]
    top_left = header_rows[0][0].text if header_rows and header_rows[0][0].start == 0 else ""
    caption = caption_for(table, top_left, out)
    context = " ".join([caption, *(c.text for r in header_rows for c in r), *out.recent[-3:]])
    scale = m.group(1).lower() if (m := SCALE_RE.search(context.replace("shares in", ""))) else None
    share_scale = m.group(1).lower() if (m := SHARE_SCALE_RE.search(context)) else None
    paths = column_paths(header_rows, columns, top_left)
    body: list[TableRow] = []
    parents: list[tuple[float, str]] = []
    body_rows = [cells for cells in rows[first:] if cells]
    indents = [indent_of(cells[0].element) for cells in body_rows]
    flat = len(set(indents)) <= 1
    for cells, first_indent in zip(body_rows, indents, strict=True):
        label_cell = cells[0] if cells[0].start < columns[0][0] else None
        raw_label = label_cell.text if label_cell else ""
        label = re.sub(r"\s*\[abstract\]\s*$", "", raw_label, flags=re.I).rstrip(":")
        indent = first_indent if label_cell else 0.0
        values = [c for c in cells if c is not label_cell and is_number(c.text)]
        if not values:
            if label:
                parents = [p for p in parents if p[0] < indent] if not flat else []
                parents.append((indent, label))
            continue
        line = out.add_line(" | ".join(c.text for c in cells))
        # A parent ending in ":" ("EARNINGS PER SHARE:") also heads rows at its own indent.
        row_parents = [p[1] for p in parents if flat or p[0] < indent]
        row_path = tuple([*row_parents, label] if label else row_parents)
        table_cells = []
        for cell in values:
            column = next(
                (k for k, (a, b) in enumerate(columns) if a <= cell.end and cell.start <= b), None
            )
            if column is None:
                continue
            bare, currency = number_text(cell.text)
            value, nil = parse_value(bare)
            table_cells.append(
                TableCell(
                    text=cell.text,
                    value=value,
                    nil=nil,
                    line=line,
                    column_path=paths[column],
                    currency=currency,
                )
            )
        if table_cells:
            body.append(
                TableRow(
                    label=label, row_path=row_path, cells=tuple(table_cells), lines=(line, line)
                )
            )
        if flat and TOTAL_LABEL_RE.match(label):
            parents = []  # without indentation, a total closes its heading's group
    if body:
        out.blocks.append(assembled_table(caption, paths, body, scale, share_scale))


def assembled_table(
    caption: str,
    paths: list[tuple[str, ...]],
    body: list[TableRow],
    scale: str | None,
    share_scale: str | None,
) -> Table:
    """A table of rows read from markup or page positions, its currency given to every
    amount."""
    body = with_currency(body, caption)
    return Table(
        caption=caption,
        columns=tuple(dict.fromkeys(paths)),
        rows=tuple(body),
        lines=(body[0].lines[0], body[-1].lines[1]),
        scale=scale,
        share_scale=share_scale,
    )


def with_currency(body: list[TableRow], caption: str) -> list[TableRow]:
    """Statements print `$` on the first and total rows only: the table's currency goes to
    every amount, except share counts and percentages."""
    signs = [c.currency for r in body for c in r.cells if c.currency]
    sign = signs[0] if signs else ("$" if re.search(r"USD|\$", caption) else None)
    if sign is None:
        return body
    out = []
    for row in body:
        cells = tuple(
            c
            if c.currency or row.counts_shares or c.text.endswith("%") or c.value is None
            else replace(c, currency=sign)
            for c in row.cells
        )
        out.append(replace(row, cells=cells))
    return out


def value_columns(rows: list[list[Cell]]) -> list[tuple[int, int]]:
    """Column spans numbers occupy, overlapping spans merged, left to right."""
    spans = sorted({(c.start, c.end) for cells in rows for c in cells[1:] if is_number(c.text)})
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def column_paths(
    header_rows: list[list[Cell]], columns: list[tuple[int, int]], top_left: str
) -> list[tuple[str, ...]]:
    paths = []
    for k, (a, b) in enumerate(columns):
        parts: list[str] = []
        for cells in header_rows:
            for cell in cells:
                if cell.text == top_left and cell.start == 0:
                    continue
                if cell.start <= b and a <= cell.end and cell.text not in parts:
                    parts.append(cell.text)
        paths.append(tuple(parts) or (f"Column {k + 1}",))
    return paths


def caption_for(table, top_left: str, out: Extracted) -> str:
    """An R page's title cell, else the heading or short paragraph just above the table."""
    if top_left and not is_number(top_left) and len(top_left) > 12:
        return top_left
    previous = out.recent[-1] if out.recent else ""
    if previous and len(previous) <= 40 and len(out.recent) >= 2:  # "(Unaudited)"
        previous = f"{out.recent[-2]} {previous}" if len(out.recent[-2]) <= 200 else previous
    if previous and len(previous) <= 250:
        return previous
    return out.heading or ""


# Entry point -----------------------------------------------------------------------------------


def html_source(raw: bytes, name: str) -> SourceText:
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(raw)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(name, f"not readable HTML ({error})") from error
    for br in root.iter("br"):  # a line break inside a cell separates words
        br.tail = " " + (br.tail or "")
    out = Extracted()
    walk(root, out)
    if not out.blocks:
        raise ParseError(
            name, "no text found in the HTML", hint="is it a page of scripts or images?"
        )
    return source_from_lines(raw, name, out.lines, blocks=tuple(out.blocks))
