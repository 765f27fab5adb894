"""The typed shape of a parsed document: what every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.documents.text import PER_SHARE_RE, SHARES_RE

DocType = Literal["transcript", "filing", "notes"]
Role = Literal["management", "analyst", "operator", "unknown"]
Section = Literal["prepared_remarks", "qa"]

SECTION_TITLES: dict[str, str] = {"prepared_remarks": "Prepared remarks", "qa": "Q&A"}


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str | None = None
    role: Role = "unknown"
    firm: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of prose with its place in the source and in the call."""

    text: str
    lines: tuple[int, int]
    speaker: Speaker | None = None
    section: Section | None = None
    exchange: int | None = None
    turn: int | None = None
    translation: str | None = None
    translation_lines: tuple[int, int] | None = None
    flags: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    heading: str | None = None


@dataclass(frozen=True)
class TableCell:
    text: str
    value: float | None
    nil: bool
    line: int
    column_path: tuple[str, ...]
    currency: str | None = None


@dataclass(frozen=True)
class TableRow:
    label: str
    row_path: tuple[str, ...]
    cells: tuple[TableCell, ...]
    lines: tuple[int, int]

    @property
    def counts_shares(self) -> bool:
        """A row of share counts ("Diluted weighted average shares"), even under an
        "Earnings per share" heading: its own label decides, else the nearest heading above it
        that speaks of shares or a per-share amount ("Weighted average shares outstanding ›
        Diluted" counts shares, "Earnings per share › Diluted" does not)."""
        own = self.label or (self.row_path[-1] if self.row_path else "")
        for label in (own, *reversed(self.row_path[:-1])):
            if SHARES_RE.search(label):
                return True  # "Shares used in computing earnings per share" counts shares
            if PER_SHARE_RE.search(label):
                return False
        return False


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[tuple[str, ...], ...]
    rows: tuple[TableRow, ...]
    lines: tuple[int, int]
    scale: str | None = None
    share_scale: str | None = None  # "shares in Thousands" beside "$ in Millions"

    def cell(self, row_path: tuple[str, ...], column_path: tuple[str, ...]) -> TableCell | None:
        """The cell whose row path ends with `row_path` and column path contains `column_path`."""
        for row in self.rows:
            if tuple(row.row_path[-len(row_path) :]) != tuple(row_path):
                continue
            for cell in row.cells:
                if all(part in cell.column_path for part in column_path):
                    return cell
        return None


Block = Paragraph | Table


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    doc_type: DocType
    source: str
    sha256: str
    company: str | None = None
    period: str | None = None
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    date: str | None = None
    languages: tuple[str, ...] = ("en",)
    blocks: tuple[Block, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    warnings: tuple[str, ...] = ()
    line_count: int = 0
    recognised: tuple[str, ...] = field(default=())
    line_pages: tuple[int, ...] = ()  # a PDF's page of each extracted line
    page_count: int = 0
    fiscal_year_end: int | None = None  # the month a filing's fiscal year ends in

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def exchanges(self) -> int:
        return len({p.exchange for p in self.paragraphs if p.exchange is not None})
