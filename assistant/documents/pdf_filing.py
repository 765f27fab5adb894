"""A filing or earnings release set as PDF, read as one: paragraphs under their Items and
headings, and statement tables rebuilt from word positions (`pdf_tables`).

Which reader a PDF gets is decided from its text first (`pdf_kind`): an SEC cover page, Items
and statement tables make a report; an operator, speaker turns and a Q&A make a call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.documents.cover import COVER_OPENING, cover_form
from assistant.documents.model import Paragraph, Table
from assistant.documents.pdf_layout import LayoutLine
from assistant.documents.pdf_tables import (
    HEADER_WORDS_RE,
    SCALE_RE,
    RowLine,
    build_table,
    split_row,
)

ITEM_RE = re.compile(r"^(?:part\s+[ivx]+\b|item\s+\d{1,2}[a-c]?\b)\.?", re.I)
STATEMENT_TITLE_RE = re.compile(
    r"\b(?:consolidated|condensed|combined)\b.*\b(?:statements?|balance sheets?)\b|"
    r"\bstatements? of (?:income|operations|earnings|cash flows|comprehensive|financial|"
    r"shareholders|stockholders|changes)\b|\bbalance sheets?\b",
    re.I,
)
OPERATOR_RE = re.compile(r"^\s*operator\b|\boperator\s*:|\bconference operator\b", re.I | re.M)
QA_RE = re.compile(
    r"\bquestion[- ]and[- ]answer\b|\bq\s?&\s?a\b|\bquestions and answers\b|"
    r"\bopen (?:up )?the (?:line|floor) for questions\b",
    re.I,
)
RELEASE_RE = re.compile(
    r"\b(?:news release|press release|for immediate release|exhibit 99\.1|reports?\b.{0,60}"
    r"\bresults|announces\b.{0,60}\bresults)\b",
    re.I,
)
BULLET_RE = re.compile(r"^[•▪●◦■\-–]\s")
HEADING_END_RE = re.compile(r"[.,;:]$")  # a line ending so goes on: not a heading
PARAGRAPH_GAP = 1.75  # line heights from one line's top to the next's: a new paragraph
MAX_HEADING_CHARS = 90
SCALE_LOOKBACK = 8  # lines above a table read for its scale
MAX_HEADER_LINES = 9  # "Three Months Ended" / "June 30," / "Six Months Ended" / ... / years


@dataclass(frozen=True)
class PdfKind:
    kind: str  # "report" (10-K, 10-Q, 20-F), "current report" (8-K), "release", "call"
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def is_filing(self) -> bool:
        return self.kind != "call"


def pdf_kind(lines: list[str], speaker_lines: int) -> PdfKind:
    """What the PDF is, from its text, with the signals that decided it; a warning when
    signals of a call and of a filing are both strong."""
    form = cover_form(lines)
    items = sum(1 for line in lines if ITEM_RE.match(line))
    statements = sum(1 for line in lines if STATEMENT_TITLE_RE.search(line) and len(line) < 100)
    release = bool(RELEASE_RE.search("\n".join(lines[:COVER_OPENING])))
    filing = [
        *([f"SEC cover page (Form {form})"] if form else []),
        *([f"{items} Item headings"] if items >= 2 else []),
        *([f"{statements} statement titles"] if statements else []),
        *(["an earnings-release opening"] if release else []),
    ]
    text = "\n".join(lines)
    operators = len(OPERATOR_RE.findall(text))
    has_qa = bool(QA_RE.search(text))
    call = [
        *([f"operator ×{operators}"] if operators else []),
        *(["a Q&A"] if has_qa else []),
        *([f"{speaker_lines} speaker lines"] if speaker_lines >= 2 else []),
    ]
    call_strength = int(speaker_lines >= 4) + int(operators >= 1) + int(has_qa)
    filing_strength = int(items >= 2) + int(statements >= 2) + int(release)
    if form:
        kind = FORM_KINDS.get(form, "report")
        warnings = (
            (f"read as a {kind}, though it also has {', '.join(call)}",)
            if call_strength >= 3
            else ()
        )
        return PdfKind(kind, tuple(filing), warnings)
    if call_strength >= 2 and call_strength >= filing_strength:
        warnings = (
            (f"read as a call, though it also has {', '.join(filing)}",)
            if filing_strength >= 2
            else ()
        )
        return PdfKind("call", tuple(call), warnings)
    if filing_strength >= 1:
        return PdfKind("release" if release else "report", tuple(filing))
    return PdfKind("call", tuple(call) or ("no filing signals",))


FORM_KINDS = {"8-K": "current report", "6-K": "current report"}


@dataclass
class FilingText:
    lines: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    blocks: list[Paragraph | Table] = field(default_factory=list)


def is_heading(text: str) -> bool:
    if ITEM_RE.match(text):
        return len(text) <= 160
    if len(text) > MAX_HEADING_CHARS or HEADING_END_RE.search(text) or BULLET_RE.match(text):
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4:
        return False
    if text.isupper() or STATEMENT_TITLE_RE.search(text):
        return True
    words = [w for w in re.findall(r"[A-Za-z][\w'’&-]*", text) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words) and len(text) <= 70


class FilingReader:
    """Walks the pages' lines once, emitting paragraphs and tables with their line numbers."""

    def __init__(self) -> None:
        self.out = FilingText()
        self.item: str | None = None
        self.heading: str | None = None
        self.paragraph: list[int] = []  # line numbers of the paragraph being read
        self.recent: list[str] = []
        # The last table's header lines, with their page and caption.
        self.last_header: tuple[int, list[LayoutLine], str] | None = None

    def add_line(self, line: LayoutLine) -> int:
        self.out.lines.append(line.text)
        self.out.pages.append(line.page)
        return len(self.out.lines)

    def section(self) -> str | None:
        parts = [p for p in (self.item, self.heading) if p]
        return " › ".join(dict.fromkeys(parts)) or None

    def flush(self) -> None:
        if not self.paragraph:
            return
        first, last = self.paragraph[0], self.paragraph[-1]
        text = join_lines(self.out.lines[first - 1 : last])
        self.out.blocks.append(Paragraph(text=text, lines=(first, last), heading=self.section()))
        self.recent = [*self.recent[-3:], text]
        self.paragraph = []

    def read_page(self, lines: list[LayoutLine]) -> None:
        rows = [split_row(line, 0) for line in lines]
        tables = table_spans(rows)
        k = 0
        previous: LayoutLine | None = None
        while k < len(lines):
            span = next((s for s in tables if s[0] == k), None)
            if span is not None:
                self.flush()
                self.read_table(lines, rows, *span)
                k, previous = span[1], None
                continue
            line, text = lines[k], lines[k].text
            if is_heading(text):
                self.flush()
                self.add_line(line)
                if ITEM_RE.match(text) and text.lower().startswith("item"):
                    self.item, self.heading = text, None
                else:
                    self.heading = text
                self.recent = [*self.recent[-3:], text]
            else:
                starts_new = (
                    previous is None
                    or previous.top - line.top > PARAGRAPH_GAP * line.height
                    or BULLET_RE.match(text)
                )
                if starts_new:
                    self.flush()
                self.paragraph.append(self.add_line(line))
            previous = line
            k += 1
        self.flush()

    def read_table(
        self, lines: list[LayoutLine], rows: list[RowLine], start: int, end: int
    ) -> None:
        first_data = next(k for k in range(start, end) if rows[k].is_data)
        header_end = start
        for k in range(start, first_data):
            if is_header_line(rows[k]):
                header_end = k + 1
        header = [lines[k] for k in range(start, header_end)]
        caption_lines = [h.text for h in header if not HEADER_WORDS_RE.search(h.text)]
        titles = [t for t in [*self.recent, *caption_lines] if len(t) <= MAX_HEADING_CHARS + 30]
        caption = next(
            (t for t in reversed(titles) if STATEMENT_TITLE_RE.search(t)),
            self.heading or (titles[-1] if titles else ""),
        )
        numbered: list[RowLine] = []
        for k in range(start, end):
            number = self.add_line(lines[k])
            if k >= header_end:
                numbered.append(replace(rows[k], number=number))
        page = lines[start].page
        if not header and self.last_header and page - self.last_header[0] <= 1:
            # A statement that goes on after a break, or onto the next page, keeps its columns.
            header, caption = self.last_header[1], caption or self.last_header[2]
        if header:
            self.last_header = (page, header, caption)
        # The scale line may sit a few lines above the header ("Dollars in millions").
        above = [line.text for line in lines[max(0, start - SCALE_LOOKBACK) : start]]
        context = [*self.recent[-3:], *(t for t in above if len(t) <= MAX_HEADING_CHARS + 30)]
        table = build_table(caption, context, header, numbered)
        if table is None:  # too few rows: the lines stay prose
            first = len(self.out.lines) - (end - start) + 1
            self.out.blocks.append(
                Paragraph(
                    text=join_lines(self.out.lines[first - 1 :]),
                    lines=(first, len(self.out.lines)),
                    heading=self.section(),
                )
            )
            return
        self.out.blocks.append(table)


def is_header_line(row: RowLine) -> bool:
    """Years, a period phrase ("Three Months Ended October 31,") or the scale line."""
    text = row.line.text
    return row.is_header or (
        not row.values
        and len(text) < 160
        and not text.endswith(".")
        and bool(HEADER_WORDS_RE.search(text) or SCALE_RE.search(text))
    )


def table_spans(rows: list[RowLine]) -> list[tuple[int, int]]:
    """[start, end) of each table on a page: header lines just above its first row, then rows
    and label lines until prose or a new header."""
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(rows):
        if not rows[k].is_data:
            k += 1
            continue
        start = k
        floor = spans[-1][1] if spans else 0
        labels_above = 0
        while start > floor and k - start < MAX_HEADER_LINES:
            above = rows[start - 1]
            if is_header_line(above):
                start -= 1
            elif is_label_line(above) and labels_above < 2:
                start -= 1
                labels_above += 1
            else:
                break
        while start < k and not is_header_line(rows[start]) and labels_above:
            start += 1  # label lines above no header belong to the prose
            labels_above -= 1
        end = k + 1
        labels = 0
        while end < len(rows):
            row = rows[end]
            if row.is_data:
                labels = 0
            elif row.is_header:
                break
            elif is_label_line(row) and labels < 3:
                labels += 1
            else:
                break
            end += 1
        while end > k + 1 and not rows[end - 1].is_data:
            end -= 1
        if sum(1 for r in rows[k:end] if r.is_data) >= 2:
            spans.append((start, end))
        k = end
    return spans


def is_label_line(row: RowLine) -> bool:
    """A row heading without values ("Operating expenses:", "Revenues")."""
    text = row.line.text
    limit = 160 if text.endswith(":") else 80  # "Adjustments to reconcile net income ...:"
    return not row.values and len(text) <= limit and not re.search(r"[.;]$", text)


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one text, a word split at a line end joined."""
    out = ""
    for line in lines:
        if out.endswith("-") and re.search(r"[a-z]{2}-$", out) and re.match(r"[a-z]{2}", line):
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out
