"""Questions across periods ("How did Citi's CET1 ratio move through 2024?", "ResMed's revenue
in each quarter"): one figure per period from the ledger, each quoting its own passage, and the
asked periods the documents do not cover listed as missing, never filled in."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from assistant.answers.answer_model import Answer, Citation, citation_of
from assistant.answers.ledger import (
    LedgerRow,
    base_key,
    chunk_rows,
    named_metric,
    plainly_named,
    readable_metric,
    rows_of,
    select,
)
from assistant.figures import Figure, sentence_bounds
from assistant.library import Store
from assistant.search.figure_choice import CitedFigure
from assistant.search.query import Query
from assistant.text.periods import Period, parse_period, periods_in

SERIES_RE = re.compile(
    r"\b(?:trend(?:s|ed)?|each (?:quarter|year|period)|every quarter|quarter by quarter|"
    r"quarter after quarter|over (?:the )?(?:last|past) (?:\w+ )?(?:quarters|years)|"
    r"through(?:out)? (?:fiscal |FY)?(?:19|20)\d{2}|across (?:the )?(?:quarters|periods|year)|"
    r"from (?:Q[1-4]|FY)\s?(?:(?:19|20)\d{2} )?to (?:Q[1-4]|FY)|over time|series|history of)\b",
    re.I,
)
COMPARE_RE = re.compile(
    r"\b(?:compare[ds]?|comparison|versus|vs\.?|against|relative to|both|each of)\b", re.I
)
# "How did X move" asks across periods only when it names more than one quarter (or a year).
MOVE_RE = re.compile(r"\b(?:move|moved|change|changed|evolve|evolved|develop|developed)\b", re.I)


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    row: LedgerRow
    store_row: int


@dataclass(frozen=True)
class Series:
    company: str
    metric: str
    points: tuple[SeriesPoint, ...]
    missing: tuple[str, ...]


def asks_for_series(text: str) -> bool:
    if SERIES_RE.search(text):
        return True
    if MOVE_RE.search(text):
        periods = asked_periods(text)
        return bool(periods and len(periods) > 1)
    return False


def asked_periods(text: str) -> list[Period] | None:
    """The quarters asked: a range ("from Q2 2021 to Q1 2022"), a year's quarters ("through
    2024", "each quarter of 2023"), the quarters named; None when the question names none."""
    found = [p for p in (parse_period(label) for _, label in periods_in(text)) if p and p.year]
    if not found:
        return None
    quarters = [p for p in found if p.quarter]
    if len(quarters) == 2 and re.search(r"\bfrom\b.*\bto\b|\bbetween\b", text, re.I):
        first, last = sorted(quarters, key=Period.ordinal)
        out, step = [], first
        while step.ordinal() <= last.ordinal() and len(out) < 40:
            out.append(step)
            q = (step.quarter or 0) % 4 + 1
            step = Period(step.year + (1 if q == 1 else 0) if step.year else None, q)
        return out
    out = []
    for p in found:
        out.extend([Period(p.year, q) for q in (1, 2, 3, 4)] if p.is_year else [p])
    return sorted(set(out), key=Period.ordinal)


def build_all(store: Store, query: Query) -> list[Series]:
    """One series per company the question names, for the metric it names; none when it
    names no company or no metric the ledger knows."""
    metric = named_metric(query.text)
    if not query.scope.companies or metric is None:
        return []
    found = (build_series(store, query, company, metric) for company in query.scope.companies)
    return [series for series in found if series is not None]


def compares_companies(query: Query) -> bool:
    """ "Compare Citi and UBS's CET1 ratio in Q2 2024": several companies, one metric."""
    return len(query.scope.companies) > 1 and bool(COMPARE_RE.search(query.text))


def build_series(store: Store, query: Query, company: str, metric: str) -> Series | None:
    """One figure per asked period for one company and metric, or None when the ledger has
    none of it."""
    own = documents_of(store, company)
    rows = [
        r
        for r in select(rows_of(store), metric=base_key(metric))
        if r.doc_id in own and r.kind == "actual" and r.period
    ]
    if not rows:
        return None
    unit = level_unit(rows, query)
    position = chunk_rows(store)
    by_period: dict[Period, list[LedgerRow]] = {}
    for r in rows:
        p = parse_period(r.period)
        if p and p.quarter and p.year and r.unit == unit:
            by_period.setdefault(p, []).append(r)
    wanted = asked_periods(query.text) or sorted(by_period, key=Period.ordinal)
    points, missing = [], []
    for period in wanted:
        found = by_period.get(period, [])
        if not found:
            missing.append(period.label)
            continue
        best = max(
            found,
            key=lambda r: (
                *point_score(r, metric, own.get(r.doc_id), period),
                -position[r.chunk_id],  # the first said: headline figures come first
            ),
        )
        points.append(SeriesPoint(period.label, best, position[best.chunk_id]))
    if not points:
        return None
    return Series(company, metric, tuple(points), tuple(missing))


def documents_of(store: Store, company: str) -> dict[str, Period | None]:
    """The company's documents (a ticker stands for a company with no name) and their own
    periods."""
    return {
        d.doc_id: parse_period(d.period)
        for d in store.documents.values()
        if d.company == company or (d.company is None and d.ticker == company)
    }


def level_unit(rows: list[LedgerRow], query: Query) -> str:
    """The unit the metric's level is stated in: the asked one, else the most common (a
    ratio in %, revenue in money), never basis points, which move a level."""
    counts = Counter(r.unit for r in rows if r.unit != "bps" and r.change is None)
    # "How did it move" expects a change in %, but a series shows levels.
    asked = set() if query.change_intent else {u for u in query.units if u != "bps"}
    for unit, _ in counts.most_common():
        if not asked or unit in asked:
            return unit
    return rows[0].unit


def point_score(row: LedgerRow, metric: str, own: Period | None, period: Period) -> tuple:
    """Which of a period's figures is its level: from that period's own document, a level
    rather than a change, with the asked qualifiers, a figure stated for the quarter, first
    said."""
    return (own == period, row.change is None, row.metric == metric, plainly_named(row))


class Quoted:
    """The passages an answer across periods quotes, each cited once and numbered in the
    order it is first quoted, with the figure, sentence and `series` item of each point."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.citations: list[Citation] = []
        self.numbers: dict[int, int] = {}  # store row -> [n]
        self.figures: list[CitedFigure] = []
        self.items: list[dict] = []

    def add(self, point: SeriesPoint, company: str, metric: str) -> tuple[int, str]:
        """[n] of the point's passage, and the sentence that states its figure."""
        store = self.store
        if point.store_row not in self.numbers:
            n = self.numbers[point.store_row] = len(self.citations) + 1
            chunk = store.chunks[point.store_row]
            self.citations.append(citation_of(n, chunk, store.documents[chunk.doc_id], 1.0))
        n = self.numbers[point.store_row]
        figure = figure_of(store, point)
        if figure is not None:
            self.figures.append(CitedFigure(figure, n, point.row.chunk_id, 1.0))
        row = point.row
        self.items.append(
            {
                "company": company,
                "metric": metric,
                "period": point.period,
                "value": row.value,
                "unit": row.unit,
                "text": row.text,
                "kind": row.kind,
                "citation": n,
            }
        )
        return n, quote(store, point, figure)

    def answer(self, base: Answer, lines: list[str], **more) -> Answer:
        return replace(
            base,
            answer="\n".join(lines),
            found=True,
            figures=tuple(self.figures),
            citations=tuple(self.citations),
            series=tuple(self.items),
            **more,
        )


def compose_series(store: Store, query: Query, base: Answer) -> Answer | None:
    """The answer to a question across periods: a line per period quoting its passage with
    its [n], the missing periods said, and `series` in the answer; None when the ledger cannot
    answer it (the usual answer is given instead)."""
    found = build_all(store, query)
    if not found:
        return None
    several = len(found) > 1
    quoted = Quoted(store)
    lines, missing = [], []
    for series in found:
        for point in series.points:
            n, said = quoted.add(point, series.company, series.metric)
            loss = " (a loss)" if point.row.value < 0 else ""
            who = f"{series.company} · " if several else ""
            lines.append(f"{who}{point.period}: {point.row.text}{loss} — “{said}” [{n}]")
        missing += [f"{series.company} {p}" if several else p for p in series.missing]
    metric = readable_metric(found[0].metric)
    head = (
        f"{metric}: {', '.join(s.company for s in found)}"
        if several
        else f"{found[0].company} · {metric} by quarter:"
    )
    named = set(query.scope.companies) - {s.company for s in found}
    tail = [f"Not in the documents: {', '.join(missing)}."] if missing else []
    tail += [f"No {metric} figures for {', '.join(sorted(named))}."] if named else []
    return quoted.answer(base, [head, *lines, *tail], missing_periods=tuple(missing))


def quote(store: Store, point: SeriesPoint, figure: Figure | None) -> str:
    """The sentence (or table row) that states the point's figure."""
    chunk = store.chunks[point.store_row]
    if chunk.kind == "table_row" or figure is None or figure.source != "text":
        head = " › ".join(chunk.row_path)
        return f"{head} — {point.row.text}" if head else chunk.text
    start, end = sentence_bounds(chunk.text, figure.span[0])
    return chunk.text[start:end].strip()


def figure_of(store: Store, point: SeriesPoint) -> Figure | None:
    """The extracted figure a ledger row was made from (a loss's row holds its negative)."""
    for figure in store.figures[point.store_row]:
        if figure.text == point.row.text and abs(figure.value) == abs(point.row.value):
            return figure
    return None
