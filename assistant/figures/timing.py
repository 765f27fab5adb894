"""When a figure is for and what kind it is: the period named nearest it, and whether it is
the period's actual, a guidance or a prior period's figure."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.figures.labels import sentence_bounds
from assistant.vocabulary import GUIDANCE_RE, may_guide

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
# "... in the prior year" right after a figure, no other figure between: in "$2.61 versus
# $1.88 in the prior year" the prior year's is $1.88 alone.
PRIOR_AFTER_RE = re.compile(
    r"^[^,;\d]{0,40}?\b(?:in|for|during|of) the (?:prior|previous)[- ]year(?:'s)?(?: quarter| "
    r"period)?\b|^[^,;\d]{0,40}?\b(?:a year ago|in the same (?:quarter|period) (?:of )?last year)",
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
        if not stated and (announced := announced_period(text, periods, sentence_start)):
            period, stated = announced, True
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


def expects(text: str) -> bool:
    """Whether a text expects or guides anywhere, not only comparing a result with an
    expectation ("in line with our guidance"): what a guidance question asks for."""
    return may_guide(text) and bool(GUIDANCE_RE.search(COMPARED_WITH_GUIDANCE_RE.sub(" ", text)))


# A passage's reading, cached: a pool's passages recur across questions. The sentences read
# while figures are extracted go to `expects`, so an index build does not crowd them out.
looks_ahead = lru_cache(maxsize=16384)(expects)


def announced_period(text: str, periods: list[tuple[int, str]], before: int) -> str | None:
    """The period of the guidance announced earlier in the passage ("Turning to our third
    quarter guidance."), for an expectation whose own sentence names none: the last period
    named before it, when its sentence speaks of what is expected."""
    earlier = [p for p in periods if p[0] < before]
    if not earlier:
        return None
    position, period = earlier[-1]
    start, end = sentence_bounds(text, position)
    return period if expects(text[start:end]) else None


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
