"""Reporting periods, read one way for documents, questions and figures alike.

A period label is normalised: `Q3 2021` (a fiscal quarter), `FY2021` (a fiscal year),
`H1 2021` (a half), a bare year `2021` (said without "fiscal"), or a date as written
("December 31, 2023"). Fiscal periods are the company's own: D.R. Horton's Q1 2022 is the
December 2021 quarter, and a question naming "Q1 2022" means the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
QUARTER_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, **QUARTER_WORDS}
YEAR = r"(?:19|20)\d{2}"
FISCAL = r"(?:FY\s?|fiscal\s+(?:year\s+)?)"  # "Q2 fiscal 2024" is one period, not two

PERIOD_RES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter(?:\s+(?:and\s+)?"
            r"(?:full[- ]year|fiscal(?:\s+year)?))?(?:\s+of)?"
            rf"(?:\s+(?:fiscal\s+(?:year\s+)?|FY\s?)?((?:'|’)\d{{2}}\b|{YEAR}))?",
            re.I,
        ),
        "q",
    ),
    (re.compile(rf"\bQ([1-4])\s*{FISCAL}?(?:'|’)?((?:19|20)?\d{{2}})?\b", re.I), "qn"),
    # "3Q22", "3Q 2022", and "3Q" alone (read like "the third quarter").
    (re.compile(rf"\b([1-4])Q(?:\s?{FISCAL}?(?:'|’)?((?:19|20)?\d{{2}}))?\b", re.I), "nq"),
    (re.compile(rf"\b({YEAR})\s+(first|second|third|fourth)[- ]quarter", re.I), "yq"),
    (
        re.compile(
            r"\b(?:full[- ]year|fiscal(?:\s+year)?|FY|financial year)\s*(?:'|’)?"
            rf"({YEAR}|\d{{2}})\b",
            re.I,
        ),
        "fy",
    ),
    # "the first half" with no year is the document's year; not "the first half of next year".
    (
        re.compile(
            rf"\b(first|second) half(?!\s+of\s+(?:the\s+)?(?:next|last|prior|previous)\b)"
            rf"(?:(?: of)?\s+(?:(?:the\s+)?fiscal\s+(?:year\s+)?)?({YEAR}))?",
            re.I,
        ),
        "h",
    ),
    (re.compile(rf"\bH([12])\s*(?:'|’)?({YEAR}|\d{{2}})\b", re.I), "hn"),
    (re.compile(rf"\b((?:{MONTHS})\.?\s+\d{{1,2}},?\s+{YEAR})", re.I), "date"),
    (re.compile(rf"\byear[- ]end(?:\s+of)?\s+({YEAR})", re.I), "ye"),
    (re.compile(rf"\b({YEAR})\b"), "year"),
]
ZH_PERIOD_RES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"((?:19|20)\d{2})年第([一二三四])季"), "zq"),
    (re.compile(r"第([一二三四])季"), "zq0"),
    (re.compile(r"((?:19|20)\d{2})年"), "zy"),
]
ZH_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


def _year(text: str | None, default_year: str | None) -> str | None:
    if not text:
        return default_year
    text = text.strip("'’")
    return "20" + text if len(text) == 2 else text


def period_spans(text: str, default_year: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, normalised label) of every period mention in English text."""
    found: list[tuple[int, int, str]] = []
    for pattern, kind in PERIOD_RES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            value = _label(kind, m, default_year)
            if value is not None:
                found.append((m.start(), m.end(), value))
    return sorted(found)


def periods_in(text: str, default_year: str | None = None) -> list[tuple[int, str]]:
    """(position, normalised label) of every period mention in English text."""
    return [(start, label) for start, _, label in period_spans(text, default_year)]


def without_periods(text: str) -> str:
    """The text with its period mentions blanked out."""
    for start, end, _ in reversed(period_spans(text)):
        text = text[:start] + " " + text[end:]
    return text


def _label(kind: str, m: re.Match[str], default_year: str | None) -> str | None:
    if kind == "q":
        year = _year(m.group(2), default_year)
        return f"Q{QUARTER_ORDINALS[m.group(1).lower()]}" + (f" {year}" if year else "")
    if kind in ("qn", "nq"):
        year = _year(m.group(2), default_year)
        return f"Q{m.group(1)}" + (f" {year}" if year else "")
    if kind == "yq":
        return f"Q{QUARTER_WORDS[m.group(2).lower()]} {m.group(1)}"
    if kind == "fy":
        return f"FY{_year(m.group(1), None)}"
    if kind == "h":
        year = _year(m.group(2), default_year)
        return f"H{1 if m.group(1).lower() == 'first' else 2}" + (f" {year}" if year else "")
    if kind == "hn":
        return f"H{m.group(1)} {_year(m.group(2), None)}"
    if kind == "date":
        return canonical_date(m.group(1))
    if kind == "ye":
        return f"FY{m.group(1)}"
    return m.group(1)


MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
DATE_PARTS_RE = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", re.I)


def month_number(word: str) -> int | None:
    """1 for "January", "Jan" or "jan."; None for a word that names no month."""
    prefix = word.lower()[:3]
    return next(
        (k for k, n in enumerate(MONTH_NAMES, start=1) if n.lower().startswith(prefix)), None
    )


def canonical_date(text: str) -> str:
    """One spelling per day: "Sep. 28, 2024" and "September 28 2024" are "September 28, 2024",
    so a question's date finds a column header's."""
    m = DATE_PARTS_RE.fullmatch(text.strip())
    if not m:
        return re.sub(r"\s+", " ", text).replace(" ,", ",")
    number = month_number(m[1])
    month = MONTH_NAMES[number - 1] if number else m[1]
    return f"{month} {int(m[2])}, {m[3]}"


# A date as a cover or column sets it, spaces optional ("December31,2015" once a PDF's
# stray spaces are squeezed out).
LOOSE_DATE_RE = re.compile(r"([A-Za-z]+)\.?\s*(\d{1,2})\s*,?\s*(\d{4})")


def iso_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of the first date in `text`."""
    m = LOOSE_DATE_RE.search(text)
    if not m:
        return None
    month = month_number(m.group(1))
    return (int(m.group(3)), month, int(m.group(2))) if month else None


def fiscal_quarter(year: int, month: int, year_end_month: int) -> str:
    """The fiscal quarter a period ending in (year, month) closes, for a fiscal year ending in
    `year_end_month`; the fiscal year is named by the calendar year it ends in."""
    months_after_end = (month - year_end_month) % 12  # 0 for the year's last month
    quarter = 4 if months_after_end == 0 else (months_after_end + 2) // 3
    fiscal_year = year if month <= year_end_month else year + 1
    return f"Q{quarter} {fiscal_year}"


DAY_LABEL_RE = re.compile(r"[A-Z][a-z]+ \d{1,2}, \d{4}")


def is_day(label: str) -> bool:
    """Whether a period label is a day, as canonical_date writes one."""
    return bool(DAY_LABEL_RE.fullmatch(label))


def zh_periods_in(text: str, default_year: str | None) -> list[tuple[int, str]]:
    found = []
    for pattern, kind in ZH_PERIOD_RES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < s + 8 for s, _ in found):
                continue
            if kind == "zq":
                found.append((m.start(), f"Q{ZH_QUARTERS[m.group(2)]} {m.group(1)}"))
            elif kind == "zq0":
                year = f" {default_year}" if default_year else ""
                found.append((m.start(), f"Q{ZH_QUARTERS[m.group(1)]}{year}"))
            else:
                found.append((m.start(), m.group(1)))
    return sorted(found)


FIND_KINDS = {"q", "qn", "nq", "yq", "fy"}


def find_period(text: str) -> tuple[str, int, int] | None:
    """The first reporting period (quarter or fiscal year, with its year) named in `text`."""
    best: tuple[str, int, int] | None = None
    for pattern, kind in PERIOD_RES:
        if kind not in FIND_KINDS:
            continue
        for m in pattern.finditer(text):
            value = _label(kind, m, None)
            if value is None or not value[-4:].isdigit():
                continue
            if best is None or m.start() < best[1]:
                best = (value, m.start(), m.end())
            break
    return best


@dataclass(frozen=True, order=True)
class Period:
    """A fiscal period: a quarter, a half or a whole year. `quarter` and `half` are None for
    a year; `year` is None for a quarter named without one ("and in Q3?")."""

    year: int | None
    quarter: int | None = None
    half: int | None = None

    @property
    def label(self) -> str:
        year = "" if self.year is None else str(self.year)
        if self.quarter:
            return f"Q{self.quarter} {year}".strip()
        if self.half:
            return f"H{self.half} {year}".strip()
        return f"FY{year}"

    @property
    def is_year(self) -> bool:
        return self.quarter is None and self.half is None

    def covers(self, other: Period) -> bool:
        """Whether a document of this period speaks for `other`: the same quarter, or any
        quarter of an asked year (a year's results come in its calls and filings)."""
        if other.year is not None and self.year is not None and other.year != self.year:
            return False
        if other.is_year:
            return True
        if other.quarter is not None:
            return self.quarter == other.quarter
        return self.half == other.half or (
            self.quarter is not None and (self.quarter + 1) // 2 == other.half
        )

    def ordinal(self) -> float:
        """Position on a time line, for 'latest' and 'nearest'."""
        year = self.year or 0
        if self.quarter:
            return year + (self.quarter - 1) / 4
        if self.half:
            return year + (self.half - 1) / 2
        return year + 0.75


LABEL_RE = re.compile(
    rf"^(?:Q(?P<q>[1-4])\s*(?P<qy>{YEAR})?|(?P<nq>[1-4])Q\s?(?P<nqy>{YEAR}|\d{{2}})|"
    rf"H(?P<h>[12])\s*(?P<hy>{YEAR})?|FY\s?(?P<fy>{YEAR}|\d{{2}})|(?P<y>{YEAR}))$",
    re.I,
)


def parse_period(label: str | None) -> Period | None:
    """A period label as stored on a document or given as a filter, or None."""
    if not label:
        return None
    text = " ".join(label.split())
    m = LABEL_RE.match(text)
    if m is None:
        found = find_period(text)
        if found is None:
            return None
        m = LABEL_RE.match(found[0])
        if m is None:
            return None
    if m["q"]:
        return Period(int(m["qy"]) if m["qy"] else None, int(m["q"]))
    if m["nq"]:
        return Period(int(_year(m["nqy"], None) or 0), int(m["nq"]))
    if m["h"]:
        return Period(int(m["hy"]) if m["hy"] else None, half=int(m["h"]))
    if m["fy"]:
        return Period(int(_year(m["fy"], None) or 0))
    return Period(int(m["y"]))


RELATIVE_RE = re.compile(
    r"\b(?P<which>last|latest|most recent|this|current|previous|prior|past)\s+"
    r"(?P<unit>quarter|year|fiscal year)\b",
    re.I,
)
COMPARED_BEFORE_RE = re.compile(
    r"\b(?:than|to|with|from|versus|vs\.?|over|against|since)\s+(?:the\s+)?$", re.I
)
REFERENCE_BEFORE_RE = re.compile(
    r"\b(?:since|compared (?:with|to)|versus|vs\.?|than|relative to)\b[^,.;?!]{0,40}$", re.I
)
FULL_YEAR_RE = re.compile(r"\b(?:full[- ]year|whole year|annual)\b", re.I)


@dataclass(frozen=True)
class AskedPeriods:
    """The periods a question names: explicit ones, and relative ones ("last quarter",
    "full year") that only the company's own calls can resolve."""

    explicit: tuple[Period, ...] = ()
    relative: str | None = None  # "latest_quarter", "previous_quarter", "latest_year"
    full_year: bool = False


def asked_periods(question: str) -> AskedPeriods:
    """Periods named by a question; a date or a bare month is not a reporting period."""
    explicit: list[Period] = []
    for start, label in periods_in(question):
        if REFERENCE_BEFORE_RE.search(question[:start]):
            continue  # "since the Q2 2022 call": a point of comparison, not the period asked
        period = parse_period(label)
        if period is not None and period not in explicit:
            explicit.append(period)
    for _, label in zh_periods_in(question, None):
        period = parse_period(label)
        if period is not None and period not in explicit:
            explicit.append(period)
    relative = None
    m = RELATIVE_RE.search(question)
    if m and COMPARED_BEFORE_RE.search(question[: m.start()]):
        m = None  # "compared with last quarter" is a comparison, not the period asked
    if m and not explicit:
        which, unit = m["which"].lower(), m["unit"].lower()
        if unit == "quarter":
            relative = "previous_quarter" if which in ("previous", "prior") else "latest_quarter"
        else:
            relative = "latest_year"
    return AskedPeriods(
        tuple(explicit), relative, bool(FULL_YEAR_RE.search(question)) and not explicit
    )


THIS_QUARTER_RE = re.compile(r"\b(?:this|the|our)\s+quarter\b", re.I)


def is_part_of_year(label: str) -> bool:
    """Whether a period label names a quarter or a half ("Q2 2024", "H1"), not a year."""
    return label.startswith(("Q", "H"))


def period_keys(text: str, own: Period | None = None) -> set[str]:
    """The periods a text speaks of, as labels and years. With the document's own period, a
    period named only as a point of comparison ("compared with Q3 2020") does not count, and
    a text that names only such points speaks of the document's period."""
    keys = set()
    compared = False
    for start, period in periods_in(text):
        if own is not None and COMPARISON_BEFORE_RE.search(text[max(0, start - 40) : start]):
            compared = True
            continue
        if own is not None and own.quarter and own.year and re.fullmatch(r"[QH][1-4]", period):
            # A quarter or half before the call's (this year's, or last year's when later in
            # the year) or after it (guidance); both are read, the text does not say which.
            number = int(period[1])
            current = own.quarter if period[0] == "Q" else (own.quarter + 1) // 2
            later = number > current
            years = (own.year - 1, own.year) if later else (own.year, own.year + 1)
            if number == current:
                years = (own.year,)
            keys |= {f"{period} {year}" for year in years} | {str(year) for year in years}
            continue
        keys.add(period)
        if period[-4:].isdigit():
            keys.add(period[-4:])
    if (
        own is not None
        and own.quarter
        and own.year
        and (THIS_QUARTER_RE.search(text) or (compared and not keys))
    ):
        keys |= {own.label, str(own.year)}
    return keys


COMPARISON_BEFORE_RE = re.compile(
    r"\b(?:compared (?:with|to)|versus|vs\.?|than|relative to|from|over|lapping|"
    r"same (?:period|quarter) (?:of|in|last)|a year ago)\b[^,.;]{0,25}$",
    re.I,
)


def chunk_periods(chunk, own: Period | None = None) -> set[str]:
    """Periods a chunk speaks of: a row's own headers (its caption only when they name none),
    or a passage's text. A quarter said without its year ("the fourth quarter") and "this
    quarter" are read against the document's own period `own`."""
    if chunk.kind == "table_row":
        headers = period_keys(
            " ".join([*chunk.row_path, *(p for cell in chunk.cells for p in cell.column_path)]),
            own,
        )
        return headers or period_keys(chunk.heading or "", own)
    return period_keys(chunk.text, own)
