"""What is known about one cited figure as an answer to one question, as named numbers: the
hand rule's parts (their sum is the rule's score) and the signals a learned ranker reads
beside them (how much of the question the figure's clause and sentence say, where the figure
stands in its sentence, how often the cited passages state the same value)."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from assistant.figures import Figure, sentence_bounds
from assistant.search.figure_rows import TOTAL_COLUMNS, column_match, described_by, names_row
from assistant.search.query import MONEY, Query, qualifiers_of
from assistant.text.lexical import token_set, tokenize
from assistant.text.periods import is_part_of_year, period_keys

PART_OF_YEAR_RE = re.compile(
    r"\b(?:three|six|nine|3|6|9)\s+months\b|\bquarters?\s+ended\b|\b(?:13|26|39)\s+weeks\b", re.I
)
PRIMARY_STATEMENT_BONUS = 0.5
TRANSLATION_BONUS = 0.3

# The hand rule's parts, in the order the rule adds them.
RULE_PARTS = (
    "unit",
    "unit_in_answer",
    "qualifiers",
    "per_share_scaled",
    "question_states_it",
    "points_unasked",
    "bps_for_level",
    "guidance",
    "prior_unasked",
    "metric_share",
    "names_row",
    "column",
    "total_column",
    "period",
    "change",
    "in_answer",
    "citation",
    "uncertain",
    "nil",
    "primary_statement",
    "translation",
)
# What the learned ranker reads besides the parts: the question's intent, the figure's kind,
# and signals no rule weighs.
SIGNALS = (
    "rule_score",
    "asks_guidance",
    "asks_change",
    "asks_per_share",
    "asks_adjusted",
    "asks_gaap",
    "asks_period",
    "asks_quarter",
    "unit_money",
    "unit_percent",
    "unit_count",
    "unit_other",
    "scaled",
    "magnitude",
    "is_range",
    "kind_guidance",
    "kind_prior",
    "period_stated",
    "period_exact",
    "period_year",
    "has_change",
    "states_adjusted",
    "states_gaap",
    "states_per_share",
    "source_table",
    "citation_rank",
    "metric_recall",
    "clause_share",
    "sentence_share",
    "words_before_share",
    "position_in_sentence",
    "figures_in_sentence",
    "position_in_passage",
    "same_value_count",
    "same_value_passages",
    "figure_year",
    "figure_quarter",
    "clause_says_year",
    "clause_says_quarter",
    "head_said",
    "words_after_share",
    "metric_words_unasked",
    "sentence_similarity",
    "sentence_gap",
    "sentence_rank",
    "passage_position",
    "in_questions_and_answers",
    "said_by_analyst",
    "clause_says_whole",
    "clause_says_part",
)
FEATURES = RULE_PARTS + SIGNALS


@dataclass(frozen=True)
class Candidate:
    """One figure of a cited passage with what the ranker reads about it."""

    figure: Figure
    citation: int
    chunk_id: str
    doc_id: str
    values: dict[str, float]

    @property
    def rule_score(self) -> float:
        return self.values["rule_score"]

    def row(self) -> list[float]:
        return [self.values.get(name, 0.0) for name in FEATURES]


def question_shape(query: Query) -> str:
    """What kinds of figure a question asks for (its expected units): the model card lists the
    shapes its examples had, and a question of another shape ("What was net income and how did
    it move?" asks an amount and a rate at once) is ranked by the rule alone."""
    return " ".join(sorted(query.units))


@dataclass(frozen=True)
class SentenceScores:
    """How the answer path scored the sentences (and table cells) of the best passages: the
    dense similarity of each to the question, and the fused score that chose the quoted one.
    A figure reads them off the sentence that states it; they cost nothing more to know."""

    by_row: Mapping[int, Sequence[tuple[tuple[int, int], float, float]]]  # span, dense, fused

    def of(self, row: int, start: int) -> dict[str, float]:
        """The signals of the sentence of `row` holding offset `start`; missing (NaN) for a
        passage whose sentences were not scored."""
        best = self.ranked
        for (begin, end), dense, fused in self.by_row.get(row, ()):
            if begin <= start < end:
                return {
                    "sentence_similarity": dense,
                    "sentence_gap": best[0] - fused,
                    "sentence_rank": float(bisect_left(best, -fused, key=neg)),
                }
        return dict.fromkeys(("sentence_similarity", "sentence_gap", "sentence_rank"), math.nan)

    @cached_property
    def ranked(self) -> list[float]:
        """Every fused score, best first."""
        return sorted(
            (fused for units in self.by_row.values() for _, _, fused in units), reverse=True
        )


def neg(x: float) -> float:
    return -x


NO_SENTENCE_SCORES = SentenceScores({})


@dataclass(frozen=True)
class Reading:
    """What both the rule and the signals read about a figure, read once: its clause, the
    qualifiers that clause states, and the words that say what the figure measures."""

    context: str
    stated: frozenset[str]
    described: set[str]

    @classmethod
    def of(cls, figure: Figure, context: str) -> Reading:
        return cls(context, qualifiers_of(context), described_by(figure))


def rule_parts(
    figure: Figure, query: Query, terms: set[str], citation: int, in_answer: bool, read: Reading
) -> dict[str, float]:
    """The hand rule, part by part: unit, qualifiers, kind, metric, columns, period, change,
    the passage's rank and whether the quoted sentence states the figure."""
    question, units, periods = query.text, query.units, query.periods
    change_intent, asked_qualifiers = query.change_intent, query.qualifiers
    parts = dict.fromkeys(RULE_PARTS, 0.0)
    if figure.unit in units:
        parts["unit"] = 3.0
        parts["unit_in_answer"] = 0.5 * in_answer  # the quoted sentence states the asked kind
    parts["qualifiers"] = qualifier_fit(asked_qualifiers, read.stated)
    if "per_share" in asked_qualifiers and figure.unit in MONEY and figure.scale:
        parts["per_share_scaled"] = -1.0  # "$113 million" is not an amount per share
    if re.search(rf"(?<![\w.$]){re.escape(figure.text)}(?![\w])", question, re.I):
        parts["question_states_it"] = -1.5  # "over the past 10 to 15 years"
    if figure.qualifier == "percentage points" and not re.search(r"\bpoints?\b", question):
        parts["points_unasked"] = -1.0  # a change of a rate, not the growth rate asked
    if figure.unit == "bps" and units != {"bps"} and not change_intent:
        parts["bps_for_level"] = -1.0  # basis points move a ratio; the level is asked
    if figure.kind == "guidance":
        parts["guidance"] = 1.0 if query.guidance_intent else -1.0
    elif figure.kind == "prior" and not change_intent:
        parts["prior_unasked"] = -0.5
    described = read.described
    if described:
        parts["metric_share"] = 2.5 * len(described & terms) / len(described)
        parts["names_row"] = 1.0 * names_row(figure, query.words)
    if figure.column_path:
        # Columns are often told apart by numbers ("31 - 90 days past due"): keep digits.
        parts["column"] = 2.0 * column_match(question, figure.column_path)
        if figure.column_path[-1].lower() in TOTAL_COLUMNS:
            parts["total_column"] = 0.5  # a total is the answer unless a part is named
    if periods and figure.period and not (figure.kind == "guidance" and not figure.period_stated):
        if names_asked_period(figure, periods):
            parts["period"] = 1.0
        else:
            parts["period"] = -1.0 if figure.period_stated else -0.5
    if figure.change:
        parts["change"] = 1.0 if change_intent else -0.75
    parts["in_answer"] = 1.5 * in_answer
    parts["citation"] = 1.0 / citation
    if "uncertain_transcription" in figure.flags:
        parts["uncertain"] = -1.0
    if figure.nil:
        parts["nil"] = -0.5
    return parts


def asks_part_of_year(periods: frozenset[str] | set[str]) -> bool:
    return any(is_part_of_year(p) for p in periods)


def part_for_whole_year(periods: frozenset[str] | set[str], column: str) -> bool:
    """Whether a column states part of a year ("Nine Months Ended September 30, 2022") when
    the question asks a whole one ("in 2022")."""
    return (
        any(p.isdigit() for p in periods)
        and not asks_part_of_year(periods)
        and bool(PART_OF_YEAR_RE.search(column))
    )


def names_asked_period(figure: Figure, periods: frozenset[str]) -> bool:
    """Whether a figure's period or columns name the asked period; "Nine Months Ended
    September 30, 2022" states 2022 but is not the year asked."""
    assert figure.period is not None
    columns = " ".join(figure.column_path)
    part_of_year = bool(
        PART_OF_YEAR_RE.search(columns)
        or PART_OF_YEAR_RE.search(figure.period)
        or is_part_of_year(figure.period)  # a quarter's figure is not the year asked
    )
    asks_part = asks_part_of_year(periods)
    named = (
        figure.period in periods
        or any(p in columns for p in periods if asks_part or not (p.isdigit() and part_of_year))
        or any(len(p) == 2 and figure.period.startswith(p + " ") for p in periods)  # Q4
        or any(not k.isdigit() and k in periods for k in period_keys(figure.period))
    )
    same_year = figure.period[-4:] in periods and not asks_part and not part_of_year
    return named or same_year


OPPOSITE_QUALIFIERS = {
    "adjusted": "gaap",
    "gaap": "adjusted",
    "diluted": "basic",
    "basic": "diluted",
}


def qualifier_fit(asked: frozenset[str], stated: frozenset[str]) -> float:
    """Agreement between the qualifiers a question asks for (adjusted, diluted, per share)
    and those the figure's own clause states; stating the opposite one costs most."""
    score = 0.0
    for qualifier in asked:
        if qualifier in stated:
            score += 0.8
        elif OPPOSITE_QUALIFIERS.get(qualifier) in stated:
            score -= 1.2
        elif qualifier in ("per_share", "adjusted"):
            score -= 0.5  # an unqualified figure is the reported one
    if not asked & {"adjusted", "gaap"} and "adjusted" in stated:
        score -= 0.3  # unqualified questions mean the reported figure
    return score


def signals(
    figure: Figure,
    query: Query,
    terms: set[str],
    citation: int,
    read: Reading,
    text: str,
    siblings: Sequence[Figure],
) -> dict[str, float]:
    """The question's intent, the figure's kind, and how much of the question its clause,
    sentence and the words just before it say."""
    context, stated, described = read.context, read.stated, read.described
    periods = query.periods
    values = {
        "asks_guidance": float(query.guidance_intent),
        "asks_change": float(query.change_intent),
        "asks_per_share": float("per_share" in query.qualifiers),
        "asks_adjusted": float("adjusted" in query.qualifiers),
        "asks_gaap": float("gaap" in query.qualifiers),
        "asks_period": float(bool(periods)),
        "asks_quarter": float(asks_part_of_year(periods)),
        "unit_money": float(figure.unit in MONEY),
        "unit_percent": float(figure.unit == "%"),
        "unit_count": float(figure.unit == "count"),
        "unit_other": float(figure.unit not in MONEY and figure.unit not in ("%", "count")),
        "scaled": float(bool(figure.scale)),
        "magnitude": math.log10(abs(figure.value) + 1.0),
        "is_range": float(figure.high is not None),
        "kind_guidance": float(figure.kind == "guidance"),
        "kind_prior": float(figure.kind == "prior"),
        "period_stated": float(figure.period_stated),
        "period_exact": float(bool(figure.period) and figure.period in periods),
        "period_year": float(bool(figure.period) and (figure.period or "")[-4:] in periods),
        "has_change": float(bool(figure.change)),
        "states_adjusted": float("adjusted" in stated),
        "states_gaap": float("gaap" in stated),
        "states_per_share": float("per_share" in stated),
        "source_table": float(figure.source == "table"),
        "citation_rank": float(citation),
        "metric_recall": len(described & terms) / len(terms) if terms else 0.0,
        "metric_words_unasked": float(len(described - terms)),
        "head_said": float(head_said(figure, terms)),
        "figure_year": float(bool(figure.period) and not is_part_of_year(figure.period or "")),
        "figure_quarter": float(is_part_of_year(figure.period or "")),
        "clause_says_year": float(bool(YEAR_WORDS_RE.search(context))),
        "clause_says_quarter": float(bool(QUARTER_WORDS_RE.search(context))),
    }
    if figure.source == "text" and text:
        start, end = sentence_bounds(text, figure.span[0])
        sentence = text[start:end]
        before = tokenize(text[max(start, figure.span[0] - 60) : figure.span[0]])[-5:]
        after = tokenize(text[figure.span[1] : min(end, figure.span[1] + 40)])[:5]
        in_sentence = [f for f in siblings if f.source == "text" and start <= f.span[0] < end]
        values |= {
            "clause_share": share_said(terms, context),
            "sentence_share": share_said(terms, sentence),
            "words_before_share": len(set(before) & terms) / len(terms) if terms else 0.0,
            "words_after_share": len(set(after) & terms) / len(terms) if terms else 0.0,
            "position_in_sentence": float(
                sum(1 for f in in_sentence if f.span[0] < figure.span[0])
            ),
            "figures_in_sentence": float(len(in_sentence)),
            "position_in_passage": figure.span[0] / max(1, len(text)),
        }
    else:
        row = " ".join((*figure.row_path, *figure.column_path))
        values |= {"clause_share": share_said(terms, row), "sentence_share": share_said(terms, row)}
    return values | whole_or_part(context, figure)


# Words that mark a figure as the whole ("total revenue", "consolidated net sales") or as one
# part of it ("segment revenue"), in the tokenizer's own form.
WHOLE_TOKENS = frozenset(tokenize("total consolidated overall"))
PART_TOKENS = frozenset(tokenize("segment division"))


def passage_signals(position: float, section: str | None, role: str | None) -> dict[str, float]:
    """Where the passage stands in its call: headline figures open the prepared remarks; an
    analyst's figure is often a quote or a guess."""
    return {
        "passage_position": position,
        "in_questions_and_answers": float(section == "qa"),
        "said_by_analyst": float(role == "analyst"),
    }


def whole_or_part(context: str, figure: Figure) -> dict[str, float]:
    """Whether the figure's clause or labels say it is the whole or a part."""
    words = token_set(" ".join((context, figure.metric or "", *figure.row_path)))
    return {
        "clause_says_whole": float(bool(words & WHOLE_TOKENS)),
        "clause_says_part": float(bool(words & PART_TOKENS)),
    }


YEAR_WORDS_RE = re.compile(r"\b(?:full[- ]year|fiscal(?: year)?|annual|for the year)\b", re.I)
QUARTER_WORDS_RE = re.compile(r"\bquarter", re.I)


def head_said(figure: Figure, terms: set[str]) -> bool:
    """Whether the question says the last word of the figure's metric, the thing it counts
    ("revenue" in "segment revenue")."""
    words = tokenize(figure.metric or "")
    return bool(words) and words[-1] in terms


def share_said(terms: set[str], text: str) -> float:
    return len(token_set(text) & terms) / len(terms) if terms else 0.0
