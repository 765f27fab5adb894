"""Which figure answers the question: each figure of the cited passages is described by what
it measures (metric, row labels, qualifiers), its unit, its period and kind, and where it is
stated (figure_features), and ranked by the model fitted on generated questions
(figure_model), or by the hand rule's sum when no model is installed."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace

from assistant.documents.text import is_primary_statement
from assistant.figures import Figure, sentence_bounds
from assistant.search.figure_features import (
    NO_SENTENCE_SCORES,
    PRIMARY_STATEMENT_BONUS,
    TRANSLATION_BONUS,
    Candidate,
    Reading,
    SentenceScores,
    asks_part_of_year,
    part_for_whole_year,
    passage_signals,
    qualifier_fit,
    question_shape,
    rule_parts,
    signals,
)
from assistant.search.figure_model import figure_ranker
from assistant.search.figure_rows import column_match, described_by, in_digits, names_row, says_row
from assistant.search.query import Query
from assistant.text.lexical import tokenize

__all__ = [
    "CitedFigure",
    "SentenceScores",
    "answer_fit",
    "asks_part_of_year",
    "column_match",
    "figure_context",
    "figure_fit",
    "in_digits",
    "part_for_whole_year",
    "qualifier_fit",
    "rank_figures",
    "says_row",
]

# Set while generating training examples: every question's candidates are appended to it.
RECORDED: ContextVar[list[tuple[Query, list[Candidate]]] | None] = ContextVar(
    "RECORDED", default=None
)


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
    store,
    query: Query,
    rows: Sequence[int],
    in_answer: Callable[[int, Figure], bool],
    sentences: SentenceScores = NO_SENTENCE_SCORES,
) -> tuple[CitedFigure, ...]:
    """The figures of the cited passages (rows, in citation order), best first; one per
    value and passage."""
    candidates = figure_candidates(store, query, rows, in_answer, sentences)
    recorded = RECORDED.get()
    if recorded is not None:
        recorded.append((query, candidates))
    ranker = figure_ranker()
    scores = (
        ranker.score(candidates, question_shape(query))
        if ranker
        else [c.rule_score for c in candidates]
    )
    ranked = sorted(
        (
            CitedFigure(c.figure, c.citation, c.chunk_id, round(float(score), 4))
            for c, score in zip(candidates, scores, strict=True)
        ),
        key=lambda f: -f.score,
    )
    unique: list[CitedFigure] = []
    seen: set[tuple] = set()
    for item in ranked:
        # A translation repeats its English original: only the question's language is kept.
        key = (item.figure.value, item.figure.unit, item.chunk_id)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)


def figure_candidates(
    store,
    query: Query,
    rows: Sequence[int],
    in_answer: Callable[[int, Figure], bool],
    sentences: SentenceScores = NO_SENTENCE_SCORES,
) -> list[Candidate]:
    """Every figure of the cited passages with its rule parts and signals."""
    terms = figure_terms(query)
    candidates: list[Candidate] = []
    for n, row in enumerate(rows, start=1):
        chunk, chunk_figures = store.chunks[row], store.figures[row]
        doc = store.documents.get(chunk.doc_id)
        position = chunk.ordinal / max(1, doc.chunk_count if doc else 1)
        passage = passage_signals(position, chunk.section, chunk.role)
        shift = len(chunk.cited_text) - len(chunk.text)  # spans index the cited text
        for figure in chunk_figures:
            if figure.source == "translation" and not query.chinese:
                continue  # the translation restates the English figures the reader sees
            context = (
                figure_context(chunk.text, chunk_figures, figure)
                if figure.source != "translation"
                else ""
            )
            read = Reading.of(figure, context)
            values = rule_parts(figure, query, terms, n, in_answer(row, figure), read)
            if figure.source == "table" and is_primary_statement(chunk.heading):
                values["primary_statement"] = PRIMARY_STATEMENT_BONUS  # firm-wide first
            if figure.source == "translation":
                values["translation"] = TRANSLATION_BONUS  # as a Chinese answer states it
            values["rule_score"] = sum(values.values())
            values |= signals(figure, query, terms, n, read, chunk.text, chunk_figures)
            values |= sentences.of(row, figure.span[0]) | passage
            if shift and figure.source == "text":
                figure = replace(figure, span=(figure.span[0] + shift, figure.span[1] + shift))
            candidates.append(Candidate(figure, n, chunk.chunk_id, chunk.doc_id, values))
    # A value the cited passages state again and again is more likely the one talked about.
    stated_in: dict[tuple, list[str]] = {}
    for c in candidates:
        stated_in.setdefault((c.figure.value, c.figure.unit), []).append(c.chunk_id)
    for c in candidates:
        chunks = stated_in[(c.figure.value, c.figure.unit)]
        c.values["same_value_count"] = float(len(chunks))
        c.values["same_value_passages"] = float(len(set(chunks)))
    return candidates
