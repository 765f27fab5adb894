"""Figures in English prose: amounts, rates and counts with their labels and periods, ranges
merged, a figure a sentence replaces marked."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from assistant.documents.text import BARE_YEAR_RE
from assistant.figures.labels import (
    BREAKDOWN_RE,
    CHANGE_BEFORE_RE,
    CHANGE_FILLER,
    CHANGE_PHRASES,
    DECREASE_WORDS,
    INCREASE_WORDS,
    METRIC_NAME_AFTER_RE,
    METRIC_NAME_BEFORE_RE,
    OF_AFTER_RE,
    PERIOD_PHRASE_RE,
    clauses_before,
    clean_metric,
    detect_change,
    metric_after,
    rate_named_after,
    sensible_label,
    sentence_bounds,
    subject_clause,
)
from assistant.figures.model import (
    CUR_PREFIX,
    CURRENCIES,
    CURRENCY_UNITS,
    NUM,
    SCALE_WORD,
    SCALES,
    Figure,
    Source,
    parse_number,
)
from assistant.figures.timing import (
    COMPARATIVE_CLAUSE_RE,
    NEGATIVE_BEFORE_RE,
    PRIOR_AFTER_RE,
    PRIOR_CLAUSE_RE,
    RELATIVE_AFTER_RE,
    period_and_kind,
)
from assistant.text.periods import (
    MONTHS,
    periods_in,
)

EN_RE = re.compile(
    rf"(?P<open>\()?(?P<cur>{CUR_PREFIX})\s?(?P<n1>{NUM})"
    rf"(?:\s?(?P<s1>{SCALE_WORD})\b|(?P<s1b>[kKmMbB]{{1,2}})\b)?(?P<close>\))?"
    rf"|(?<![\w.$])(?P<n2>{NUM})\s?(?:(?P<s2>{SCALE_WORD})\s)?(?P<cur2>yuan|renminbi|dollars)\b"
    rf"|(?<![\w.$])(?P<n3>{NUM})\s?(?P<pct>%|percent\b|per cent\b|percentage points?\b)"
    rf"|(?<![\w.$])(?P<n4>{NUM})\s?(?P<bps>bps\b|basis points?\b|bp\b)"
    rf"|(?<![\w.$])(?P<n5>{NUM})[\s-](?P<dur>months?|days?|weeks?|years?)\b"
    rf"|(?<![\w.$])(?P<n6>{NUM})\s?(?P<mult>x|times|turns)\b"
    rf"|(?<![\w.$/:-])(?P<n7>{NUM})(?:\s(?P<s7>{SCALE_WORD})\b)?(?![\w:/]|\.\d|-\w)",
    re.IGNORECASE,
)
QUALIFIER_RE = re.compile(
    r"^\s?(per (?:diluted |basic |ordinary )?(?:ADS|ADSs|share|unit|employee|user|customer))",
    re.I,
)
NOT_AN_AMOUNT_BEFORE = re.compile(
    rf"(?:\b(?:{MONTHS})\.?|\bnote|\bitem|\bpage|\bsection|\bno\.|\bext\.?|\bextension|"
    r"\brule|\bform|\bclause|\bpart|\bchapter|\bphase|\btier|\blevel|\bversion|\b[Qq]|\+|#)\s*$",
    re.I,
)
APPROX_RE = re.compile(
    r"\b(approximately|approx\.|about|around|roughly|nearly|almost|close to|circa|some)\s*$|~\s*$",
    re.I,
)
BOUND_RE = re.compile(
    r"\b(over|more than|in excess of|above|exceeds?|exceeding|at least|below|under|less than|"
    r"up to|at most)\s*$",
    re.I,
)


def english_figures(text: str, default_period: str | None, source: Source = "text") -> list[Figure]:
    default_year = default_period[-4:] if default_period and default_period[-4:].isdigit() else None
    periods = periods_in(text, default_year)
    figures: list[Figure] = []
    for m in EN_RE.finditer(text):
        end = m.end()
        before = text[max(0, m.start() - 40) : m.start()]
        read = amount_of(m, text, before)
        if read is None:
            continue
        start, unit, number, scale_word, negative, qualifier = read
        value = parse_number(number, scale_word)
        sentence = sentence_bounds(text, start)
        clauses = clauses_before(text, start, sentence[0])
        clause = clauses[-1]
        change = change_of(text, before, end, unit, clause)
        period, stated, kind = period_and_kind(text, periods, start, end, sentence, default_period)
        if NEGATIVE_BEFORE_RE.search(before):
            negative = True
        if kind == "actual" and (
            PRIOR_CLAUSE_RE.search(clause)
            or (
                change is None
                and (
                    COMPARATIVE_CLAUSE_RE.match(clause)
                    or PRIOR_AFTER_RE.match(text[end : sentence[1]])
                )
            )
        ):
            kind = "prior"  # "up from $5.7 billion on 18,739 homes closed in the prior year"
        figures.append(
            Figure(
                value=-value if negative else value,
                unit=unit,
                text=text[start:end].strip(),
                span=(start, start + len(text[start:end].rstrip())),
                source=source,
                scale=scale_word if scale_word not in (None, "") else None,
                metric=metric_of(text, end, unit, clauses, figures, sentence[0]),
                period=period,
                period_stated=stated,
                kind=kind,
                change=change,
                qualifier=qualifier,
                approximate=bool(APPROX_RE.search(before)),
                bound=bound_of(before),
            )
        )
    return pair_periods(text, periods, mark_replaced(text, merge_ranges(text, figures)))


def amount_of(
    m: re.Match, text: str, before: str
) -> tuple[int, str, str, str | None, bool, str | None] | None:
    """What a match of EN_RE states: (start, unit, number, scale word, negative, qualifier);
    None for a number that is no amount (a year, a footnote mark, an ordinal, a metric's
    name such as "90 days delinquency")."""
    start, end = m.span()
    groups = m.groupdict()
    scale_word = None
    qualifier = None
    if groups["n1"]:
        unit = CURRENCIES[groups["cur"].lower()]
        number = groups["n1"]
        scale_word = (groups["s1"] or groups["s1b"] or "").lower() or None
        negative = bool(groups["open"] and groups["close"])
        if groups["open"] and not groups["close"]:
            start += 1  # "(RMB5 million" without the closing mark: keep the amount only
            negative = False
        q = QUALIFIER_RE.match(text[end:])
        if q:
            qualifier = q.group(1)
    elif groups["n2"]:
        unit, number = CURRENCIES[groups["cur2"].lower()], groups["n2"]
        scale_word, negative = (groups["s2"] or "").lower() or None, False
    elif groups["n3"]:
        unit, number, negative = "%", groups["n3"], False
        if "point" in groups["pct"].lower():
            qualifier = "percentage points"
    elif groups["n4"]:
        unit, number, negative = "bps", groups["n4"], False
    elif groups["n5"]:
        kind = groups["dur"].lower().rstrip("s")
        unit = {"month": "months", "day": "days", "week": "weeks", "year": "years"}[kind]
        number, negative = groups["n5"], False
    elif groups["n6"]:
        unit, number, negative = "x", groups["n6"], False
    else:
        number = groups["n7"]
        scale_word = (groups["s7"] or "").lower() or None
        unit, negative = "count", False
        if not scale_word and (BARE_YEAR_RE.match(number) or "." in number):
            return None
        if NOT_AN_AMOUNT_BEFORE.search(before):
            return None
        if re.search(r"\(\s*$", before) and re.match(r"\s*\)", text[end:]) and len(number) <= 2:
            return None  # footnote mark "(1)"
        if re.match(r"\s*(?:st|nd|rd|th)\b", text[end:]):
            return None
    if unit in {"days", "months", "count"} and (
        METRIC_NAME_AFTER_RE.match(text[end:]) or METRIC_NAME_BEFORE_RE.search(before)
    ):
        return None  # "90 days delinquency ratio", "FPD over 7 days", "day 1": a metric's name
    if unit == "x" and parse_number(number) >= 1000:
        unit = "count"  # "860,000 times" counts events; a multiple is "2.5x"
    if unit != "count" and not groups["n1"] and re.search(r"\b[Qq]\s*$", before):
        return None
    return start, unit, number, scale_word, negative, qualifier


LOWER_BOUND_WORDS = frozenset(
    {"over", "more than", "in excess of", "above", "exceed", "exceeds", "exceeding", "at least"}
)


def bound_of(before: str) -> str | None:
    """ "over $1 billion" is a lower bound, "up to $1 billion" an upper one."""
    bound_match = BOUND_RE.search(before)
    if not bound_match:
        return None
    return "lower" if bound_match.group(1).lower() in LOWER_BOUND_WORDS else "upper"


def change_of(text: str, before: str, end: int, unit: str, clause: str) -> str | None:
    """Whether the figure is a change (increase or decrease) rather than a level: "up 5%",
    "grew by $2 million", "increased $5 million to $227.9 million", "$0.35 above"."""
    by_change = re.search(
        r"\b(by|up|down)\s+(?:another |a further |an additional )?"
        r"(?:approximately |about |around |roughly |nearly |almost |over "
        r"|more than )?$",
        before,
        re.I,
    )
    change = None
    if by_change or unit in {"%", "bps"}:
        change = (
            detect_change(clause)
            if (
                by_change
                or re.search(
                    rf"\b({INCREASE_WORDS}|{DECREASE_WORDS})(?:\s+of)?{CHANGE_FILLER}\s*$",
                    before,
                    re.I,
                )
            )
            else None
        )
        if by_change and by_change.group(1).lower() == "up":
            change = "increase"
        if by_change and by_change.group(1).lower() == "down":
            change = "decrease"
    elif re.match(r"\s+(?:to|from)\s+\S*\d", text[end:]) and CHANGE_BEFORE_RE.search(before):
        change = detect_change(clause)  # "increased $5 million to (or from) $227.9 million"
    relative = RELATIVE_AFTER_RE.match(text[end:])
    if change is None and relative:
        # "$0.35 above our Q1 2020 results": a difference, not the level
        change = "increase" if relative["up"] else "decrease"
    return change


def metric_of(
    text: str, end: int, unit: str, clauses: list[str], figures: list[Figure], sent_start: int
) -> str | None:
    """What the figure measures: its clause's words, the item before ", net of", what is
    counted or named after it, a rate's name, else the sentence's last named figure's metric
    or the sentence's subject."""
    clause = clauses[-1]
    metric = clean_metric(_strip_figures(PERIOD_PHRASE_RE.sub(" ", clause)))
    if NET_OF_CLAUSE_RE.match(clause) and len(clauses) > 1:
        # "accounts receivable, net of $1.0 billion": the item before the comma, net
        item = clauses[-2][max((f.end() for f in EN_RE.finditer(clauses[-2])), default=0) :]
        named = clean_metric(PERIOD_PHRASE_RE.sub(" ", item))
        metric = f"{named} {NET_OF_CLAUSE_RE.match(clause)[1].lower()}" if named else None
    if COMPARATIVE_CLAUSE_RE.match(clause):
        metric = None  # "..., compared to $1.0 billion": the earlier figure's metric
    counted = metric_after(text, end, unit) if unit == "count" else None
    if counted and counted not in CHANGE_PHRASES and sensible_label(counted.split()):
        metric = counted  # "18,396 homes closed": what is counted names the figure
    elif (unit in CURRENCY_UNITS and OF_AFTER_RE.match(text, end)) or BREAKDOWN_RE.search(clause):
        named = metric_after(text, end, unit)
        if named and named not in CHANGE_PHRASES and sensible_label(named.split()):
            # "an RoTCE of 7.7% on $20.1 billion of revenues"; the parts of a whole are
            # named after them ("comprised of 14.5% in CET1 capital and 2.5% in AT1").
            metric = named
    if unit == "%" and (rate := rate_named_after(text, end)):
        metric = rate  # "a 13.4% CET1 capital ratio", "deliver 20% core revenue growth"
    if metric is None:
        same_sentence = [f for f in figures if f.span[0] >= sent_start and f.metric]
        after = metric_after(text, end, unit)
        subject = subject_clause(clauses)
        if after and after not in CHANGE_PHRASES:
            metric = after
        elif same_sentence:
            metric = same_sentence[-1].metric  # "..., up 57% year-on-year"
        elif subject:
            metric = clean_metric(_strip_figures(PERIOD_PHRASE_RE.sub(" ", subject)))
    return metric


NET_OF_CLAUSE_RE = re.compile(r"^\s*(net|gross)(?:\s+of)?\s*$", re.I)
PAIR_GAP_RE = re.compile(r"^\s*(?:and|,)\s*$")


def pair_periods(text: str, periods: list[tuple[int, str]], figures: list[Figure]) -> list[Figure]:
    """ "RMB463 million and RMB626 million as of December 31, 2022 and December 31, 2023"
    (or "..., respectively"): the two figures take the two periods in order."""
    out = list(figures)
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if a.unit != b.unit or not PAIR_GAP_RE.match(text[a.span[1] : b.span[0]]):
            continue
        sentence_end = sentence_bounds(text, b.span[1])[1]
        later = [p for p in periods if b.span[1] <= p[0] < sentence_end]
        for first, second in itertools.pairwise(later):
            gap = text[first[0] : second[0]]
            if len(gap) <= 40 and re.search(r"\band\b|,", gap):
                out[k] = replace(a, period=first[1])
                out[k + 1] = replace(b, period=second[1])
                break
    return out


def _strip_figures(clause: str) -> str:
    def keep_metric_names(m: re.Match[str]) -> str:
        rest = clause[m.end() :]
        if METRIC_NAME_AFTER_RE.match(rest) or METRIC_NAME_BEFORE_RE.search(clause[: m.start()]):
            return m.group(0)
        return " "

    return EN_RE.sub(keep_metric_names, clause)


def change_then_level(before: str, a: Figure, b: Figure) -> bool:
    """ "from $5 million to $7 million", "increased $5 million to $227.9 million": a change
    (or an earlier level) and the new level, not a range."""
    if re.search(r"\bfrom\s*$", before, re.I):
        return not re.search(r"\brang\w*\s+from\s*$", before, re.I)  # "range from $1 to $2"
    low, high = abs(low_end(a, b)), abs(b.value)
    return bool(CHANGE_BEFORE_RE.search(before)) and high > 2 * low


REPLACED_BEFORE_RE = re.compile(r"\bfrom\s+(?:a\s+(?:range|level)\s+of\s+)?$", re.I)
REPLACED_AFTER_RE = re.compile(
    r"^\s*(?:per (?:diluted )?share\s*)?to\s+(?:a\s+(?:new\s+)?range\s+of\s+)?[$€£¥]?\d", re.I
)


def mark_replaced(text: str, figures: list[Figure]) -> list[Figure]:
    """ "raising guidance from $9.70 to $9.80 to $10.70 to $10.80": the first is the earlier
    figure, replaced by the second."""
    return [
        replace(f, kind="prior")
        if REPLACED_BEFORE_RE.search(text[max(0, f.span[0] - 30) : f.span[0]])
        and REPLACED_AFTER_RE.match(text[f.span[1] : f.span[1] + 40])
        else f
        for f in figures
    ]


def low_end(a: Figure, b: Figure) -> float:
    """The first number of "$1.65 to $1.70 billion" in base units: it takes the second's
    scale when it states none."""
    return a.value * SCALES.get(b.scale, 1.0) if a.scale is None and b.scale else a.value


def plausible_range(a: Figure, b: Figure) -> bool:
    """The two ends of a range are of one order of magnitude ("14 to $0.16" is not a range)."""
    low, high = abs(low_end(a, b)), abs(b.value)
    if min(low, high) == 0:
        return True  # "0% to 2%"
    return max(low, high) / min(low, high) <= 20


def merge_ranges(text: str, figures: list[Figure]) -> list[Figure]:
    """`$1.65 billion to $1.70 billion`, `15% to 17%`, `3 to 5 basis points`: one figure."""
    out: list[Figure] = []
    k = 0
    while k < len(figures):
        a = figures[k]
        b = figures[k + 1] if k + 1 < len(figures) else None
        if b is not None:
            gap = text[a.span[1] : b.span[0]]
            same_kind = a.unit == b.unit or (a.unit == "count" and not a.scale)
            if (
                re.fullmatch(r"\s*(?:to|-|–|and|~)\s*", gap)
                and same_kind
                and (
                    re.fullmatch(r"\s*(?:to|-|–|~)\s*", gap)
                    or text[: a.span[0]].rstrip().endswith("between")
                )
                and not change_then_level(text[max(0, a.span[0] - 40) : a.span[0]], a, b)
                and plausible_range(a, b)
            ):
                low = low_end(a, b)
                out.append(
                    replace(
                        b,
                        value=min(low, b.value),
                        high=max(low, b.value),
                        text=text[a.span[0] : b.span[1]],
                        span=(a.span[0], b.span[1]),
                        approximate=a.approximate,
                        metric=a.metric or b.metric,
                        change=a.change or b.change,
                    )
                )
                k += 2
                continue
        out.append(a)
        k += 1
    return out
