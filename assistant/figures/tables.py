"""Figures in table cells: the row's label and the column's period, an opening balance and an
unnamed column set apart; the periods a document's tables state."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from assistant.chunking import Chunk
from assistant.documents.text import BARE_YEAR_RE, is_period_like
from assistant.figures.model import CURRENCIES, SCALES, Figure
from assistant.text.periods import (
    Period,
    fiscal_quarter,
    iso_date,
    parse_period,
    period_spans,
    periods_in,
)


def column_period(path: tuple[str, ...]) -> str | None:
    """The period a column header names; a date without its year takes the year from the
    level below ("Three Months Ended August 31," › "2024")."""
    named = next((p for p in path if is_period_like(p)), None)
    if named is None or (
        not BARE_YEAR_RE.match(named.strip()) and re.search(r"(?:19|20)\d{2}", named)
    ):
        return named
    year = next((p.strip() for p in path if BARE_YEAR_RE.match(p.strip()) and p != named), None)
    return f"{named.rstrip(', ')}, {year}" if year else named


# An opening balance ("Cash and cash equivalents at beginning of period") is the balance the
# previous period closed with: a prior figure in its column's period.
OPENING_BALANCE_RE = re.compile(
    r"\bbeginning of (?:the )?(?:period|year|quarter|fiscal year|month)\b|\bopening balance\b",
    re.I,
)


UNNAMED_COLUMN_RE = re.compile(r"^Column \d+$")


def table_figures(chunk: Chunk, default_period: str | None) -> list[Figure]:
    figures = []
    caption_periods = periods_in(chunk.heading or "")
    kind = "prior" if OPENING_BALANCE_RE.search(" ".join(chunk.row_path)) else "actual"
    cursor = 0
    for index, cell in enumerate(chunk.cells):
        if cell.value is None:
            continue
        rendered = f"{cell.column_path[-1]}: {cell.text}"
        at = chunk.text.find(rendered, cursor)
        start = at + len(rendered) - len(cell.text) if at >= 0 else chunk.text.find(cell.text)
        cursor = max(cursor, start + len(cell.text))
        unit = (
            "%"
            if cell.text.endswith("%")
            else CURRENCIES.get((cell.currency or "").lower(), "count")
        )
        scale = chunk.scale if unit != "%" else None  # a percentage is never scaled
        value = float(Decimal(str(cell.value)) * Decimal(str(SCALES.get(scale or "", 1.0))))
        period = column_period(cell.column_path) or next(
            (p for p in chunk.row_path if is_period_like(p)), None
        )
        stated = period is not None or bool(caption_periods)
        if period is None:
            found = [periods_in(p) for p in (*cell.column_path, *chunk.row_path)]
            flat = [v for f in found for _, v in f]
            period = (
                flat[0]
                if flat
                else (caption_periods[-1][1] if len(caption_periods) == 1 else default_period)
            )
            # Columns without a header: the first is the document's own period as statements
            # set it; the others are earlier periods nobody named.
            if (
                period == default_period
                and UNNAMED_COLUMN_RE.match(cell.column_path[-1])
                and any(c.value is not None for c in chunk.cells[:index])
            ):
                period = None
        figures.append(
            Figure(
                value=value,
                unit=unit,
                text=cell.text,
                span=(start, start + len(cell.text)),
                source="table",
                scale=scale,
                metric=" › ".join(chunk.row_path) or None,
                period=period,
                nil=cell.nil,
                row_path=chunk.row_path,
                column_path=cell.column_path,
                period_stated=stated or period != default_period,
                kind=kind,
            )
        )
    return figures


def stated_periods(
    figures: Sequence[tuple[Figure, ...]], own: str | None, fiscal_year_end: int | None = None
) -> tuple[str, ...]:
    """Every period a document's tables state figures for besides its own: a 10-K's
    comparative years, a release's prior-year column. A question about one of them is
    answered from the document when no document is of that period."""
    own_period = parse_period(own)
    found: set[Period] = set()
    for chunk in figures:
        for figure in chunk:
            # A table's column states its period for every row; a sentence's "up from Q3" or
            # guidance for next year states one metric's, and would answer nothing else of
            # that period (a guidance question reaches every call of its company anyway).
            if not figure.period or figure.nil or figure.source != "table":
                continue
            period = period_named(figure.period, fiscal_year_end)
            if period is None or period == own_period:
                continue
            if own_period and own_period.year and abs(period.year - own_period.year) > 10:
                continue  # "notes due 2039" dates a debt, not a period reported
            found.add(period)
    return tuple(p.label for p in sorted(found, key=Period.ordinal))


QUARTER_ENDED_RE = re.compile(
    r"\b(?:three months|quarters?|13 weeks|twelve weeks|12 weeks) ended\b\s*(.*)", re.I
)


def period_named(label: str, fiscal_year_end: int | None = None) -> Period | None:
    """The period a figure's label names: a quarter or year as written, a column's "Three
    Months Ended October 31, 2022" as its fiscal quarter, "Year Ended December 31, 2021" or
    a balance-sheet date as its year."""
    if (m := QUARTER_ENDED_RE.search(label)) and (date := iso_date(m.group(1))):
        return parse_period(fiscal_quarter(date[0], date[1], fiscal_year_end or 12))
    period = parse_period(label)
    if period is None:
        spans = period_spans(label)
        period = parse_period(spans[-1][2]) if spans else None
    if period is None or period.year is None:
        years = re.findall(r"\b(?:19|20)\d{2}\b", label)
        period = Period(int(years[-1])) if years else None
    return period if period is not None and period.year is not None else None
