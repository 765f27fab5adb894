"""What an SEC cover page says of its filing: registrant, form, fiscal year end, period of
report, trading symbols and the date of an 8-K's event.

A 10-K is its fiscal year, named by the calendar year it ends in ("For the fiscal year ended
January 31, 2023" is FY2023); a 10-Q is its fiscal quarter, counted back from the fiscal
year end the filing states ("fiscal year ending January 31") and otherwise the calendar's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.periods import MONTHS, fiscal_quarter, iso_date, month_number

SEC_COVER_RE = re.compile(r"securities\s+and\s+exchange\s+commission", re.I)
FORM_RE = re.compile(r"\bform\s+(10-k|10-q|8-k|20-f|40-f|6-k|10-kt|10-qt)\b", re.I)
DATE = rf"((?:{MONTHS})\.?\s*\d{{1,2}}\s*,?\s*(?:19|20)\d{{2}})"
# Matched on the text with its spaces removed: a PDF may set "Fis cal" for "Fiscal".
FISCAL_YEAR_RE = re.compile(rf"forthe(?:fiscal)?yearended:?{DATE}", re.I)
QUARTER_RE = re.compile(rf"forthequarterlyperiodended:?{DATE}", re.I)
EVENT_RE = re.compile(rf"date of report[^:]*:?\s*\)?\s*:?\s*{DATE}", re.I)
FISCAL_END_RE = re.compile(
    rf"fiscal year (?:end(?:s|ed|ing)?|that ends)\s+(?:on\s+)?({MONTHS})\.?\s+\d{{1,2}}", re.I
)
REGISTRANT_RE = re.compile(r"^\(?\s*exact name of (?:the )?registrant", re.I)
TRADING_RE = re.compile(
    r"(?<![\w-])([A-Z]{1,5}(?:\.[A-Z])?)\s+(?:The\s+)?"
    r"(?:New York Stock Exchange|NYSE|Nasdaq|NASDAQ|Chicago Stock Exchange|NYSE American)\b"
)
NOT_A_NAME_RE = re.compile(
    r"^\(|[☐☒]|commission|file number|transition period|date of report|^for the\b|^_+$", re.I
)
COVER_LINES = 120
COVER_OPENING = 40  # the cover's heading lines come first
# A cover set as a table: "1-12609 PG&E CORPORATION California 94-3234914".
FILE_NUMBER_NAME_RE = re.compile(
    r"^\d{1,3}-\d{3,6}\s+(?P<name>.+?\b(?:corporation|company|incorporated|inc\.?|corp\.?|"
    r"llc|plc|ltd\.?|limited|n\.v\.|s\.a\.|ag|se|holdings?|group))(?=\s|$)",
    re.I,
)
# "SAN JOSE, Calif., April 26, 2023 /PRNewswire/ -- ", "CHICAGO, IL - ", "OAKLAND — "
DATELINE_RE = re.compile(
    r"^[A-Z][A-Z .'’]+(?:,\s*[A-Z][A-Za-z. ]*?)?,?\s*"
    r"(?:(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s*\d{4})\s*)?(?:/[A-Za-z ]+/\s*)?[-–—]{1,2}\s*"
    r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s*\d{4}\s*[-–—]{1,2}\s*)?"
)
NAME_BEFORE_TICKER_RE = re.compile(
    r"^(?P<name>(?:[A-Z]|[a-z]{1,3}[A-Z])[\w&.'’-]*(?:,?\s+(?:[A-Z][\w&.'’-]*|&)){0,4}),?\s*"
    r"\((?:NYSE|Nasdaq|NASDAQ)\s*:"
)
RELEASE_COMPANY_RE = re.compile(
    r"^(?P<name>[A-Z][\w&.'’-]*(?:,?\s+(?:[A-Z][\w&.'’-]*|&)){0,4})\s+"
    r"(?:\((?:NYSE|Nasdaq|NASDAQ)[^)]*\)[,]?\s+)?(?:[^.]{0,80}?\s)?"
    r"(?:today\s+)?(?:announced|reported|reports|recorded)\b"
)


@dataclass(frozen=True)
class Cover:
    form: str | None = None
    registrant: str | None = None
    period: str | None = None
    period_end: str | None = None  # the date the cover names, ISO
    fiscal_year_end_month: int | None = None
    tickers: tuple[str, ...] = ()
    event_date: str | None = None

    @property
    def event_quarter(self) -> str | None:
        """The calendar quarter of an 8-K's event: the period a current report speaks of."""
        if not self.event_date:
            return None
        year, month = int(self.event_date[:4]), int(self.event_date[5:7])
        return fiscal_quarter(year, month, self.fiscal_year_end_month or 12)

    def summary(self) -> str:
        parts = [
            f"Form {self.form}" if self.form else None,
            self.registrant,
            self.period,
            f"period ended {self.period_end}" if self.period_end else None,
            f"event {self.event_date}" if self.event_date else None,
            f"tickers {', '.join(self.tickers)}" if self.tickers else None,
        ]
        return "cover: " + "; ".join(p for p in parts if p)


def cover_form(lines: list[str]) -> str | None:
    """The form an SEC cover names in the document's first lines ("10-K"), else None."""
    heading = "\n".join(lines[:COVER_OPENING])
    form = FORM_RE.search(heading)
    return form.group(1).upper() if form and SEC_COVER_RE.search(heading) else None


def read_cover(lines: list[str], text_after: str = "") -> Cover | None:
    """The cover of a filing from its first lines; None when there is no SEC cover."""
    form = cover_form(lines)
    if form is None:
        return None
    opening = lines[:COVER_LINES]
    flat = " ".join(opening)
    period, period_end, year_end_month = fiscal_period("".join(flat.split()), text_after)
    event = EVENT_RE.search(flat)
    return Cover(
        form=form,
        registrant=registrant_of(opening),
        period=period,
        period_end=iso(period_end),
        fiscal_year_end_month=year_end_month,
        tickers=tuple(dict.fromkeys(m.group(1) for m in TRADING_RE.finditer(flat))),
        event_date=iso(iso_date(event.group(1))) if event else None,
    )


def fiscal_period(
    squashed: str, text_after: str
) -> tuple[str | None, tuple[int, int, int] | None, int | None]:
    """(period, the date it ends, the fiscal year's last month) a cover states: a 10-K's
    fiscal year, or a 10-Q's quarter counted from the fiscal year end the text states."""
    if fy := FISCAL_YEAR_RE.search(squashed):
        date = iso_date(fy.group(1))
        if date:
            return f"FY{date[0]}", date, date[1]
    elif q := QUARTER_RE.search(squashed):
        date = iso_date(q.group(1))
        if date:
            stated = FISCAL_END_RE.search(text_after)
            year_end_month = (month_number(stated.group(1)) if stated else None) or 12
            return fiscal_quarter(date[0], date[1], year_end_month), date, year_end_month
    return None, None, None


def iso(date: tuple[int, int, int] | None) -> str | None:
    return f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}" if date else None


def registrant_of(opening: list[str]) -> str | None:
    """The registrant's name: above "(Exact name of registrant ...)", or on the first
    file-number row of a cover set as a table; all capitals made readable."""
    registrant = next(
        (
            name
            for k in range(1, len(opening))
            if REGISTRANT_RE.match(opening[k].strip())
            for name in [registrant_above(opening, k)]
            if name
        ),
        None,
    ) or next((m.group("name") for line in opening if (m := FILE_NUMBER_NAME_RE.match(line))), None)
    return readable_case(registrant) if registrant and registrant.isupper() else registrant


def registrant_above(lines: list[str], k: int) -> str | None:
    """The name above "(Exact name of registrant ...)", past a file-number line."""
    for line in reversed(lines[max(0, k - 3) : k]):
        line = line.strip()
        if line and not NOT_A_NAME_RE.search(line):
            return line
    return None


def readable_case(name: str) -> str:
    """ "INTEL CORPORATION" as "Intel Corporation"; a short or symbolic word ("PG&E", "AT&T",
    "IBM") keeps its capitals."""
    return " ".join(
        word.capitalize() if word.isalpha() and len(word) >= 4 else word for word in name.split()
    )


def release_company(lines: list[str]) -> str | None:
    """The company an earnings release is from: the subject of its opening sentence
    ("McDonald's Corporation today announced", "Salesforce (NYSE: CRM), ... announced")."""
    for line in lines[:40]:
        line = DATELINE_RE.sub("", line)
        if m := NAME_BEFORE_TICKER_RE.search(line) or RELEASE_COMPANY_RE.search(line):
            return m.group("name")
    return None
