"""Who and when a document is about: company (display name), ticker, aliases, fiscal period
and date, inferred from the text in the layouts we read.

Evidence, strongest first: an exchange ticker ("(NASDAQ: LX)", "NYSE: PLD"), the company
on management's `Company - Title` lines, the operator's welcome ("Welcome to the Equinix
Third Quarter Earnings Conference Call") and title lines. Flags and sidecars override all of
it (see `documents/__init__.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.documents.model import Paragraph, Speaker
from assistant.text.periods import month_number, parse_period, periods_in
from assistant.vocabulary import LEGAL_SUFFIXES, NOT_COMPANY_WORDS

EXCHANGE_TICKER_RE = re.compile(
    r"\(?\b(?:NYSE(?:\s+American|\s+MKT|\s+Arca)?|NASDAQ(?:GS|GM|CM)?|Nasdaq|AMEX|TSXV?|LSE|"
    r"HKEX|SEHK|SIX|ASX|OTC(?:QX|QB)?)\s*:\s*(?P<ticker>[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?)\b"
)
WELCOME_RE = re.compile(
    r"(?:welcome(?:\s+everyone)?\s+to|joining us (?:today )?for|participating in|"
    r"thank you for (?:standing by|joining)[^.]*?(?:for|to))\s+(?:the\s+)?"
    r"(?P<company>[A-Z][\w&.'’\-]*(?:,?\s+(?:[A-Z][\w&.'’\-]*|&|of|and|de|la))*?)"
    r"(?:'s|’s)?\s+(?:\d{4}\s+)?(?:(?:first|second|third|fourth|1st|2nd|3rd|4th|Q[1-4]|"
    r"full[- ]year|fiscal|annual|year[- ]end)\b|earnings|conference|results|quarterly)",
    re.I,
)
POSSESSIVE_RE = re.compile(r"(?:'s|’s|')$")
DATE_RE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+(\d{1,2}),\s+((?:19|20)\d{2})\b"
)
OPENING_PARAGRAPHS = 12
OPENING_LINES = 60


@dataclass(frozen=True)
class Identity:
    company: str | None = None
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    period: str | None = None
    date: str | None = None


def display_name(legal: str) -> str:
    """ "Prologis, Inc." -> "Prologis"; "Crown Castle's" -> "Crown Castle"."""
    name = POSSESSIVE_RE.sub("", legal.strip().strip(",.;:").strip())
    previous = None
    while name != previous:
        previous = name
        for suffix in LEGAL_SUFFIXES:
            pattern = rf"(?:,?\s+){re.escape(suffix)}\.?$"
            if re.search(pattern, name, re.I) and len(name) > len(suffix) + 2:
                name = re.sub(pattern, "", name, flags=re.I).strip(" ,")
    return name


def aliases_for(names: Iterable[str]) -> tuple[str, ...]:
    """Every form a question may use: legal and display names, the distinctive first word
    ("Alexandria" for Alexandria Real Estate Equities), no possessives or punctuation."""
    out: list[str] = []
    for name in names:
        name = POSSESSIVE_RE.sub("", name.strip().strip(",;:"))
        if not name:
            continue
        short = display_name(name)
        for form in (name, short):
            if form and form not in out:
                out.append(form)
        first = short.split()[0] if short.split() else ""
        if (
            len(short.split()) > 1
            and len(first) >= 4
            and first.lower() not in NOT_COMPANY_WORDS
            and first not in out
        ):
            out.append(first)
    return tuple(out)


def company_from_participants(speakers: Sequence[Speaker]) -> str | None:
    """The employer most of management's `Company - Title` lines name."""
    firms = Counter(
        s.firm.strip()
        for s in speakers
        if s.role == "management" and s.firm and len(s.firm.strip()) > 1
    )
    if not firms:
        return None
    return firms.most_common(1)[0][0]


def company_from_welcome(paragraphs: Sequence[Paragraph]) -> str | None:
    for para in paragraphs[:OPENING_PARAGRAPHS]:
        for match in WELCOME_RE.finditer(para.text):
            candidate = display_name(match["company"])
            words = candidate.split()
            if (
                words
                and words[0].lower() not in NOT_COMPANY_WORDS
                and any(ch.isupper() for ch in words[0])
            ):
                return candidate
    return None


def ticker_in(lines: Sequence[str]) -> str | None:
    for line in lines[:OPENING_LINES]:
        match = EXCHANGE_TICKER_RE.search(line)
        if match:
            return match["ticker"]
    return None


def date_in(lines: Sequence[str]) -> str | None:
    """The call or filing date: the first full date in the opening lines, as ISO."""
    for line in lines[:OPENING_LINES]:
        match = DATE_RE.search(line)
        if match:
            month = month_number(match.group(1)) or 0  # DATE_RE names a month
            return f"{match.group(3)}-{month:02d}-{int(match.group(2)):02d}"
    return None


def period_in(paragraphs: Sequence[Paragraph]) -> str | None:
    """The call's own quarter: the one the opening names most often, in the latest year it
    is named with (a call compares with the same quarter of earlier years, and a typo in the
    welcome is outvoted)."""
    opening = [p.text for p in paragraphs[:OPENING_PARAGRAPHS]]
    quarters: Counter[int] = Counter()
    years_of: dict[int, set[int]] = {}
    fiscal_years: list[int] = []
    for text in opening:
        for _, label in periods_in(text):
            period = parse_period(label)
            if period is None or label[:1].isdigit():
                continue
            if period.quarter:
                quarters[period.quarter] += 1
                if period.year:
                    years_of.setdefault(period.quarter, set()).add(period.year)
            elif period.is_year and label.startswith("FY") and period.year:
                fiscal_years.append(period.year)
    if quarters:
        quarter = max(quarters, key=lambda q: (quarters[q], -q))
        years = years_of.get(quarter) or {y for ys in years_of.values() for y in ys}
        if years:
            return f"Q{quarter} {max(years)}"
    return f"FY{max(fiscal_years)}" if fiscal_years else None


def period_from_date(date: str | None) -> str | None:
    """A call is held in the weeks after its quarter ends: October -> Q3 of that year."""
    if not date:
        return None
    year, month = int(date[:4]), int(date[5:7])
    quarter = (month - 1) // 3
    return f"Q{quarter} {year}" if quarter else f"Q4 {year - 1}"


def is_acronym_of(short: str, name: str) -> bool:
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", name) if w[0].isupper())
    return short.isupper() and len(short) >= 2 and initials.startswith(short)


# "Materials ... are available at www.ubs.com/investors": the investor-relations site names
# the company when nothing else in the opening lines does.
IR_SITE_RE = re.compile(
    r"\b(?:www\.|investors?\.|ir\.)(?P<name>[a-z][a-z0-9\-]{1,20})\.(?:com|net|org|co\.\w\w)"
    r"(?:/(?:investors?|ir)\b)?",
    re.I,
)


def company_from_ir_site(lines: Sequence[str]) -> str | None:
    """The company an IR site names, when the text uses that name too ("UBS" for ubs.com)."""
    opening = " ".join(lines[:40])
    match = IR_SITE_RE.search(opening)
    if not match:
        return None
    name = match["name"]
    body = " ".join(lines[:400])
    for form in (name.upper(), name.capitalize()):
        if re.search(rf"\b{re.escape(form)}\b", body.replace(match.group(0), " ")):
            return form
    return None


REGISTRANT_RE = re.compile(r"^\(?exact name of (?:the )?registrant", re.I)


def company_from_registrant(lines: Sequence[str]) -> str | None:
    """An SEC filing's cover: the line above "(Exact name of registrant as specified in its
    charter)"."""
    for k, line in enumerate(lines[:80]):
        if REGISTRANT_RE.match(line.strip()) and k > 0 and 2 <= len(lines[k - 1]) <= 80:
            return lines[k - 1].strip()
    return None


def infer_identity(
    lines: Sequence[str], paragraphs: Sequence[Paragraph], speakers: Sequence[Speaker] = ()
) -> Identity:
    legal = company_from_participants(speakers) or company_from_registrant(lines)
    welcome = company_from_welcome(paragraphs)
    company = welcome or (display_name(legal) if legal else None) or company_from_ir_site(lines)
    if legal and welcome:
        short, said = display_name(legal).lower(), welcome.lower()
        if short.startswith(said) or said.startswith(short) or is_acronym_of(welcome, legal):
            company = display_name(legal)  # "SBA" or "SITE Centers Reports" -> legal name
        elif said not in legal.lower():
            legal = None  # the participants' employer is another company (a parent, say)
    names = [n for n in (legal, company, welcome) if n]
    date = date_in(lines)
    period = period_in(paragraphs)
    if period is None and speakers:
        period = period_from_date(date)
    return Identity(
        company=company,
        ticker=ticker_in(lines),
        aliases=aliases_for(names),
        period=period,
        date=date,
    )
