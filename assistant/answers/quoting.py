"""Which sentences of the cited passages an answer quotes: each sentence (or table cell) of
the best passages scored against the question by its dense similarity and the weights of
`SentenceWeights`, the best one quoted with at most one more of the same passage, and a
Chinese question answered from the translation with the English sentence beside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.chunking import Chunk, chunk_units, without_short_opening
from assistant.documents.text import is_cjk
from assistant.figures import FULL_YEAR_RE, Figure
from assistant.search.figure_choice import (
    column_match,
    figure_fit,
    part_for_whole_year,
    qualifier_fit,
    says_row,
)
from assistant.search.fusion import Hit
from assistant.search.query import Query, qualifiers_of
from assistant.search.retrieval import Retriever
from assistant.text.lexical import token_set, tokenize
from assistant.text.periods import Period, is_day, period_keys
from assistant.vocabulary import CJK_QUESTION_PAIRS, GUIDANCE_RE

MAX_ANSWER_SENTENCES = 2
# The passages whose sentences may be quoted (each rank costs a little); a table row only
# among the first three, since a row's cells all name the question's columns alike.
ANSWER_PASSAGES = 5
QUOTED_ROWS = 3


@dataclass(frozen=True)
class SentenceWeights:
    """A sentence's (or table cell's) score is its dense similarity to the question plus
    these; chosen on the development questions when the answer path was written."""

    overlap: float = 0.35  # share of the question's English terms the sentence says
    rank_step: float = 0.04  # taken off for each citation rank below the first
    figure: float = 0.25  # how well a figure it states could answer (figure_fit)
    # A cell's column against the best column of its row: columns tell a row's cells apart;
    # they do not make a cell a better answer than a sentence that says the same.
    column: float = 0.6
    # A row the question names ("net income") is quoted over one that shares only its words
    # ("other income, net"), however well its column matches.
    named_row: float = 0.3
    unnamed_row: float = -0.2
    other_period_column: float = 0.3  # taken off a column of another period
    chinese: float = 1.0  # a sentence of a translation, before its word-pair overlap
    chinese_figure: float = 0.3  # ... when it states a figure of the asked unit
    # A second sentence of the best one's passage is quoted when within this of it.
    second_sentence: float = 0.06


SENTENCE_WEIGHTS = SentenceWeights()


@dataclass
class Candidate:
    citation: int
    row: int
    text: str
    span: tuple[int, int]
    score: float
    chinese: str | None = None


def _overlap(terms: set[str], text: str) -> float:
    if not terms:
        return 0.0
    return len(terms & token_set(text)) / len(terms)


def _chinese_sentences(translation: str) -> list[str]:
    return [x for x in re.split(r"(?<=[。!?;])", translation) if x.strip()]


def _pairs(text: str) -> set[str]:
    return {t for t in tokenize(text) if len(t) == 2 and is_cjk(t)} - CJK_QUESTION_PAIRS


def _english_for(store, row: int, chinese: str) -> tuple[str, tuple[int, int]] | None:
    """The English sentence of the chunk that states the same figure as the Chinese one."""
    chunk = store.chunks[row]
    values = {
        round(f.value, 6)
        for f in store.figures[row]
        if f.source == "translation" and f.text in chinese
    }
    for text, span in chunk_units(chunk):
        stated = {
            round(f.value, 6)
            for f in store.figures[row]
            if f.source == "text" and span[0] <= f.span[0] < span[1]
        }
        if values & stated:
            return text, span
    return None


def sentence_fit(query: Query, text: str) -> float:
    """A small nudge between close sentences: one naming the asked qualifiers (adjusted,
    diluted) over one naming their opposites; guidance only for a guidance question."""
    score = 0.05 * qualifier_fit(query.qualifiers, qualifiers_of(text))
    if GUIDANCE_RE.search(text):
        score += 0.05 if query.guidance_intent else -0.08
    return score


def period_fit(query: Query, text: str, own: Period | None) -> float:
    """A sentence naming the asked quarter over one naming only other periods ("for the full
    year" when the fourth quarter is asked); quarters without a year are read against the
    call's own period."""
    asked = {p for p in query.periods if p.startswith("Q")}
    if not asked or query.guidance_intent:
        return 0.0  # guidance is given on one quarter's call for another period
    named = period_keys(text, own)
    if own is not None and own.year and FULL_YEAR_RE.search(text):
        named.add(f"FY{own.year}")
    if not {p for p in named if not p.isdigit()}:
        return 0.0
    return 0.03 if named & asked else -0.08


def names_other_period(named: set[str], asked: set[str]) -> bool:
    """Whether a column's periods are other than the asked ones: by the day when both name
    one ("Three Months Ended August 31, 2024" is not September 28, 2024), else by any label."""
    asked_days, named_days = {p for p in asked if is_day(p)}, {p for p in named if is_day(p)}
    if asked_days and named_days:
        return not asked_days & named_days
    return bool(asked and named and not named & asked)


def _render_cell(chunk: Chunk, span: tuple[int, int]) -> str:
    cell_text = chunk.text[span[0] : span[1]]
    head = " › ".join(chunk.row_path)
    return f"{head} — {cell_text}" if head else cell_text


@dataclass
class ScoredSentences:
    """Every sentence of the best passages as a candidate to quote; the dense similarity and
    score of each (by row, for figure choice) and of each sentence (for the not-found test)."""

    candidates: list[Candidate] = field(default_factory=list)
    by_row: dict[int, list[tuple[tuple[int, int], float, float]]] = field(default_factory=dict)
    closest: list[tuple[float, str]] = field(default_factory=list)


def score_sentences(
    retriever: Retriever,
    query: Query,
    hits: Sequence[Hit],
    weights: SentenceWeights = SENTENCE_WEIGHTS,
) -> ScoredSentences:
    """Score every sentence (or table cell) of the best passages against the question."""
    out = ScoredSentences()
    for n, hit in enumerate(hits[:ANSWER_PASSAGES], start=1):
        chunk = retriever.store.chunks[hit.row]
        if n > QUOTED_ROWS and chunk.kind == "table_row":
            continue
        score_units(retriever, query, n, hit.row, out, weights)
        if query.chinese and chunk.translation:
            out.candidates.extend(chinese_candidates(retriever, query, n, hit.row, weights))
    return out


def score_units(
    retriever: Retriever,
    query: Query,
    n: int,
    row: int,
    out: ScoredSentences,
    weights: SentenceWeights,
) -> None:
    """The sentences or cells of the passage cited `n`th, each scored and added to `out`."""
    store = retriever.store
    chunk = store.chunks[row]
    question, vector = query.text, query.vector
    terms = set(query.terms)
    # An English sentence is measured against the English terms: the Chinese gloss of the
    # question's finance words can never be in it.
    english_terms = {t for t in terms if not is_cjk(t)}
    asked_periods, wanted_units = set(query.periods), set(query.units)
    units = chunk_units(chunk)
    best_column = max(
        (column_match(question, cell.column_path) for cell in chunk.cells), default=0.0
    )
    sims = (store.sentences_of(row) @ vector) if vector is not None else np.zeros(len(units))
    if vector is not None and len(sims):
        out.closest.extend((float(sim), text) for (text, _), sim in zip(units, sims, strict=False))
    for k, ((unit_text, span), sim) in enumerate(zip(units, sims, strict=False)):
        text = chunk.text[span[0] : span[1]]
        score = (
            float(sim)
            + weights.overlap * _overlap(english_terms, unit_text)
            - weights.rank_step * (n - 1)
        )
        figures = store.figures[row]
        score += weights.figure * figure_fit(figures, span, wanted_units, terms, query.words)
        score += sentence_fit(query, unit_text)
        score += period_fit(query, unit_text, retriever.catalog.doc_periods.get(chunk.doc_id))
        if chunk.kind == "table_row" and k < len(chunk.cells):
            column = chunk.cells[k].column_path
            score += weights.column * (column_match(question, column) - best_column)
            score += (
                weights.named_row if says_row(query.words, chunk.row_path) else weights.unnamed_row
            )
            if names_other_period(
                period_keys(" ".join(column)), asked_periods
            ) or part_for_whole_year(asked_periods, " ".join(column)):
                score -= weights.other_period_column
        out.candidates.append(Candidate(n, row, text, span, score))
        out.by_row.setdefault(row, []).append((span, float(sim), score))


def chinese_candidates(
    retriever: Retriever, query: Query, n: int, row: int, weights: SentenceWeights
) -> list[Candidate]:
    """A Chinese question is answered from the translation; the English sentence stating the
    same figure goes alongside."""
    store = retriever.store
    chunk = store.chunks[row]
    wanted_units = set(query.units)
    asked = _pairs(query.text)
    idf = retriever.bm25.idf_of
    total = sum(idf(p) for p in asked) or 1.0
    out = []
    for sentence in _chinese_sentences(chunk.translation or ""):
        overlap = sum(idf(p) for p in asked & _pairs(sentence)) / total
        has_figure = any(
            f.unit in wanted_units and f.text in sentence
            for f in store.figures[row]
            if f.source == "translation"
        )
        english = _english_for(store, row, sentence)
        text, span = english or (chunk.text, (0, len(chunk.text)))
        score = (
            weights.chinese
            + overlap
            + weights.chinese_figure * has_figure
            - weights.rank_step * (n - 1)
        )
        out.append(Candidate(n, row, text, span, score, sentence.strip()))
    return out


def chosen_sentences(
    candidates: Sequence[Candidate], best: Candidate, weights: SentenceWeights = SENTENCE_WEIGHTS
) -> list[Candidate]:
    """The best sentence and at most one more of its passage scoring nearly as well, in the
    order of the text."""
    chosen = [best]
    for cand in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= MAX_ANSWER_SENTENCES:
            break
        if (
            cand is best
            or cand.row != best.row
            or cand.score < best.score - weights.second_sentence
        ):
            continue
        if bool(cand.chinese) != bool(best.chinese):
            continue
        chosen.append(cand)
    chosen.sort(key=lambda c: (c.citation, c.span[0]))
    return chosen


def quoted_text(store, chosen: Sequence[Candidate]) -> str:
    """The chosen sentences as the answer says them, each with its [n]."""
    parts = []
    for cand in chosen:
        chunk = store.chunks[cand.row]
        text = (
            _render_cell(chunk, cand.span)
            if chunk.kind == "table_row"
            else without_short_opening(cand.text)
        )
        if cand.chinese:
            parts.append(f"{cand.chinese} [{cand.citation}] (English: {text})")
        else:
            parts.append(f"{text} [{cand.citation}]")
    return " ".join(dict.fromkeys(parts))


def quoted_in(chosen: Sequence[Candidate]) -> Callable[[int, Figure], bool]:
    """Whether a figure of a row is stated in a quoted sentence."""

    def in_answer(row: int, figure: Figure) -> bool:
        return any(
            c.row == row
            and (
                (figure.source in ("text", "table") and c.span[0] <= figure.span[0] < c.span[1])
                or bool(c.chinese and figure.text in c.chinese)
            )
            for c in chosen
        )

    return in_answer
