"""Tables rebuilt from HTML markup: the grid of spanned cells, header rows laid over the value
columns, currency signs and scale lines applied, each row's path and the table's caption."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.documents.filing_tables import parse_value
from assistant.documents.html_text import Extracted, add_paragraph, clean, hidden, indent_of
from assistant.documents.model import Table, TableCell, TableRow
from assistant.documents.text import BARE_YEAR_RE

SCALE_RE = re.compile(r"\bin\s+(thousands|millions|billions)\b", re.I)
SHARE_SCALE_RE = re.compile(r"\bshares?\s+in\s+(thousands|millions|billions)\b", re.I)
NUMBER_CELL_RE = re.compile(r"^\(?\$?\s*[-−]?\d[\d,]*(?:\.\d+)?\s*\)?\s*%?$|^[—–-]$")
CURRENCY_SIGNS = ("US$", "$", "€", "£", "¥")  # "US$" before "$": the longer sign first
CURRENCY_ONLY = set(CURRENCY_SIGNS)


TOTAL_LABEL_RE = re.compile(r"total\b", re.I)


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


def is_data_row(cells: list[Cell]) -> bool:
    """A label and at least one number that is not a bare year (a header says "2024")."""
    numbers = [c.text for c in cells[1:] if is_number(c.text)]
    return len(cells) >= 2 and any(not BARE_YEAR_RE.match(n) for n in numbers)


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
