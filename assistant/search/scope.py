"""Which companies, periods and documents a question is about, resolved once per question
against the indexed documents.

A company is named by its name, an alias (short, legal or possessive form) or its ticker;
a ticker in lower case counts only when it is not an ordinary word of the index. A period is
explicit ("Q3 2021", "third quarter of 2022", "FY24") or relative ("last quarter": the
company's latest indexed call). A name that looks like a company but is not indexed, or a
period that the company's documents do not cover, is reported as missing, never replaced by
another company's documents.
The companies and documents to resolve against are the index's `catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.search.catalog import SENTENCE_START_RE, Catalog, CompanyEntry, named_by
from assistant.text.periods import AskedPeriods, Period, asked_periods, parse_period, period_spans
from assistant.vocabulary import FINANCE_ACRONYMS, GROUPS, NOT_COMPANY_WORDS

SHORTHAND = frozenset(phrase for group in GROUPS for phrase in group)
ENTITY_RE = re.compile(
    r"(?P<name>[A-Z][\w&.\-]*[\w&](?:\s+(?:&\s+)?[A-Z][\w&.\-]*[\w&])*)"
    r"(?P<pos>'s|’s|(?<=s)['’](?!\w))?"  # "Boston Properties'" too
)


@dataclass(frozen=True)
class Scope:
    """What a question was restricted to, and why."""

    companies: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] | None = None  # None: every document
    source: str = "none"  # "inferred" from the question, "filter", or "none"
    missing: str | None = None  # why nothing can answer it
    named: tuple[str, ...] = ()  # the question's words that named the companies
    unknown: tuple[str, ...] = ()  # names that look like companies but are not indexed
    period_uncovered: bool = False  # the companies' documents do not cover the periods
    covered_periods: tuple[str, ...] = ()

    @property
    def inferred(self) -> bool:
        return self.source == "inferred"

    @property
    def active(self) -> bool:
        return self.doc_ids is not None

    def describe(self) -> str:
        """One line for people: "Prologis · Q3 2022 call"."""
        parts = [", ".join(self.companies)] if self.companies else []
        if self.periods:
            parts.append(", ".join(self.periods))
        return " · ".join(parts)


def unknown_names(question: str, named: list[str], catalog: Catalog, is_indexed_word) -> list[str]:
    """Words that read as a company's name ("Tesla's", "WTS") but name no indexed company."""
    covered = " ".join(named).lower()
    out: list[str] = []
    for m in ENTITY_RE.finditer(question):
        name = m["name"]
        words = name.split()
        if name.lower() in covered or words[0].lower() in covered:
            continue
        if all(w.lower() in NOT_COMPANY_WORDS or w.upper() in FINANCE_ACRONYMS for w in words):
            continue
        if re.fullmatch(r"(?:Q[1-4]|H[12]|FY\d*|[1-4]Q\d*)", words[0], re.I):
            continue
        possessive = bool(m["pos"])
        at_start = bool(SENTENCE_START_RE.search(question[: m.start()]))
        if possessive and not at_start and words[0].lower() not in NOT_COMPANY_WORDS:
            out.append(name)
            continue
        ticker_like = (
            name.isupper()
            and name.isalpha()
            and 2 <= len(name) <= 5
            and name not in FINANCE_ACRONYMS
            and name.lower() not in SHORTHAND
        )
        if ticker_like and not is_indexed_word(name.lower()):
            out.append(name)  # a ticker-like word the index has never seen
    return out


CALLED_RE = re.compile(r"\s+(?:earnings\s+)?(?:conference\s+)?call\b", re.I)


def called_periods(question: str) -> list[Period]:
    """The quarters a question names as a call ("on its Q2 2021 call")."""
    return [
        period
        for _, end, label in period_spans(question)
        if CALLED_RE.match(question[end:])
        and (period := parse_period(label)) is not None
        and period.quarter
    ]


def resolve_scope(
    question: str,
    catalog: Catalog,
    filters: Mapping[str, str] | None,
    is_ordinary_word,
    is_indexed_word,
    guidance: bool = False,
) -> Scope:
    """The scope of one question; filters given by the user win over what it names."""
    filters = filters or {}
    if filters.get("doc_id") or filters.get("company"):
        return filtered_scope(filters, catalog)
    companies, named = catalog.find(question, is_ordinary_word)
    unknown = unknown_names(question, named, catalog, is_indexed_word)
    if unknown and not companies:
        nearest = catalog.nearest_companies(unknown[0])
        return Scope(
            source="inferred",
            doc_ids=(),
            unknown=tuple(unknown),
            missing=(
                f"No indexed document is about {unknown[0]}."
                + (f" Indexed companies include {', '.join(nearest)}." if nearest else "")
            ),
        )
    candidates = (
        [d for c in companies for d in c.doc_ids] if companies else list(catalog.doc_periods)
    )
    periods_of = catalog.doc_periods
    wanted = resolve_relative(asked_periods(question), [periods_of.get(d) for d in candidates])
    in_period, uncovered = (
        documents_of_periods(catalog, candidates, wanted)
        if wanted and not guidance
        else (candidates, False)
    )
    called = called_periods(question)
    if called:
        # "guidance reaffirmed on its Q2 2021 call": that call, even for guidance, which
        # every call of the year gives.
        on_call = [
            d
            for d in candidates
            if (p := periods_of.get(d)) is not None
            and p.quarter
            and any(p.covers(c) for c in called)
        ]
        in_period = on_call or in_period
    if not companies and not wanted:
        return Scope()
    covered = sorted(
        {p.label for d in candidates if (p := periods_of.get(d)) is not None},
        key=lambda label: parse_period(label).ordinal(),  # type: ignore[union-attr]
    )
    labels = tuple(p.label for p in wanted)
    if uncovered and not companies:
        # A period no document covers and no company: search everything, say so.
        return Scope(
            periods=labels,
            source="inferred",
            period_uncovered=True,
            covered_periods=tuple(covered),
        )
    return Scope(
        companies=tuple(c.name for c in companies),
        tickers=tuple(c.ticker for c in companies if c.ticker),
        periods=labels,
        doc_ids=tuple(candidates if uncovered else in_period),
        source="inferred",
        named=tuple(named),
        unknown=tuple(unknown),
        period_uncovered=uncovered,
        covered_periods=tuple(covered),
    )


def filtered_scope(filters: Mapping[str, str], catalog: Catalog) -> Scope:
    """A document or company the user filtered on: its companies, nothing inferred."""
    companies: list[CompanyEntry] = []
    if filters.get("company"):
        companies = [
            c
            for c in catalog.companies.values()
            if named_by(filters["company"], (*c.aliases, c.ticker))
        ]
    return Scope(
        companies=tuple(c.name for c in companies),
        tickers=tuple(c.ticker for c in companies if c.ticker),
        source="filter",
    )


def documents_of_periods(
    catalog: Catalog, candidates: list[str], wanted: list[Period]
) -> tuple[list[str], bool]:
    """The candidates of the asked periods, and whether none is: a document of the period,
    else one that states figures for it (a later filing's comparative column, a guidance)."""
    periods_of = catalog.doc_periods
    in_period = [
        d
        for d in candidates
        if periods_of.get(d) is not None and any(periods_of[d].covers(w) for w in wanted)  # type: ignore[union-attr]
    ]
    if not in_period:
        in_period = [
            d
            for d in candidates
            if any(
                p.covers(w) or w.covers(p) for p in catalog.doc_stated.get(d, ()) for w in wanted
            )
        ]
    return in_period, not in_period


def resolve_relative(asked: AskedPeriods, periods: list[Period | None]) -> list[Period]:
    """Explicit periods as asked (a quarter without a year takes the latest year the
    documents have it in); "last quarter" becomes the latest indexed quarter."""
    known = sorted({p for p in periods if p is not None}, key=Period.ordinal)
    out: list[Period] = []
    for period in asked.explicit:
        if period.year is None:
            same = [p for p in known if p.quarter == period.quarter and p.half == period.half]
            latest_year = max((p.year for p in known if p.year), default=None)
            year = same[-1].year if same else latest_year
            period = Period(year, period.quarter, period.half)
        out.append(period)
    if asked.relative and known:
        quarters = [p for p in known if p.quarter]
        if asked.relative == "latest_quarter" and quarters:
            out.append(quarters[-1])
        elif asked.relative == "previous_quarter" and len(quarters) >= 2:
            out.append(quarters[-2])
        elif asked.relative == "latest_year":
            out.append(Period(known[-1].year))
    return out
