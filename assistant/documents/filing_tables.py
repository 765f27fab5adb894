"""Tables of a filing's text export: value cells parsed (parentheses negative, dashes nil),
rows built from aligned columns, the header over them, each row's path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents.model import Paragraph, Table, TableCell, TableRow
from assistant.documents.text import YEAR_RE, collapse, is_period_like

VALUE_RE = re.compile(r"^\(?[-−]?\$?\d[\d,]*(?:\.\d+)?\)?%?$")
NIL_TEXTS = {"-", "—", "–", "nil", "—%", "-%"}
NOTE_MARKER_RE = re.compile(r"^\((?:[a-z]{1,4}|\d{1,2})\)$|^\*{1,3}$")
CURRENCY_RE = re.compile(
    r"^(?:RMB|CNY|US\$|USD|\$|HK\$|HKD|EUR|€|£|GBP|¥|JPY|RMB'000|RMB’000|US\$'000|%)$"
)
SCALE_RE = re.compile(r"\bin (thousands|millions|billions)\b", re.I)
NOTE_HEADER_RE = re.compile(r"^notes?$", re.I)
BULLET_RE = re.compile(r"^(?:[-–—•·]\s+)")
PREFIX_RE = re.compile(r"^(?:less|add|plus|including|of which)\s*:\s*", re.I)
TOTAL_LABELS = {"subtotal", "sub-total", "total"}
MAX_UPPER_HEADER_CHARS = 60
MAX_HEADING_CHARS = 100


@dataclass
class Cell:
    text: str
    start: int
    end: int


@dataclass
class Row:
    label: str
    start: int
    end: int
    values: list[tuple[str, float | None, bool, int, int]] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    width: int = 1


def parse_value(text: str) -> tuple[float | None, bool]:
    """(signed value, is_nil) of a cell; parentheses mean negative, a dash means nil."""
    if text.lower() in NIL_TEXTS:
        return 0.0, True
    if not VALUE_RE.match(text):
        return None, False
    negative = text.startswith("(") or text.startswith("-") or text.startswith("−")
    digits = re.sub(r"[^\d.]", "", text)
    try:
        value = float(digits)
    except ValueError:
        return None, False
    return (-value if negative else value), False


def is_value_text(text: str) -> bool:
    value, nil = parse_value(text)
    return value is not None or nil


def build_rows(cells: list[Cell]) -> list[Row]:
    rows: list[Row] = []
    pending_markers: list[str] = []
    for cell in cells:
        text = collapse(cell.text)
        current = rows[-1] if rows else None
        if not text:
            if current:
                current.width += 1
            continue
        if text == ")" and current and current.values:
            raw, value, nil, line, offset = current.values[-1]
            current.values[-1] = (raw + ")", value, nil, line, offset)
            current.end = cell.end
            current.width += 1
            continue
        if CURRENCY_RE.match(text):
            if current:
                current.currencies.append(text)
                current.end = cell.end
                current.width += 1
            continue
        if NOTE_MARKER_RE.match(text):
            # "(i)" after a row's values marks the title that follows ("(i) Allowance ...");
            # before any value it is the row's own note reference.
            if (
                current is not None
                and not current.values
                and not current.currencies
                and not current.markers
                and len(current.label) <= MAX_HEADING_CHARS
            ):
                current.markers.append(text)
                current.width += 1
            else:
                pending_markers.append(text)
            continue
        if is_value_text(text) and current is not None:
            value, nil = parse_value(text)
            current.values.append((text, value, nil, cell.start, current.width))
            current.end = cell.end
            current.width += 1
            continue
        row = Row(label=text, start=cell.start, end=cell.end)
        if pending_markers:
            row.markers.extend(pending_markers)
            pending_markers = []
        rows.append(row)
    return rows


def clean_label(label: str) -> str:
    text = BULLET_RE.sub("", collapse(label))
    text = PREFIX_RE.sub("", text).rstrip(":").strip()
    return text[:1].upper() + text[1:] if text else text


def column_spans(count: int, leaves: list[str]) -> list[range] | None:
    """Which leaf columns each of `count` spanning headers covers, when it can be told."""
    total = len(leaves)
    if count == 1:
        return [range(total)]
    if count <= 0 or count > total:
        return None
    if total % count == 0:
        width = total // count
        return [range(k * width, (k + 1) * width) for k in range(count)]
    for width in range(1, total // count + 1):
        block = leaves[:width]
        if all(leaves[k * width : (k + 1) * width] == block for k in range(count)):
            return [range(k * width, (k + 1) * width) for k in range(count)]
    return None


@dataclass
class Header:
    columns: list[tuple[str, ...]]
    currencies: list[str | None]
    caption_parts: list[str]
    scale: str | None


def build_header(zone: list[Row], leaf_count: int) -> Header:
    texts: list[str] = []
    caption_parts: list[str] = []
    currencies: list[str] = []
    for row in zone:
        currencies.extend(row.currencies)
        if row.markers and not row.values:
            caption_parts.append(f"{' '.join(row.markers)} {row.label}".strip())
            continue
        if NOTE_HEADER_RE.match(row.label):
            continue
        texts.append(collapse(row.label))
    leaves = texts[-leaf_count:] if leaf_count else []
    uppers = texts[: len(texts) - len(leaves)]
    kept: list[str] = []
    for text in reversed(uppers):
        if is_period_like(text) or len(text) <= MAX_UPPER_HEADER_CHARS:
            kept.insert(0, text)
        else:
            break
    caption_parts.extend(uppers[: len(uppers) - len(kept)])
    levels: list[list[str]] = []
    for text in kept:
        kind = is_period_like(text)
        if levels and is_period_like(levels[-1][0]) == kind:
            levels[-1].append(text)
        else:
            levels.append([text])
    paths: list[list[str]] = [[] for _ in leaves]
    for level in levels:
        spans = column_spans(len(level), leaves)
        if spans is None:
            caption_parts.extend(level)
            continue
        for text, span in zip(level, spans, strict=True):
            for k in span:
                paths[k].append(text)
    while len(leaves) < leaf_count:
        leaves.append(f"Column {len(leaves) + 1}")
        paths.append([])
    columns = [(*path, leaf) for path, leaf in zip(paths, leaves, strict=True)]
    if currencies and len(currencies) == len(columns):
        per_column: list[str | None] = list(currencies)
    else:
        per_column = [currencies[0] if currencies else None] * len(columns)
    scale_match = SCALE_RE.search(" ".join(texts + caption_parts))
    return Header(
        columns, per_column, caption_parts, scale_match.group(1).lower() if scale_match else None
    )


def row_paths(rows: list[Row]) -> list[tuple[str, ...]]:
    """Label paths from section headers (`Home equity loans:`), groups and bullets."""
    section: str | None = None
    group: str | None = None
    group_has_bullets = False
    paths: list[tuple[str, ...]] = []
    for row in rows:
        label = collapse(row.label)
        clean = clean_label(label)
        base = (section,) if section else ()
        if label.endswith(":"):
            section, group, group_has_bullets = clean, None, False
            paths.append((clean,))
            continue
        if not row.values:
            group, group_has_bullets = clean, False
            paths.append((*base, clean))
            continue
        if BULLET_RE.match(label) and group:
            group_has_bullets = True
            paths.append((*base, group, clean))
        elif clean.lower() in TOTAL_LABELS and group and group_has_bullets:
            paths.append((*base, group, clean))
            group, group_has_bullets = None, False
        else:
            paths.append((*base, clean))
            group, group_has_bullets = None, False
    # A dated total row ("As of December 31, 2023") closes the group of rows above it.
    since: list[int] = []
    for k, row in enumerate(rows):
        if row.values and is_period_like(row.label) and YEAR_RE.search(row.label):
            for j in since:
                paths[j] = (collapse(row.label), *paths[j])
            since = []
        elif row.values:
            since.append(k)
    return paths


def make_table(header: Header, body: list[Row], caption: str) -> Table:
    leaf_count = len(header.columns)
    full = next((r for r in body if len(r.values) == leaf_count), None)
    reference = [v[4] for v in full.values] if full else []
    paths = row_paths(body)
    rows: list[TableRow] = []
    for row, path in zip(body, paths, strict=True):
        if not row.values:
            continue
        if len(row.values) == leaf_count or not reference:
            slots = list(range(len(row.values)))
        else:
            slots = [
                min(range(leaf_count), key=lambda k, o=v[4]: abs(reference[k] - o))
                for v in row.values
            ]
        cells = []
        for (raw, value, nil, line, _), slot in zip(row.values, slots, strict=True):
            column = header.columns[slot] if slot < leaf_count else (f"Column {slot + 1}",)
            currency = header.currencies[slot] if slot < leaf_count else None
            cells.append(
                TableCell(
                    text=raw, value=value, nil=nil, line=line, column_path=column, currency=currency
                )
            )
        rows.append(
            TableRow(
                label=collapse(row.label),
                row_path=path,
                cells=tuple(cells),
                lines=(row.start, row.end),
            )
        )
    start = min([r.start for r in body])
    end = max([r.end for r in body])
    return Table(
        caption=caption,
        columns=tuple(header.columns),
        rows=tuple(rows),
        lines=(start, end),
        scale=header.scale,
    )


def is_header_zone(zone: list[Row]) -> bool:
    return any(r.currencies for r in zone) or any(is_period_like(r.label) for r in zone)


def tables_from_cells(
    cells: list[Cell], context: str, warnings: list[str], path: str
) -> tuple[list[Table], list[Paragraph], str | None, str]:
    """Tables in one run of cells, footnotes and the heading at its end, the caption carried on."""
    rows = build_rows(cells)
    segments: list[tuple[list[Row], list[Row]]] = []
    pending: list[Row] = []
    for row in rows:
        if not row.values:
            pending.append(row)
            continue
        if not segments or is_header_zone(pending):
            segments.append((pending, [row]))
        else:
            segments[-1][1].extend([*pending, row])
        pending = []
    tables: list[Table] = []
    carry_caption = context
    title_parts: list[str] = []
    for k, (zone, body) in enumerate(segments):
        is_title = (
            not is_header_zone(zone)
            and len(body) == 1
            and k + 1 < len(segments)
            and len(body[0].values) <= 1
        )
        if is_title:
            title_parts.extend(r.label for r in [*zone, *body])
            continue
        leaf_count = max(len(r.values) for r in body)
        header = build_header(zone, leaf_count)
        own = " ".join(dict.fromkeys([*title_parts, *header.caption_parts]))
        caption = collapse(f"{own} {carry_caption}" if own else carry_caption)
        title_parts = []
        table = make_table(header, body, caption)
        tables.append(table)
        carry_caption = caption
        for row in body:
            if row.values and len(row.values) < leaf_count:
                warnings.append(
                    f"{path}:{row.start}: row '{collapse(row.label)}' has {len(row.values)} of "
                    f"{leaf_count} cells; the table may be truncated"
                )
    leftover = pending if segments else rows
    titles = [r for r in leftover if len(r.label) <= MAX_HEADING_CHARS]
    notes = [r for r in leftover if len(r.label) > MAX_HEADING_CHARS]
    heading = " ".join(f"{' '.join(r.markers)} {r.label}".strip() for r in titles) or None
    footnotes = [
        Paragraph(text=collapse(f"{' '.join(r.markers)} {r.label}"), lines=(r.start, r.end))
        for r in notes
    ]
    return tables, footnotes, heading, carry_caption
