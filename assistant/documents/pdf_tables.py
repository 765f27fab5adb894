"""Statement tables rebuilt from a PDF's positioned words.

A statement row is a label, a gap, and values set in columns ("Net revenues $ 9,795 $ 10,420
$ 8,894"). Columns are the right edges the values share (figures are right-aligned); the
header lines above the first row ("Year Ended December 31," over "2022 2021 2020") are laid
over those columns into column paths; the scale line ("(In millions, except per share
amounts)") is the table's scale; parentheses are negatives and a dash is nil; label-only
lines ("Operating expenses:") and indentation give row paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents.filing_tables import parse_value
from assistant.documents.html_tables import (
    CURRENCY_SIGNS,
    SCALE_RE,
    TOTAL_LABEL_RE,
    assembled_table,
    number_text,
)
from assistant.documents.model import Table, TableCell, TableRow
from assistant.documents.pdf_layout import LayoutLine
from assistant.documents.text import BARE_YEAR_RE

NIL_WORDS = {"—", "–", "-", "n/m", "nm", "n/a", "*"}
NUMBER_RE = re.compile(r"^\(?[-−]?\$?\(?\d(?:[\d,]*\d)?(?:\.\d+)?\)?%?\)?$")
FOOTNOTE_RE = re.compile(r"^(?:\(\d\)|\(\d\)\(\d\))+$")
YEARS_RE = re.compile(r"\b(?:19|20)\d{2}\b|\(\d\)")
SHARES_TOO_RE = re.compile(r"\bshares\s+in\s+(thousands|millions|billions)\b", re.I)
HEADER_WORDS_RE = re.compile(
    r"\b(?:ended|ending|months|quarters?|weeks|year|fiscal|as of|at|change|"
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|inc/|\(dec\)|percent|%)\b",
    re.I,
)
SENTENCE_END_RE = re.compile(r"[.;]$|[a-z]\.\)?$")
# The gap between a label and its first value, in line heights: wider than any word space.
LABEL_GAP = 0.9
MAX_LABEL_CHARS = 160


@dataclass
class Value:
    text: str
    x0: float
    x1: float
    currency: str | None = None


@dataclass
class RowLine:
    """A line split into its label and the values at its right end."""

    line: LayoutLine
    number: int  # its line number in the extracted text
    label: str
    label_x0: float
    values: list[Value] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        """Years over columns ("2022 2021 2020"), with at most a period phrase or footnote
        markers beside them."""
        years = [v for v in self.values if BARE_YEAR_RE.match(v.text)]
        if not years or not all(
            BARE_YEAR_RE.match(v.text) or FOOTNOTE_RE.match(v.text) for v in self.values
        ):
            return False
        label = FOOTNOTE_RE.sub("", YEARS_RE.sub("", self.label)).strip()
        return not label or bool(HEADER_WORDS_RE.search(label) or SCALE_RE.search(label))

    @property
    def is_data(self) -> bool:
        return bool(self.values) and not self.is_header


def is_value_word(text: str) -> bool:
    return bool(NUMBER_RE.match(text)) or text.lower() in NIL_WORDS


def split_row(line: LayoutLine, number: int) -> RowLine:
    """The values at the line's right end, each with the `$`, `(`, `)` and `%` set apart
    from it joined on."""
    words = list(line.words)
    values: list[Value] = []
    k = len(words)
    while k > 0:
        word = words[k - 1]
        text = word.text
        if text in ("%", ")", ")%", "%)") and k >= 2 and is_value_word(words[k - 2].text):
            joined = words[k - 2].text + text
            values.insert(0, Value(joined, words[k - 2].x0, word.x1))
            k -= 2
        elif is_value_word(text):
            values.insert(0, Value(text, word.x0, word.x1))
            k -= 1
        elif text in (*CURRENCY_SIGNS, "(", "$(") and values and k < len(words):
            first = values[0]
            values[0] = Value(text + first.text, word.x0, first.x1)
            k -= 1
        else:
            break
    label_words = words[:k]
    while (
        len(values) > 1
        and FOOTNOTE_RE.match(values[0].text)
        and label_words
        and (values[0].x0 - label_words[-1].x1) / line.height < LABEL_GAP
    ):
        k += 1  # a footnote marker set after the label ("Nonoperating income (1)")
        label_words = words[:k]
        values.pop(0)
    label = " ".join(w.text for w in label_words)
    if values and label_words:
        gap = (values[0].x0 - label_words[-1].x1) / line.height
        if gap < LABEL_GAP and (len(values) == 1 or SENTENCE_END_RE.search(label)):
            values = []  # a number inside prose ("... of 2,300 employees"), not a column
            label = line.text
    if len(label) > MAX_LABEL_CHARS:
        values, label = [], line.text
    for value in values:
        value.text, value.currency = number_text(value.text)
    x0 = label_words[0].x0 if label_words else (values[0].x0 if values else line.x0)
    return RowLine(line=line, number=number, label=label, label_x0=x0, values=values)


def columns_of(rows: list[RowLine]) -> list[tuple[float, float]]:
    """Column spans from the values' right edges: values within a line height of one
    another's right edge share a column."""
    values = sorted((v for r in rows if r.is_data for v in r.values), key=lambda v: v.x1)
    height = max((r.line.height for r in rows), default=10.0)
    columns: list[list[float]] = []
    for value in values:
        if columns and value.x1 - columns[-1][2] <= 0.9 * height:
            span = columns[-1]
            span[0], span[1], span[2] = min(span[0], value.x0), max(span[1], value.x1), value.x1
        else:
            columns.append([value.x0, value.x1, value.x1])
    return [(a, b) for a, b, _ in columns]


def column_of(value: Value, columns: list[tuple[float, float]]) -> int | None:
    if not columns:
        return None
    return min(range(len(columns)), key=lambda k: abs(columns[k][1] - value.x1))


def segments(line: LayoutLine) -> list[tuple[str, float, float]]:
    """Runs of words with word spaces between them: a header's cells."""
    out: list[tuple[str, float, float]] = []
    for k, word in enumerate(line.words):
        if out and line.gap_after(k - 1) < 0.8:
            text, x0, _ = out[-1]
            out[-1] = (f"{text} {word.text}", x0, word.x1)
        else:
            out.append((word.text, word.x0, word.x1))
    return out


def column_paths(
    header: list[LayoutLine], columns: list[tuple[float, float]]
) -> list[tuple[str, ...]]:
    """Each column's header cells, top-down. A cell over several columns heads them all; a
    period phrase left of the columns ("Quarters Ended March 31,") heads every column."""
    paths: list[list[str]] = [[] for _ in columns]
    if not columns:
        return []
    left_edge = columns[0][0]
    for line in header:
        for text, x0, x1 in segments(line):
            if SCALE_RE.search(text) or FOOTNOTE_RE.match(text):
                continue  # the scale is the table's; a footnote marker heads nothing
            if x1 < left_edge - line.height:
                if HEADER_WORDS_RE.search(text):
                    for path in paths:
                        path.append(text)
                continue
            over = [k for k, (a, b) in enumerate(columns) if x0 <= b + 2 and a - 2 <= x1]
            if not over:
                centre = (x0 + x1) / 2
                over = [min(range(len(columns)), key=lambda k: abs(sum(columns[k]) / 2 - centre))]
            for k in over:
                if text not in paths[k]:
                    paths[k].append(text)
    return [tuple(p) or (f"Column {k + 1}",) for k, p in enumerate(paths)]


def scale_of(texts: list[str]) -> tuple[str | None, str | None]:
    joined = " ".join(texts)
    share = m.group(1).lower() if (m := SHARES_TOO_RE.search(joined)) else None
    dollars_and_shares = re.search(r"dollars and shares in (\w+)", joined, re.I)
    if dollars_and_shares:
        share = dollars_and_shares.group(1).lower()
    found = SCALE_RE.search(SHARES_TOO_RE.sub("", joined))
    scale = found.group(1).lower() if found else share
    return scale, share


def build_table(
    caption: str, context: list[str], header: list[LayoutLine], rows: list[RowLine]
) -> Table | None:
    """One table from its caption, the lines above it, its header lines and its rows."""
    data = [r for r in rows if r.is_data]
    if len(data) < 2:
        return None
    columns = columns_of(rows)
    paths = column_paths(header, columns)
    scale, share_scale = scale_of([caption, *context, *(h.text for h in header)])
    indents = [r.label_x0 for r in rows if r.label]
    flat = not indents or max(indents) - min(indents) < 2
    parents: list[tuple[float, str]] = []
    body: list[TableRow] = []
    for row in rows:
        label = row.label.rstrip(":").strip()
        if not row.values:
            if label:
                parents = [] if flat else [p for p in parents if p[0] < row.label_x0 - 1]
                parents.append((row.label_x0, label))
            continue
        if not row.is_data:
            continue
        row_parents = [p[1] for p in parents if flat or p[0] < row.label_x0 - 1]
        row_path = tuple([*row_parents, label] if label else row_parents)
        cells = []
        for value in row.values:
            column = column_of(value, columns)
            if column is None:
                continue
            number, nil = parse_value(value.text.replace(" ", ""))
            if number is None and not nil:
                continue
            cells.append(
                TableCell(
                    text=value.text if not value.currency else f"{value.currency}{value.text}",
                    value=number,
                    nil=nil,
                    line=row.number,
                    column_path=paths[column],
                    currency=value.currency,
                )
            )
        if cells:
            lines = (row.number, row.number)
            body.append(TableRow(label=label, row_path=row_path, cells=tuple(cells), lines=lines))
        if flat and TOTAL_LABEL_RE.match(label):
            parents = []
    if len(body) < 2:
        return None
    return assembled_table(caption, paths, body, scale, share_scale)
