"""Guidance against results ("Did Citi deliver the 2024 revenue it guided to?"): the guidance
each earlier call gave for the period and the result a later document states, all cited, and
where they meet the difference, marked as computed with its inputs. A result the documents
do not state is said to be missing, never inferred."""

from __future__ import annotations

import re

from assistant.answers.answer_model import Answer
from assistant.answers.ledger import (
    LedgerRow,
    base_key,
    chunk_rows,
    named_metric,
    plainly_named,
    rows_of,
    select,
)
from assistant.answers.series import Quoted, SeriesPoint, documents_of, figure_of, quote
from assistant.library import Store
from assistant.search.query import Query
from assistant.text.periods import Period, parse_period, periods_in

DELIVERY_RE = re.compile(
    r"\b(?:deliver(?:ed)?|meet|met|beat|miss(?:ed)?|hit|achieve[ds]?|land(?:ed)?)\b[^?]*"
    r"\b(?:guid\w*|outlook|forecast)\b|"
    r"\bguid\w*\b[^?]*\b(?:vs\.?|versus|against|compared (?:to|with)|"
    r"and (?:the )?(?:actual|results?))\b|"
    r"\b(?:against|versus|vs\.?) (?:its|their|the) (?:guidance|outlook)\b",
    re.I,
)


def asks_guidance_vs_result(text: str) -> bool:
    return bool(DELIVERY_RE.search(text))


def compose_delivery(store: Store, query: Query, base: Answer) -> Answer | None:
    scope = query.scope
    metric = named_metric(query.text)
    if metric is None or len(scope.companies) != 1:
        return None
    company = scope.companies[0]
    docs = documents_of(store, company)
    rows = [r for r in select(rows_of(store), metric=base_key(metric)) if r.doc_id in docs]
    target = asked_period(query.text) or latest_guided(rows)
    if target is None:
        return None
    same = [r for r in rows if parse_period(r.period) == target]
    guided = sorted(
        (r for r in same if r.kind == "guidance" and said_before(docs.get(r.doc_id), target)),
        key=lambda r: (ordinal(docs.get(r.doc_id)), not plainly_named(r)),
    )
    if not guided:
        return None
    guided = first_per_document(guided)
    position = chunk_rows(store)

    def point(row: LedgerRow) -> SeriesPoint:
        return SeriesPoint(target.label, row, position[row.chunk_id])

    def said(row: LedgerRow) -> str:
        return quote(store, point(row), figure_of(store, point(row)))

    results = [
        r
        for r in same
        if r.kind == "actual"
        and r.unit == guided[0].unit
        and not r.change
        and not (target.is_year and PART_OF_YEAR_RE.search(said(r)))
    ]
    result = max(results, key=lambda r: result_score(r, docs, target), default=None)
    quoted = Quoted(store)
    lines = [f"{company} · {metric} for {target.label}: guidance and result"]
    for row in [*guided, *([result] if result else [])]:
        n, sentence = quoted.add(point(row), company, metric)
        call = store.documents[row.doc_id].title
        what = "Guided" if row.kind == "guidance" else "Result"
        lines.append(f"{what} ({call}): {row.text} — “{sentence}” [{n}]")
    computed: tuple[dict, ...] = ()
    if result is None:
        lines.append(f"The documents do not state the {target.label} result.")
    else:
        computed = (difference(guided[-1], result, quoted.numbers, position),)
        lines.append(
            f"Computed from [{computed[0]['inputs'][0]}] and [{computed[0]['inputs'][1]}]: "
            f"{computed[0]['text']}."
        )
    return quoted.answer(base, lines, computed=computed)


# A year-to-date figure is not the year's result.
PART_OF_YEAR_RE = re.compile(
    r"\b(?:year[- ]to[- ]date|ytd|so far this year|first (?:half|nine months|six months))\b", re.I
)


def asked_period(text: str) -> Period | None:
    found = [p for p in (parse_period(label) for _, label in periods_in(text)) if p and p.year]
    return found[-1] if found else None


def latest_guided(rows: list[LedgerRow]) -> Period | None:
    periods = [parse_period(r.period) for r in rows if r.kind == "guidance"]
    dated = [p for p in periods if p and p.year]
    return max(dated, key=Period.ordinal) if dated else None


def ordinal(period: Period | None) -> float:
    return period.ordinal() if period and period.year else float("inf")


def said_before(own: Period | None, target: Period) -> bool:
    """Guidance for a period comes from a call before its results: an earlier quarter of a
    year (or the year before), or an earlier quarter for a quarter."""
    if own is None or own.year is None:
        return False
    if target.is_year:
        return own.year < target.year or (own.year == target.year and (own.quarter or 4) < 4)
    return own.ordinal() < target.ordinal()


def first_per_document(rows: list[LedgerRow]) -> list[LedgerRow]:
    """One guidance figure per call (its plainest), in call order."""
    seen: dict[str, LedgerRow] = {}
    for row in rows:
        seen.setdefault(row.doc_id, row)
    return list(seen.values())


def result_score(row: LedgerRow, docs: dict[str, Period | None], target: Period) -> tuple:
    """The result is stated by the period's own document (for a year: its fourth-quarter
    call or annual report), named plainly, first said."""
    own = docs.get(row.doc_id)
    reports = own == target or (
        target.is_year and own is not None and own.year == target.year and own.quarter == 4
    )
    return (reports, plainly_named(row))


def difference(guided: LedgerRow, result: LedgerRow, numbers, position) -> dict:
    """Where the result lands against the latest guidance: inside its range, or above or
    below it (or a point) by how much. Computed, so it says so and names its inputs."""
    low, high = guided.value, guided.high if guided.high is not None else guided.value
    inputs = [numbers[position[guided.chunk_id]], numbers[position[result.chunk_id]]]
    if low <= result.value <= high and guided.high is not None:
        gap, text = 0.0, f"{result.text} is within the guided {guided.text}"
    elif result.value > high:
        gap = result.value - high
        text = f"{result.text} is {amount(gap, result.unit)} above the guided {guided.text}"
    else:
        gap = result.value - low
        text = f"{result.text} is {amount(-gap, result.unit)} below the guided {guided.text}"
    return {
        "label": "result minus guidance",
        "value": gap,
        "unit": result.unit,
        "text": text,
        "inputs": inputs,
        "computed": True,
    }


def amount(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.2g} percentage points"
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f} {word} {unit}".replace(".00 ", " ")
    return f"{value:,.2f} {unit}"
