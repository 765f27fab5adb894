"""Which figure answers the question: each figure of the cited passages is scored on what
it measures (metric, row labels, qualifiers), its unit, its period and kind, and where it is
stated; the sentence quoted as the answer leads when it states a figure of the asked kind."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.documents.text import is_primary_statement
from assistant.figures import Figure, is_period_like, sentence_bounds
from assistant.lexical import says_label, token_set, tokenize
from assistant.periods import period_keys
from assistant.query import MONEY, Query, qualifiers_of
from assistant.vocabulary import QUESTION_TOKENS


@dataclass(frozen=True)
class CitedFigure:
    figure: Figure
    citation: int
    chunk_id: str
    score: float


def figure_fit(
    figures: Sequence[Figure],
    span: tuple[int, int],
    units: set[str],
    terms: set[str],
    asked_words: Sequence[str] = (),
) -> float:
    """Best share of a figure's metric named by the question, among the figures of the
    expected unit inside `span`: a sentence that states the asked figure reads as the answer."""
    best = 0.0
    for figure in figures:
        if figure.source == "translation" or figure.unit not in units:
            continue
        if not span[0] <= figure.span[0] < span[1]:
            continue
        described = described_by(figure)
        if described:
            fit = len(described & terms) / len(described)
            best = max(best, fit + 0.5 * names_row(figure, asked_words))
    return best


def answer_fit(figures: Sequence[Figure], query: Query, terms: set[str]) -> float:
    """How well a passage's figures could answer the question, before any passage is cited:
    the best share of a figure's metric that the question names, among the figures of the
    asked unit; halved for guidance when none is asked (and the reverse), and for a figure of
    another year than the one asked."""
    best = 0.0
    for figure in figures:
        if figure.source == "translation" or figure.unit not in query.units:
            continue
        described = described_by(figure)
        if not described:
            continue
        fit = len(described & terms) / len(described)
        if (figure.kind == "guidance") != query.guidance_intent:
            fit *= 0.5
        if (
            query.periods
            and figure.period
            and not (figure.period in query.periods or figure.period[-4:] in query.periods)
        ):
            fit *= 0.5
        best = max(best, fit)
    return best


def names_row(figure: Figure, asked_words: Sequence[str]) -> bool:
    """Whether the question names a table row by its label ("net sales", not the "net" and
    "income" of "other income, net"; "credit losses" is not "provision for credit losses").
    Only row labels are read so: the words before a figure in a sentence may describe the
    figure before it."""
    return says_row(asked_words, figure.row_path)


def says_row(asked_words: Sequence[str], row_path: Sequence[str]) -> bool:
    """Whether the question says one of a row's labels; a date heading ("As of December 31")
    names no metric."""
    return says_label(asked_words, [label for label in row_path if not is_period_like(label)])


def described_by(figure: Figure) -> set[str]:
    """The words that say what a figure measures: its metric, row labels and qualifier
    ("net income" with "per diluted share" is earnings per share)."""
    words = [figure.metric or "", *figure.row_path]
    if figure.metric and figure.qualifier:
        words.append(figure.qualifier)
    return set(token_set(" ".join(words)))


TOTAL_COLUMNS = {"subtotal", "total", "sub-total"}
PRIMARY_STATEMENT_BONUS = 0.5
PART_OF_YEAR_RE = re.compile(
    r"\b(?:three|six|nine|3|6|9)\s+months\b|\bquarters?\s+ended\b|\b(?:13|26|39)\s+weeks\b", re.I
)


def asks_part_of_year(periods: frozenset[str] | set[str]) -> bool:
    return any(p.startswith(("Q", "H")) for p in periods)


def part_for_whole_year(periods: frozenset[str] | set[str], column: str) -> bool:
    """Whether a column states part of a year ("Nine Months Ended September 30, 2022") when
    the question asks a whole one ("in 2022")."""
    return (
        any(p.isdigit() for p in periods)
        and not asks_part_of_year(periods)
        and bool(PART_OF_YEAR_RE.search(column))
    )


def column_match(question: str, column_path: Sequence[str]) -> float:
    """How well the question names a column: its leaf header counts most ("31 - 90 days past
    due", digits included), the spanning headers above it a little."""
    if not column_path:
        return 0.0
    asked = token_set(in_digits(question)) - QUESTION_TOKENS

    def share(text: str) -> float:
        tokens = header_tokens(text)
        return len(asked & tokens) / len(tokens) if tokens else 0.0

    upper = share(" ".join(column_path[:-1])) if len(column_path) > 1 else 0.0
    return share(column_path[-1]) + 0.3 * upper


@lru_cache(maxsize=16384)
def header_tokens(text: str) -> frozenset[str]:
    return token_set(in_digits(text))


UNITS_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SPELLED_NUMBER_RE = re.compile(
    rf"\b(?:({'|'.join(TENS_WORDS)})(?:[- ]({'|'.join(UNITS_WORDS[:9])}))?|"
    rf"({'|'.join(UNITS_WORDS)}))\b",
    re.I,
)


def in_digits(text: str) -> str:
    """Spelled numbers as digits: "Thirty-Nine Weeks Ended" is the question's "39-week"."""

    def digits(m: re.Match) -> str:
        if m[3]:
            return str(UNITS_WORDS.index(m[3].lower()) + 1)
        tens = 10 * (TENS_WORDS.index(m[1].lower()) + 2)
        return str(tens + (UNITS_WORDS.index(m[2].lower()) + 1 if m[2] else 0))

    return SPELLED_NUMBER_RE.sub(digits, text)


def figure_score(
    figure: Figure,
    query: Query,
    terms: set[str],
    citation: int,
    in_answer: bool,
    context: str = "",
) -> float:
    """How well a figure answers the question: its unit, metric and qualifiers, its period
    and kind (result, guidance, earlier period), the rank of its passage, and whether the
    quoted sentence states it."""
    question, units, periods = query.text, query.units, query.periods
    change_intent, asked_qualifiers = query.change_intent, query.qualifiers
    score = 0.0
    if figure.unit in units:
        score += 3.0
        if in_answer:
            score += 0.5  # the quoted sentence states a figure of the asked kind: it leads
    score += qualifier_fit(asked_qualifiers, qualifiers_of(context))
    if "per_share" in asked_qualifiers and figure.unit in MONEY and figure.scale:
        score -= 1.0  # "$113 million" is not an amount per share
    if re.search(rf"(?<![\w.$]){re.escape(figure.text)}(?![\w])", question, re.I):
        score -= 1.5  # the question states this number ("over the past 10 to 15 years")
    if figure.qualifier == "percentage points" and not re.search(r"\bpoints?\b", question):
        score -= 1.0  # a change of a rate, not the growth rate asked
    if figure.unit == "bps" and units != {"bps"} and not change_intent:
        score -= 1.0  # basis points move a ratio; "what was the CET1 ratio" asks its level
    if figure.kind == "guidance":
        score += 1.0 if query.guidance_intent else -1.0
    elif figure.kind == "prior" and not change_intent:
        score -= 0.5
    # How much of what the figure measures the question asks about.
    described = described_by(figure)
    if described:
        score += 2.5 * len(described & terms) / len(described)
        score += 1.0 * names_row(figure, query.words)
    if figure.column_path:
        # Columns are often told apart by numbers ("31 - 90 days past due"): keep digits.
        score += 2.0 * column_match(question, figure.column_path)
        leaf = figure.column_path[-1].lower()
        if leaf in TOTAL_COLUMNS:
            score += 0.5  # a total is the answer unless the question names a part
    if periods and figure.period and not (figure.kind == "guidance" and not figure.period_stated):
        columns = " ".join(figure.column_path)
        part_of_year = bool(
            PART_OF_YEAR_RE.search(columns) or PART_OF_YEAR_RE.search(figure.period)
        )
        asks_part = any(p.startswith(("Q", "H")) for p in periods)
        named = (
            figure.period in periods
            # "Nine Months Ended September 30, 2022" states 2022 but is not the year asked
            or any(p in columns for p in periods if asks_part or not (p.isdigit() and part_of_year))
            or any(len(p) == 2 and figure.period.startswith(p + " ") for p in periods)  # Q4
            or any(not k.isdigit() and k in periods for k in period_keys(figure.period))
        )
        same_year = figure.period[-4:] in periods and not asks_part and not part_of_year
        if named or same_year:
            score += 1.0
        else:
            score -= 1.0 if figure.period_stated else 0.5
    if change_intent and figure.change:
        score += 1.0
    if not change_intent and figure.change:
        score -= 0.75
    if in_answer:
        score += 1.5
    score += 1.0 / citation
    if "uncertain_transcription" in figure.flags:
        score -= 1.0
    if figure.nil:
        score -= 0.5
    return score


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


def figure_context(text: str, figures: Sequence[Figure], figure: Figure) -> str:
    """The clause that describes a figure: from the previous figure (or the sentence start)
    to a few words after it ("$1.73 per share"). A restatement ("net earnings were $104
    million, or $0.59 per diluted share") shares the clause of the figure it restates."""
    sentence_start = sentence_bounds(text, figure.span[0])[0]
    same_source = sorted((f for f in figures if f.source == figure.source), key=lambda f: f.span)
    begin, cursor = sentence_start, figure.span[0]
    for previous in reversed([f for f in same_source if f.span[1] <= figure.span[0]]):
        if previous.span[1] <= sentence_start:
            break
        if RESTATEMENT_RE.fullmatch(text[previous.span[1] : cursor]):
            cursor = previous.span[0]  # the restated figure's clause describes this one too
            continue
        begin = previous.span[1]
        break
    next_start = min(
        (f.span[0] for f in same_source if f.span[0] >= figure.span[1]), default=len(text)
    )
    sentence_end = sentence_bounds(text, figure.span[0])[1]  # never the next sentence's words
    end = min(len(text), figure.span[1] + 24, next_start, sentence_end)
    # Nor the next clause's: "GAAP EPS was $1.28, and non-GAAP EPS was $2.12".
    tail = NEXT_CLAUSE_RE.search(text, figure.span[1], end)
    clause = text[begin : tail.start() if tail else end]
    # "Excluding these charges, diluted EPS was $2.63": the opening phrase qualifies the
    # main clause's figures too.
    opening = EXCLUDING_OPENING_RE.match(text, sentence_start, figure.span[0])
    if opening and figure.span[0] >= opening.end():
        clause = f"{opening.group(1)} {clause}"
    return clause


EXCLUDING_OPENING_RE = re.compile(r"\s*(excluding|exclusive of)\b(?:[^,.;]|\.(?=\d))*,", re.I)
RESTATEMENT_RE = re.compile(r"[^;.]{0,40}?\bor\s*", re.I)
NEXT_CLAUSE_RE = re.compile(r",?\s+(?:and|but|while|whereas|compared|versus|vs\.?)\b|;", re.I)


def figure_terms(query: Query) -> set[str]:
    """The question's terms, with the small numbers in a metric's name ("FPD over 7 days" is
    not "FPD over 30 days")."""
    return set(query.terms) | {t for t in tokenize(query.text) if t.isdigit() and len(t) < 4}


def rank_figures(
    store, query: Query, rows: Sequence[int], in_answer: Callable[[int, Figure], bool]
) -> tuple[CitedFigure, ...]:
    """The figures of the cited passages (rows, in citation order), best first; one per
    value and passage."""
    terms = figure_terms(query)
    ranked: list[CitedFigure] = []
    for n, row in enumerate(rows, start=1):
        chunk, chunk_figures = store.chunks[row], store.figures[row]
        shift = len(chunk.cited_text) - len(chunk.text)  # spans index the cited text
        for figure in chunk_figures:
            if figure.source == "translation" and not query.chinese:
                continue  # the translation restates the English figures the reader sees
            context = (
                figure_context(chunk.text, chunk_figures, figure)
                if figure.source != "translation"
                else ""
            )
            score = figure_score(figure, query, terms, n, in_answer(row, figure), context)
            if figure.source == "table" and is_primary_statement(chunk.heading):
                score += PRIMARY_STATEMENT_BONUS  # the firm-wide figure before a breakdown
            if figure.source == "translation":
                score += 0.3  # for a Chinese question, the figure as the answer states it
            if shift and figure.source == "text":
                figure = replace(figure, span=(figure.span[0] + shift, figure.span[1] + shift))
            ranked.append(CitedFigure(figure, n, chunk.chunk_id, round(score, 4)))
    ranked.sort(key=lambda f: -f.score)
    unique: list[CitedFigure] = []
    seen: set[tuple] = set()
    for item in ranked:
        # A translation repeats its English original: only the question's language is kept.
        key = (item.figure.value, item.figure.unit, item.chunk_id)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)
