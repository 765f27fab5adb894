"""Small text predicates the parsers share."""

from __future__ import annotations

import re

from assistant.text.periods import MONTHS

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LATIN_RE = re.compile(r"[A-Za-z]")
WS_RE = re.compile(r"\s+")


def cjk_share(text: str) -> float:
    """Share of CJK characters among letters, so a Chinese line with a few Latin words counts."""
    cjk = len(CJK_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    return cjk / (cjk + latin / 4) if cjk + latin else 0.0


def is_cjk(text: str) -> bool:
    return cjk_share(text) >= 0.5


def collapse(text: str) -> str:
    return WS_RE.sub(" ", text).strip()


PERIOD_LIKE_RE = re.compile(
    rf"^(?:(?:as of|as at|(?:for the )?(?:fiscal )?years? ended|"
    rf"(?:three|six|nine|twelve|3|6|9|12) months ended|quarters? ended|"
    rf"(?:twelve|thirteen|\d{{2}}) weeks ended|balance at|balance as of)\s+)?"
    rf"(?:(?:{MONTHS})\.?\s+\d{{1,2}},?\s*(?:(?:19|20)\d{{2}})?|(?:19|20)\d{{2}}|"
    rf"(?:fy|q[1-4])\s*'?(?:19|20)?\d{{2}}|[1-4]q\s*(?:19|20)?\d{{2}})$",
    re.IGNORECASE,
)
YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
# A cell, column or number that is a year and nothing else ("2023").
BARE_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")


def is_period_like(text: str) -> bool:
    """True for header text that names a date or period ("December 31, 2023", "FY2024")."""
    return bool(PERIOD_LIKE_RE.match(collapse(text)))


# Rows whose values are per share (never scaled by "in millions") and rows that count shares
# ("shares in Thousands" when a filing gives shares their own scale).
PER_SHARE_RE = re.compile(r"\bper\s+(?:\w+\s+)?share\b|\beps\b|\bper\s+unit\b", re.I)
SHARES_RE = re.compile(r"\bshares\b", re.I)


# The primary financial statements: their rows are the firm-wide figures, ahead of a note's
# breakdown or a segment's table of the same metric.
PRIMARY_STATEMENT_RE = re.compile(
    r"\b(?:consolidated|condensed|combined)\b[^.]{0,40}\b(?:statements?\s+of\s+(?:income|"
    r"operations|earnings|cash\s+flows?|comprehensive\s+(?:income|loss)|financial\s+"
    r"(?:position|condition))|balance\s+sheets?)\b",
    re.I,
)


def is_primary_statement(caption: str | None) -> bool:
    return bool(caption and PRIMARY_STATEMENT_RE.search(caption))
