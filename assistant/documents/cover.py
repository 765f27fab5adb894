"""What an SEC cover page says of its filing: registrant, form, fiscal year end, period of
report, trading symbols and the date of an 8-K's event.

A 10-K is its fiscal year, named by the calendar year it ends in ("For the fiscal year ended
January 31, 2023" is FY2023); a 10-Q is its fiscal quarter, counted back from the fiscal
year end the filing states ("fiscal year ending January 31") and otherwise the calendar's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.periods import MONTHS

FORM_RE = re.compile(r"\bform\s+(10-k|10-q|8-k|20-f|40-f|6-k)\b", re.I)
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
DATE_PARTS_RE = re.compile(r"([A-Za-z]+)\.?\s*(\d{1,2})\s*,?\s*(\d{4})")
NOT_A_NAME_RE = re.compile(
    r"^\(|[☐☒]|commission|file number|transition period|date of report|^for the\b|^_+$", re.I
)
MONTH_INDEX = {
    name: k
    for k, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
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


def iso_date(text: str) -> tuple[int, int, int] | None:
    m = DATE_PARTS_RE.search(text)
    if not m:
        return None
    name = m.group(1).lower()
    month = MONTH_INDEX.get(name) or MONTH_INDEX.get(name[:3])
    return (int(m.group(3)), month, int(m.group(2))) if month else None


def fiscal_quarter(year: int, month: int, year_end_month: int) -> str:
    """The fiscal quarter a period ending in (year, month) closes, for a fiscal year ending in
    `year_end_month`; the fiscal year is named by the calendar year it ends in."""
    months_after_end = (month - year_end_month) % 12  # 0 for the year's last month
    quarter = 4 if months_after_end == 0 else (months_after_end + 2) // 3
    fiscal_year = year if month <= year_end_month else year + 1
    return f"Q{quarter} {fiscal_year}"


def read_cover(lines: list[str], text_after: str = "") -> Cover | None:
    """The cover of a filing from its first lines; None when there is no SEC cover."""
    opening = lines[:COVER_LINES]
    heading = "\n".join(lines[:COVER_OPENING])
    form = FORM_RE.search(heading)
    if not form or not re.search(r"securities\s+and\s+exchange\s+commission", heading, re.I):
        return None
    kind = form.group(1).upper()
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
    if registrant and registrant.isupper():
        registrant = readable_case(registrant)
    flat = " ".join(opening)
    squashed = "".join(flat.split())
    period = period_end = event = None
    year_end_month = None
    if fy := FISCAL_YEAR_RE.search(squashed):
        date = iso_date(fy.group(1))
        if date:
            period, period_end, year_end_month = f"FY{date[0]}", date, date[1]
    elif q := QUARTER_RE.search(squashed):
        date = iso_date(q.group(1))
        if date:
            stated = FISCAL_END_RE.search(text_after)
            year_end_month = (
                MONTH_INDEX.get(stated.group(1).lower()[:3]) if stated else None
            ) or 12
            period, period_end = fiscal_quarter(date[0], date[1], year_end_month), date
    if ev := EVENT_RE.search(flat):
        date = iso_date(ev.group(1))
        event = f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}" if date else None
    tickers = tuple(dict.fromkeys(m.group(1) for m in TRADING_RE.finditer(flat)))
    return Cover(
        form=kind,
        registrant=registrant,
        period=period,
        period_end=f"{period_end[0]:04d}-{period_end[1]:02d}-{period_end[2]:02d}"
        if period_end
        else None,
        fiscal_year_end_month=year_end_month,
        tickers=tickers,
        event_date=event,
    )


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
