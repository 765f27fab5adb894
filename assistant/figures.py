"""Figures: the numbers in a chunk as data (value in base units, unit, scale, metric, period,
change), each with its exact source text and span.

English prose, Chinese translations (萬/億/萬億, 元/人民幣, full-width digits) and table cells
are read. A year, a quarter (Q4), an attached label (FPD7, DeepSeek-V2), a date, a footnote
mark or a phone extension is never taken for an amount.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from assistant.chunking import Chunk
from assistant.documents.text import is_period_like
from assistant.lexical import tokenize
from assistant.periods import (
    MONTHS,
    Period,
    fiscal_quarter,
    iso_date,
    parse_period,
    period_spans,
    periods_in,
    zh_periods_in,
)
from assistant.vocabulary import GUIDANCE_RE, MONEY_METRIC_TOKENS

Source = Literal["text", "translation", "table"]

SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mm": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "萬": 1e4,
    "万": 1e4,
    "億": 1e8,
    "亿": 1e8,
    "萬億": 1e12,
    "万亿": 1e12,
    "千": 1e3,
    "thousands": 1e3,
    "millions": 1e6,
    "billions": 1e9,
}
CURRENCIES = {
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "人民幣": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "dollars": "USD",
    "美元": "USD",
    "hk$": "HKD",
    "hkd": "HKD",
    "港元": "HKD",
    "港幣": "HKD",
    "eur": "EUR",
    "€": "EUR",
    "gbp": "GBP",
    "£": "GBP",
    "jpy": "JPY",
    "¥": "JPY",
    "s$": "SGD",
    "a$": "AUD",
    "c$": "CAD",
}
FULL_WIDTH = str.maketrans("０１２３４５６７８９％，．", "0123456789%,.")

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CUR_PREFIX = r"US\$|HK\$|S\$|A\$|C\$|RMB|USD|HKD|CNY|EUR|GBP|JPY|\$|€|£|¥"
SCALE_WORD = r"thousand|million|billion|trillion|mn|bn|tn"
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
ZH_RE = re.compile(
    rf"(?P<pre>人民幣|人民币|美元|港元|港幣)?\s?(?P<num>{NUM})\s?"
    r"(?P<scale>萬億|万亿|億|亿|萬|万|千)?\s?(?P<unit>元|美元|港元|%|個基點|个基点|基點|基点|個百分點|个百分点|"
    r"個月|个月|天|倍|家|個|个|名|台|筆|笔)?"
    r"(?P<post>人民幣|人民币)?"
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
INCREASE_WORDS = (
    r"increase[ds]?|increasing|grew|grow(?:s|ing|th)?|rose|rise[sn]?|rising|up|higher|expand(?:ed|s)?|"
    r"gain(?:ed|s)?|climb(?:ed|s)?|jump(?:ed|s)?|surge[ds]?|accelerat(?:ed|es)|added"
)
DECREASE_WORDS = (
    r"decrease[ds]?|decreasing|decline[ds]?|declining|fell|fall(?:s|en|ing)?|down|lower|"
    r"drop(?:ped|s)?|reduc(?:e|ed|es|ing|tion)|shrank|contract(?:ed|ion)|cut|narrow(?:ed|s)?|"
    r"slow(?:ed|s)"
)
CHANGE_EN_RE = re.compile(
    rf"\b(?P<inc>{INCREASE_WORDS})\b|\b(?P<dec>{DECREASE_WORDS})\b|\b(?P<imp>improve[ds]?|improving|"
    r"improvement)\b|\b(?P<wor>worsen(?:ed|s)?|deteriorat(?:ed|es|ion))\b",
    re.I,
)
CHANGE_ZH_RE = re.compile(
    r"(?P<inc>增長|增长|成長|成长|提高|提升|上升|增加|擴大|扩大)|"
    r"(?P<dec>下降|減少|减少|降低|下滑|收窄)|(?P<imp>改善)"
)
CLAUSE_BREAK_RE = re.compile(r"[;:,()。,;:]|\bwhile\b|\bwhich\b|\bwith\b|\bcompared\b", re.I)
LINK_TAIL_RE = re.compile(
    r"(?:\s+|^)(?:or|and|versus|vs\.?|compared to|compared with|than|"
    r"was|were|is|are|be|been|being|now|stood|stands|stand|reached|reaching|"
    r"came in|totaled|totalled|amounted|amounting|of|at|to|by|from|in|on|for|as|"
    r"approximately|about|around|roughly|nearly|almost|over|more than|in excess of|below|under|"
    r"up|down|negative|minus|ended|ending|closed|finished|"
    r"remains?|remained|sufficient|decreased|increased|declined|grew|rose|fell|dropped|"
    r"improved|expanded|representing|represents|represented|accounted for|hit|"
    r"recorded|reported|delivered|generated|achieved|maintained|kept|stayed|continued|"
    r"another|further|additional|a further|an additional|will|would|should|could|may|"
    # "reducing our starts guidance to a range of": the range is where the figure goes.
    r"a range|the range|range|"
    rf"growing|increasing|declining|decreasing|{INCREASE_WORDS}|{DECREASE_WORDS})\s*$",
    re.I,
)
LEADING_NOISE_RE = re.compile(
    r"^(?:(?:and|but|so|also|then|our|the|its|their|this|that|these|those|total|a|an|we|"
    r"while|whereas|with|of|as|in|on|for|during|overall|meanwhile|additionally|"
    r"furthermore|moreover|however)\s+)+",
    re.I,
)
PERIOD_WORDS_RE = re.compile(
    rf"^(?:q[1-4]|quarter|the quarter|year|fiscal|full|first|second|third|fourth|{MONTHS})\b",
    re.I,
)
METRIC_STOP = {
    "and",
    "or",
    "to",
    "in",
    "the",
    "year",
    "over",
    "from",
    "at",
    "by",
    "of",
    "for",
    "as",
    "with",
    "on",
    "per",
    "this",
    "that",
    "which",
}
LABEL_FILLER = frozenset(
    """least most back averaging average about around roughly nearly almost over under than
    more less compared versus from into onto upon also just only still even well then there
    here this that these those which what when where while with without within range ranged
    ranging between record that's it's there's here's what's we're we've we'll they're you're
    the and for but are was were has had have been being will would can could our its their
    his her you your not nor yet
    significantly slightly approximately roughly largely mostly primarily partially materially
    substantially modestly positive negative general generally
    thousand million billion trillion percent""".split()
)
CHANGE_WORD_RE = re.compile(rf"(?:{INCREASE_WORDS}|{DECREASE_WORDS})", re.I)
TRAILING_WORDS = LABEL_FILLER | {"to", "of", "in", "at", "by", "on", "as", "a", "an"}
MODIFIER_PREPOSITIONS = {"for", "of", "in", "across", "at"}
PRONOUNS = {"we", "it", "they", "this", "that", "which", "i", "you", "he", "she", "there"}
VERBS = {
    "expect",
    "expects",
    "expected",
    "expecting",
    "anticipating",
    "projecting",
    "guiding",
    "approved",
    "announced",
    "declared",
    "invested",
    "shipped",
    "repurchased",
    "reported",
    "recorded",
    "delivered",
    "deliver",
    "delivering",
    "achieve",
    "achieving",
    "generated",
    "resulting",
    "leading",
    "bringing",
    "achieved",
    "another",
    "now",
    "plan",
    "plans",
    "target",
    "targets",
    "see",
    "saw",
    "had",
    "has",
    "have",
}
# Verbs that name a thing when they close a noun phrase ("savings target", "capital plan").
NOUN_OR_VERB = {"plan", "plans", "target", "targets"}
CHANGE_PHRASES = {
    "year-on-year",
    "year over year",
    "year-over-year",
    "quarter-over-quarter",
    "quarter over quarter",
    "sequentially",
    "yoy",
    "qoq",
}
METRIC_MAX_WORDS = 8
YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
METRIC_NAME_AFTER_RE = re.compile(
    r"^[\s-]*(?:days?\s+|months?\s+)?(?:delinquency|delinquent|dpd|fpd|past[- ]due|overdue|"
    r"ratio|rate|default|vintage|mob|\+)",
    re.I,
)
METRIC_NAME_BEFORE_RE = re.compile(r"\b(?:over|fpd|dpd|day|mob|m)\s*$", re.I)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    text: str
    span: tuple[int, int]
    source: Source = "text"
    scale: str | None = None
    metric: str | None = None
    period: str | None = None
    change: str | None = None
    qualifier: str | None = None
    high: float | None = None
    approximate: bool = False
    bound: str | None = None
    nil: bool = False
    row_path: tuple[str, ...] = ()
    column_path: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # Whether the period comes from the figure's own sentence (or table headers) rather than
    # from the document; and whether the figure is a result, guidance or an earlier period.
    period_stated: bool = False
    kind: str = "actual"

    def as_dict(self) -> dict:
        out = {
            "value": self.value,
            "unit": self.unit,
            "text": self.text,
            "scale": self.scale,
            "metric": self.metric,
            "period": self.period,
            "change": self.change,
            "qualifier": self.qualifier,
            "high": self.high,
            "approximate": self.approximate,
            "bound": self.bound,
            "nil": self.nil,
            "source": self.source,
            "span": list(self.span),
            "row_path": list(self.row_path),
            "column_path": list(self.column_path),
            "flags": list(self.flags),
            "period_stated": self.period_stated,
            "kind": self.kind,
        }
        return out


def parse_number(text: str, scale: str | None = None) -> float:
    """Exact decimal arithmetic, so RMB4.1 billion is 4100000000, not 4099999999.9999995."""
    number = Decimal(text.replace(",", "").replace(",", ""))
    return float(number * Decimal(str(SCALES[scale])) if scale in SCALES else number)


# Periods ---------------------------------------------------------------------------------------


# What may stand between a figure and the period it is for: "0.66% in Q1", "$0.60 in the
# third quarter".
PERIOD_LINK_RE = re.compile(r"^[\s,]*(?:(?:in|at|for|as of|on|of|by|during)\s+(?:the\s+)?)?$", re.I)


def figure_period(
    text: str, periods: list[tuple[int, str]], start: int, end: int, sentence_start: int
) -> str | None:
    """The period the figure's own sentence states: "0.66% in Q1", a period right after the
    figure; else the last one before it in the sentence."""
    after = [
        p for p in periods if end <= p[0] <= end + 16 and PERIOD_LINK_RE.match(text[end : p[0]])
    ]
    if after:
        return after[0][1]
    in_sentence = [p for p in periods if sentence_start <= p[0] < start]
    return in_sentence[-1][1] if in_sentence else None


FULL_YEAR_RE = re.compile(
    r"\b(?:full[- ]year|for the (?:full |fiscal )?year|fiscal year|annual|for the twelve months|"
    r"year[- ]to[- ]date|for 20\d\d)\b",
    re.I,
)
THIS_YEAR_RE = re.compile(r"\bthis year\b", re.I)
PRIOR_RE = re.compile(
    r"\b(?:compared (?:to|with)|versus|vs\.?|from|last year|prior[- ]year|a year ago|"
    r"(?:higher|lower|more|less|better|worse|greater|above|below) than(?: the| our| its)?|"
    r"same (?:quarter|period) (?:of |last )?(?:last )?year)\s*$",
    re.I,
)
COMPARATIVE_CLAUSE_RE = re.compile(r"^\s*(?:compared|versus|vs\.?|up from|down from|from)\b", re.I)
RELATIVE_AFTER_RE = re.compile(
    r"\s+(?:(?P<up>above|ahead of|better than|higher than|more than)|"
    r"(?P<down>below|behind|worse than|lower than|less than))\s+(?:our|the|last|its|their)\b",
    re.I,
)
PRIOR_CLAUSE_RE = re.compile(
    r"\b(?:lapping|rolling over|prior[- ]year (?:increase|decrease|growth|decline)|"
    r"last year's|a year earlier)\b",
    re.I,
)
PRIOR_AFTER_RE = re.compile(
    r"^[^,;]{0,40}?\b(?:in|for|during|of) the (?:prior|previous)[- ]year(?:'s)?(?: quarter| "
    r"period)?\b|^[^,;]{0,40}?\b(?:a year ago|in the same (?:quarter|period) (?:of )?last year)",
    re.I,
)
NEGATIVE_BEFORE_RE = re.compile(r"\b(?:negative|minus)\s*$", re.I)


# "Given our performance year-to-date and expected future growth, our Board approved ...":
# a leading clause that gives the reason says nothing of the figure's period or kind.
REASON_CLAUSE_RE = re.compile(
    r"\s*(?:given|based on|due to|because of|in light of|thanks to)\b[^,;.]{0,160}[,;]", re.I
)


def after_reason_clause(text: str, sentence_start: int, figure_start: int) -> int:
    """Where the sentence's main clause starts: after a leading reason clause, if any, that
    ends before the figure."""
    m = REASON_CLAUSE_RE.match(text, sentence_start)
    return m.end() if m and m.end() <= figure_start else sentence_start


def period_and_kind(
    text: str,
    periods: list[tuple[int, str]],
    start: int,
    end: int,
    sentence: tuple[int, int],
    default_period: str | None,
) -> tuple[str | None, bool, str]:
    """(period, whether the sentence states it, kind): a period named beside the figure
    first; "for the full year" gives the document's fiscal year; else the document's period.
    Kind is guidance when the sentence expects or guides, prior for a comparative."""
    sentence_start, sentence_end = sentence
    period = figure_period(text, periods, start, end, sentence_start)
    stated = period is not None
    sentence_start = after_reason_clause(text, sentence_start, start)
    sentence = (sentence_start, sentence_end)
    sentence_text = text[sentence_start:sentence_end]
    if not stated:
        year = default_period[-4:] if default_period and default_period[-4:].isdigit() else None
        if year and FULL_YEAR_RE.search(sentence_text):
            period, stated = f"FY{year}", True
        else:
            period = default_period
    kind = "actual"
    if guides(text, start, end, sentence):
        kind = "guidance"
        period = next_occurrence(period, default_period) if stated else period
    elif (
        not stated
        and default_period
        and default_period.startswith(("Q4", "FY"))
        and THIS_YEAR_RE.search(sentence_text)
    ):
        # A result "this year" on a fourth-quarter call is the fiscal year. Earlier in the
        # year it is the quarter against last year's or the year to date, and in an outlook it
        # is the next year, so those are left alone.
        year = default_period[-4:] if default_period[-4:].isdigit() else None
        if year:
            period, stated = f"FY{year}", True
    elif PRIOR_RE.search(text[max(sentence_start, start - 30) : start]) or (
        stated
        and period
        and default_period
        and period != default_period
        and period[-4:].isdigit()
        and default_period[-4:].isdigit()
        and period[-4:] < default_period[-4:]
    ):
        kind = "prior"
    return period, stated, kind


# A result set against an expectation ("in line with our Group targets", "as expected") is a
# result: the expectation is what it is compared with.
COMPARED_WITH_GUIDANCE_RE = re.compile(
    r"\b(?:in line with|ahead of|above|below|better than|worse than|short of|versus|vs\.?|"
    r"compared (?:to|with)|relative to|exceed(?:ed|ing|s)?|beat(?:ing)?)"
    r"\s+(?:(?:our|the|its|their|this|that)\s+)?(?:\w+\s+){0,2}?"
    r"(?:guidance|guided range|expectations?|outlook|forecasts?|targets?|estimates?)\b"
    r"|\bas (?:we |had been |was |were |previously )?"
    r"(?:expected|anticipated|guided|forecast|projected|targeted)\b",
    re.I,
)
CLAUSE_END_RE = re.compile(r"[;,:](?=\s)|\s[—–-]\s|\(")


def guides(text: str, start: int, end: int, sentence: tuple[int, int]) -> bool:
    """Whether a figure is an expectation: a guidance word earlier in its sentence ("we expect
    revenue of $1.2 billion, up 5%") or later in its own clause ("$1.2 billion is expected"),
    not one that only compares a result with an expectation ("14.3%, in line with our
    guidance"; "as expected, revenue was ..."). The figure right after a comparison is the
    expectation itself ("$5.1 billion, above our guidance of $4.8 billion")."""
    before = text[sentence[0] : start]

    def earlier_clause(m: re.Match) -> str:
        return " " if CLAUSE_END_RE.search(before, m.end()) else m[0]

    before = COMPARED_WITH_GUIDANCE_RE.sub(earlier_clause, before)
    after = CLAUSE_END_RE.split(text[end : sentence[1]], maxsplit=1)[0]
    after = COMPARED_WITH_GUIDANCE_RE.sub(" ", after)
    return bool(GUIDANCE_RE.search(before) or GUIDANCE_RE.search(after))


def next_occurrence(period: str | None, default_period: str | None) -> str | None:
    """Guidance for "the first quarter" on a Q4 2020 call is for Q1 2021: a quarter read with
    the call's year that is not after the call's own quarter is next year's."""
    m = re.fullmatch(r"Q([1-4]) (\d{4})", period or "")
    own = re.fullmatch(r"Q([1-4]) (\d{4})", default_period or "")
    if m and own and m[2] == own[2] and int(m[1]) <= int(own[1]):
        return f"Q{m[1]} {int(m[2]) + 1}"
    return period


def nearest_period(periods: list[tuple[int, str]], position: int) -> str | None:
    """The period mentioned closest before the figure, else the first after it."""
    before = [p for p in periods if p[0] <= position]
    if before:
        return before[-1][1]
    return periods[0][1] if periods else None


# English prose ------------------------------------------------------------------------------


# How far a sentence is looked for on either side of a figure; chunks are shorter than
# this, so it only bounds the work on text that never passed through the chunker.
SENTENCE_WINDOW = 2000


def sentence_bounds(text: str, position: int) -> tuple[int, int]:
    floor = max(0, position - SENTENCE_WINDOW)
    ceiling = min(len(text), position + SENTENCE_WINDOW)
    start = max(
        text.rfind(". ", floor, position),
        text.rfind("? ", floor, position),
        text.rfind("! ", floor, position),
    )
    start = floor if start < 0 else start + 2
    ends = [
        i
        for i in (text.find(". ", position, ceiling), text.find("? ", position, ceiling))
        if i >= 0
    ]
    return start, (min(ends) + 1 if ends else ceiling)


DATE_COMMA_RE = re.compile(rf"((?:{MONTHS})\.?\s+\d{{1,2}}),(\s+(?:19|20)\d{{2}})", re.I)


def clauses_before(text: str, start: int, sentence_start: int) -> list[str]:
    """The clauses of the sentence up to the figure; a date's comma does not split."""
    head = DATE_COMMA_RE.sub(lambda m: f"{m.group(1)} {m.group(2)}", text[sentence_start:start])
    parts: list[str] = []
    last = 0
    for m in CLAUSE_BREAK_RE.finditer(head):
        parts.append(head[last : m.start()])
        last = m.start() if m.group(0)[0].isalpha() else m.end()
    parts.append(head[last:])
    return parts


def subject_clause(clauses: list[str]) -> str | None:
    """When the figure's own clause has no noun, the subject is before an appositive
    ("our cash position, which includes cash, ..., was RMB4.1 billion")."""
    earlier = clauses[:-1]
    for k, clause in enumerate(earlier):
        if re.match(r"\s*(?:which|that|including|includes|such as)\b", clause, re.I) and k > 0:
            return earlier[k - 1]
    return earlier[-1] if earlier else None


PERIOD_PHRASE_RE = re.compile(
    rf"\b(?:as of|as at|at|in|for|during|of|from|by|on)?\s*(?:the\s+)?"
    rf"(?:year[- ]end|quarter[- ]end|"
    rf"end of the (?:quarter|year)|(?:first|second|third|fourth)[- ]quarter|q[1-4]|"
    rf"(?:full[- ]year|fiscal(?: year)?|fy)\s*(?:19|20)?\d{{2}}|"
    rf"(?:{MONTHS})\.?\s+\d{{1,2}},?\s*(?:(?:19|20)\d{{2}})?|(?:19|20)\d{{2}}|"
    rf"(?:the\s+)?(?:year|years|quarter|quarters) ended|(?:this|the|that)\s+(?:quarter|period)|"
    rf"(?:prior|previous|last|same)[- ](?:year|quarter|period)(?:'s)?(?:\s+(?:quarter|period))?"
    rf"(?:\s+(?:of\s+)?last\s+year)?)(?:\s+(?:19|20)\d{{2}})?",
    re.I,
)


def clean_metric(phrase: str) -> str | None:
    phrase = PERIOD_PHRASE_RE.sub(" ", phrase)
    phrase = re.sub(r"\b(?:from|between)\s+(?:to|and)\b", " ", phrase)  # figures taken out
    phrase = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", phrase)
    phrase = re.sub(r"[^\w&'’\- /]", " ", phrase)
    phrase = " ".join(phrase.split())
    previous = None
    while phrase and phrase != previous:
        previous = phrase
        phrase = LINK_TAIL_RE.sub("", phrase).strip()
        phrase = LEADING_NOISE_RE.sub("", phrase).strip()
    words = phrase.split()
    # "board approved a cash dividend" -> "cash dividend": keep what follows the last article
    # or verb, since the metric is the noun phrase nearest the number; when that is no name
    # ("organic revenue growth is expected to be in the range of"), the subject before it.
    for k in range(len(words) - 1, -1, -1):
        lowered = words[k].lower()
        if k > 0 and words[k - 1].lower() in MODIFIER_PREPOSITIONS:
            continue  # "same-store sales for our international business": one name
        if (
            lowered in NOUN_OR_VERB
            and 0 < k == len(words) - 1
            and words[k - 1].lower() not in PRONOUNS
        ):
            continue  # "our cumulative savings target of $850 million": a noun here
        if lowered in {"a", "an", "the", "our", "its", "their"} or (
            lowered in VERBS
            or (lowered.endswith("ed") and len(lowered) > 4 and k > 0)
            or (k > 0 and CHANGE_WORD_RE.fullmatch(lowered))
            or (k > 0 and SUBJECT_END_RE.match(lowered))
        ):
            after, subject = words[k + 1 :], subject_words(words[:k])
            if SUBJECT_END_RE.match(lowered) and subject and sensible_label(subject):
                words = subject  # "comparable sales were strong": the subject is the name
            else:
                words = after if after and sensible_label(after) else subject
            break
    words = LEADING_NOISE_RE.sub("", " ".join(words)).split()  # "increase [of in our] dividend"
    words = without_trailing_links(words)  # "revenue to range" -> "revenue"
    if not words or all(w.lower() in PRONOUNS for w in words):
        return None
    if words[0].lower() in PRONOUNS:
        return None
    # A long label is cut to its first words, and never left ending on a link word ("earnings
    # in [this challenging macro environment]").
    words = without_trailing_links(words[:METRIC_MAX_WORDS])
    if not sensible_label(words):
        return None
    if all(re.fullmatch(r"[\d.,%]+", w) for w in words) or (
        len(words) == 1 and words[0].lower() in METRIC_STOP | {"including", "addition", "solid"}
    ):
        return None
    return (
        " ".join(words).lower()
        if not any(w.isupper() and len(w) > 1 for w in words)
        else (" ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in words))
    )


def without_trailing_links(words: list[str]) -> list[str]:
    """The words up to the last one that can end a name ("life of an" -> "life")."""
    while words and words[-1].lower() in TRAILING_WORDS:
        words = words[:-1]
    return words


SUBJECT_END_RE = re.compile(
    r"^(?:is|are|was|were|be|been|will|would|should|could|has|have|had)$", re.I
)


def subject_words(words: list[str]) -> list[str]:
    """The words before the first finite verb, with trailing link words cut."""
    for k, word in enumerate(words):
        if SUBJECT_END_RE.match(word) or word.lower() in VERBS or CHANGE_WORD_RE.fullmatch(word):
            words = words[:k]
            break
    phrase = " ".join(words)
    previous = None
    while phrase and phrase != previous:
        previous = phrase
        phrase = LINK_TAIL_RE.sub("", phrase).strip()
        phrase = LEADING_NOISE_RE.sub("", phrase).strip()
    return phrase.split()


def sensible_label(words: list[str]) -> bool:
    """A label names something: it has a content word of three letters or more that is not a
    function word, a period word or a bound ("at least", "year averaging", "back in march")."""
    content = [
        w
        for w in words
        if len(w) >= 3
        and re.match(r"^[A-Za-z]", w)
        and w.lower() not in LABEL_FILLER
        and not PERIOD_WORDS_RE.match(w)
    ]
    return bool(content) and not re.match(r"^[-'’]", words[0])


def metric_after(text: str, end: int, unit: str) -> str | None:
    """`63 financial partners`, `RMB151 million in research`: the noun after the number."""
    tail = text[end : end + 80]
    m = re.match(
        r"\s*(?:in|on|for|of)\s+([A-Za-z][\w\-]*(?:\s(?:[A-Za-z][\w\-]*|\d{1,2}\b)){0,3}?)"
        r"(?=\s?[,.;]|\s+(?:and|to|as|from|in|during|compared|which|while|at|by|versus|vs|or|"
        r"than|up|down)\b|\s?$)",
        tail,
    )
    if m and not PERIOD_WORDS_RE.match(m.group(1)):
        return clean_metric(m.group(1))
    if unit != "count":
        return None
    m = re.match(r"\s*([a-z][a-z\-]+(?:\s+[a-z][a-z\-]+){0,3})", tail)
    if m:
        words = []
        for w in m.group(1).split():
            if w.lower() in METRIC_STOP or w.endswith("ed"):
                break
            words.append(w)
        return " ".join(words).lower() or None
    return None


RATE_AFTER_RE = re.compile(
    r"\s*((?:[A-Za-z][\w\-/]*\s+){0,3}?"
    r"(?:ratio|margin|rate|return|yield|share|payout|utilization|occupancy|growth|"
    r"ro(?:t?ce|e|a|ic)|notes|bonds|debentures))\b(?:\s+due\s+((?:19|20)\d{2})\b)?",
    re.I,
)


def rate_named_after(text: str, end: int) -> str | None:
    """A percentage before the rate it is ("a 13.4% CET1 capital ratio", "a 25% operating
    margin") or the coupon of the notes it names: the words up to the rate's name, none of
    them a link word."""
    m = RATE_AFTER_RE.match(text, end)
    if not m or any(w.lower() in METRIC_STOP for w in m[1].split()):
        return None
    name = clean_metric(m[1])
    # "its 5.450% Medium-Term Notes due 2053": the coupon of notes named by their maturity
    return f"{name} due {m[2]}" if name and m[2] else name


CHANGE_FILLER = (
    r"(?:\s+(?:by|approximately|about|around|roughly|nearly|almost|some|over|more than))*"
)
CHANGE_BEFORE_RE = re.compile(
    r"\b(?:increas\w*|decreas\w*|gr[eo]w\w*|rose|ris\w*|fell|declin\w*|improv\w*|"
    r"expand\w*|up|down|higher|lower|by)" + CHANGE_FILLER + r"(?:\s+[-+]?[\d.,]+%?\s+or)?\s*$",
    re.I,
)


def detect_change(clause: str) -> str | None:
    last = None
    for m in CHANGE_EN_RE.finditer(clause):
        last = m
    if last is None:
        return None
    if last.group("inc"):
        return "increase"
    if last.group("dec"):
        return "decrease"
    if last.group("imp"):
        return "improvement"
    return "deterioration"


# An amount followed by "of <what>" names itself ("$20.1 billion of revenues"), not "$5
# billion of which" or "of the quarter".
OF_AFTER_RE = re.compile(r"\s+of\s+(?!which\b|the\b|this\b|that\b|these\b|those\b|it\b)")
# A clause that breaks a whole into parts: each part is named by what follows it.
BREAKDOWN_RE = re.compile(
    r"\b(?:compris\w*|consist\w*|made up of|broken down|split (?:between|into)|of which)\b", re.I
)


def english_figures(text: str, default_period: str | None, source: Source = "text") -> list[Figure]:
    default_year = default_period[-4:] if default_period and default_period[-4:].isdigit() else None
    periods = periods_in(text, default_year)
    figures: list[Figure] = []
    for m in EN_RE.finditer(text):
        start, end = m.span()
        before = text[max(0, start - 40) : start]
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
            if not scale_word and (YEAR_RE.match(number) or "." in number):
                continue
            if NOT_AN_AMOUNT_BEFORE.search(before):
                continue
            if re.search(r"\(\s*$", before) and re.match(r"\s*\)", text[end:]) and len(number) <= 2:
                continue  # footnote mark "(1)"
            if re.match(r"\s*(?:st|nd|rd|th)\b", text[end:]):
                continue
        if unit in {"days", "months", "count"} and (
            METRIC_NAME_AFTER_RE.match(text[end:]) or METRIC_NAME_BEFORE_RE.search(before)
        ):
            continue  # "90 days delinquency ratio", "FPD over 7 days", "day 1": a metric's name
        if unit == "x" and parse_number(number) >= 1000:
            unit = "count"  # "860,000 times" counts events; a multiple is "2.5x"
        if unit != "count" and not groups["n1"] and re.search(r"\b[Qq]\s*$", before):
            continue
        value = parse_number(number, scale_word)
        approx = bool(APPROX_RE.search(before))
        bound_match = BOUND_RE.search(before)
        bound = None
        if bound_match:
            word = bound_match.group(1).lower()
            bound = (
                "lower"
                if word
                in {
                    "over",
                    "more than",
                    "in excess of",
                    "above",
                    "exceed",
                    "exceeds",
                    "exceeding",
                    "at least",
                }
                else "upper"
            )
        sentence = sentence_bounds(text, start)
        sent_start = sentence[0]
        clauses = clauses_before(text, start, sent_start)
        clause = clauses[-1]
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
        elif re.match(r"\s+to\s+\S*\d", text[end:]) and CHANGE_BEFORE_RE.search(before):
            change = detect_change(clause)  # "increased $5 million to $227.9 million"
        period, stated, kind = period_and_kind(text, periods, start, end, sentence, default_period)
        if NEGATIVE_BEFORE_RE.search(before):
            negative = True
        relative = RELATIVE_AFTER_RE.match(text[end:])
        if change is None and relative:
            # "$0.35 above our Q1 2020 results": a difference, not the level
            change = "increase" if relative["up"] else "decrease"
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
        elif (unit in CURRENCY_UNITS and OF_AFTER_RE.match(text, end)) or BREAKDOWN_RE.search(
            clause
        ):
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
        figures.append(
            Figure(
                value=-value if negative else value,
                unit=unit,
                text=text[start:end].strip(),
                span=(start, start + len(text[start:end].rstrip())),
                source=source,
                scale=scale_word if scale_word not in (None, "") else None,
                metric=metric,
                period=period,
                period_stated=stated,
                kind=kind,
                change=change,
                qualifier=qualifier,
                approximate=approx,
                bound=bound,
            )
        )
    return pair_periods(text, periods, mark_replaced(text, merge_ranges(text, figures)))


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


# Chinese ------------------------------------------------------------------------------------


def chinese_figures(text: str, default_period: str | None) -> list[Figure]:
    normalised = text.translate(FULL_WIDTH)
    default_year = default_period[-4:] if default_period and default_period[-4:].isdigit() else None
    periods = zh_periods_in(normalised, default_year)
    figures = []
    for m in ZH_RE.finditer(normalised):
        pre, scale, unit_word, post = (
            m.group("pre"),
            m.group("scale"),
            m.group("unit"),
            m.group("post"),
        )
        if not (pre or scale or unit_word or post):
            continue
        start, end = m.span()
        if re.match(r"\s", normalised[start : start + 1] or "x"):
            start += 1
        before = normalised[max(0, start - 3) : start]
        if re.search(r"[A-Za-z]$", before) or (
            unit_word is None and not pre and not post and scale == "千"
        ):
            continue
        number = m.group("num")
        if YEAR_RE.match(number) and not (pre or post or unit_word in {"元", "美元", "港元", "%"}):
            continue
        value = parse_number(number, scale)
        if unit_word == "%":
            unit = "%"
        elif unit_word and ("基點" in unit_word or "基点" in unit_word):
            unit = "bps"
        elif unit_word and ("百分點" in unit_word or "百分点" in unit_word):
            unit = "%"
        elif unit_word in {"個月", "个月"}:
            unit = "months"
        elif unit_word == "天":
            unit = "days"
        elif unit_word == "倍":
            unit = "x"
        elif pre or post or unit_word in {"元", "美元", "港元"}:
            unit = CURRENCIES[pre or post or unit_word]
            if pre in {"美元", "港元", "港幣"} or unit_word in {"美元", "港元"}:
                unit = CURRENCIES[pre if pre in {"美元", "港元", "港幣"} else unit_word]
        elif unit_word in {"家", "個", "个", "名", "台", "筆", "笔"} or scale:
            context = normalised[max(0, start - 20) : end + 10]
            unit = "CNY" if scale and re.search("元|人民幣|人民币", context) else "count"
        else:
            continue
        head = normalised[max(0, start - 14) : start]
        head = re.split(r"[,。、;:,;]", head)[-1]
        subject = re.split(r"\d", head)[0]  # "淨利潤增長17%至" -> "淨利潤增長"
        change = None
        changes = list(CHANGE_ZH_RE.finditer(head))
        if changes and not re.search(
            r"(至|到|達|达|為|为)\s*$", head
        ):  # "增長17%至3.63億元": a level
            last = changes[-1]
            change = (
                "increase"
                if last.group("inc")
                else "decrease"
                if last.group("dec")
                else "improvement"
            )
        metric = re.sub(
            r"(為|为|是|達|达|約|约|至|到|了|在|共|有|的|增長|增长|下降|減少|减少|提高|"
            r"上升|增加|改善|成長|成长|降低|約為|人民幣|人民币|增|減|减|降|升|將|将|"
            r"\[|\]|\s)+$",
            "",
            subject,
        ).strip()
        metric = re.sub(r"^.*?(我們的|我们的|我們|我们|其|本季|本季度|季末|截至)", "", metric)
        metric = metric.strip() or None
        figures.append(
            Figure(
                value=value,
                unit=unit,
                text=text[start:end],
                span=(start, end),
                source="translation",
                scale=scale,
                metric=metric,
                period=nearest_period(periods, start) or default_period,
                change=change,
                approximate=bool(re.search(r"(約|约|大約|大约|近)$", head)),
            )
        )
    return figures


# Tables -------------------------------------------------------------------------------------


BARE_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")


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


def extract_figures(chunk: Chunk, default_period: str | None = None) -> list[Figure]:
    """Every figure of a chunk: table cells, or the English text and its translation."""
    if chunk.kind == "table_row":
        return table_figures(chunk, default_period)
    figures = english_figures(chunk.text, default_period)
    if chunk.translation:
        figures += chinese_figures(chunk.translation, default_period)
    flagged = []
    for fig in figures:
        flags = []
        if fig.source == "text":
            if any(fig.text in u or u in fig.text for u in chunk.uncertain) and re.search(
                r"\[[^\]]*" + re.escape(fig.text), chunk.text
            ):
                flags.append("uncertain_transcription")
            if "spoken_by_ai" in chunk.flags:
                flags.append("spoken_by_ai")
        elif re.search(r"\[[^\]]*" + re.escape(fig.text), chunk.translation or ""):
            flags.append("uncertain_transcription")
        flagged.append(replace(fig, flags=tuple(flags)) if flags else fig)
    return flagged


def document_figures(chunks: Sequence[Chunk], period: str | None) -> list[tuple[Figure, ...]]:
    """The figures of a document's chunks. An amount said without its currency ("sales of
    712 million") takes the currency the document states its amounts in, when what it
    measures is money."""
    figures = [extract_figures(chunk, period) for chunk in chunks]
    currencies = Counter(f.unit for chunk in figures for f in chunk if f.unit in CURRENCY_UNITS)
    if not currencies:
        return [tuple(f) for f in figures]
    currency = currencies.most_common(1)[0][0]
    return [
        tuple(
            replace(f, unit=currency) if f.unit == "count" and is_unnamed_amount(f) else f
            for f in chunk
        )
        for chunk in figures
    ]


CURRENCY_UNITS = frozenset(CURRENCIES.values())


def is_unnamed_amount(figure: Figure) -> bool:
    if figure.scale not in ("thousand", "million", "billion", "mn", "bn", "m", "k"):
        return False
    return bool(set(tokenize(figure.metric or "")) & MONEY_METRIC_TOKENS)


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
