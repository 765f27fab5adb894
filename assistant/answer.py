"""From a question to an Answer: one to three source sentences with [n] markers, the figures
that answer it (best first), and numbered citations. Nothing is written that is not in a cited
passage: sentences are quoted, figures are the ones extracted from the cited chunks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.answer_model import Answer, Citation, citation_of
from assistant.chunking import Chunk, chunk_units, without_short_opening
from assistant.delivery import asks_guidance_vs_result, compose_delivery
from assistant.documents.text import is_cjk
from assistant.figure_choice import (
    CitedFigure,
    SentenceScores,
    column_match,
    figure_fit,
    part_for_whole_year,
    qualifier_fit,
    rank_figures,
    says_row,
)
from assistant.figures import FULL_YEAR_RE, Figure
from assistant.lexical import token_set, tokenize
from assistant.periods import Period, is_day, period_keys
from assistant.query import (
    Filters,
    Query,
    Turn,
    content_terms,
    expected_units,
    qualifiers_of,
    resolve_follow_up,
    understand,
)
from assistant.retrieval import Retriever
from assistant.scope import Scope
from assistant.series import asks_for_series, compares_companies, compose_series
from assistant.vocabulary import CJK_QUESTION_PAIRS, GROUPS, GUIDANCE_RE

__all__ = [
    "NOT_FOUND",
    "Answer",
    "Citation",
    "CitedFigure",
    "Turn",
    "answer",
    "content_terms",
    "expected_units",
    "resolve_follow_up",
]

NOT_FOUND = "The indexed documents do not answer this question."
# Calibrated on the dev questions (all answerable) against questions the seeds cannot answer
# (tests/fixtures/unanswerable.jsonl): the best sentence of an answerable dev question scores
# 0.465 or more, an unanswerable one 0.44 or less, and the two above 0.38 are caught because
# half their words, or a name they use, occur nowhere in the index.
MIN_SENTENCE_SIMILARITY = 0.38
CLOSEST_ALONE = 5  # sentences embedded alone when the best stored one falls short (said_alone)
MAX_ANSWER_SENTENCES = 2
# The passages whose sentences may be quoted (each rank costs a little); a table row only
# among the first three, since a row's cells all name the question's columns alike.
ANSWER_PASSAGES = 5
QUOTED_ROWS = 3


# Composition --------------------------------------------------------------------------------


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


def compose(retriever: Retriever, query: Query, top_k: int) -> Answer:
    store = retriever.store
    question = query.text
    scope = query.scope
    base = Answer(
        question=query.question,
        answer=NOT_FOUND,
        found=False,
        resolved_question=question,
        filters=query.filters,
        scope=scope,
    )
    if scope.missing:
        return replace(base, answer=scope.missing)
    if asks_guidance_vs_result(question) and (delivered := compose_delivery(store, query, base)):
        return delivered
    if (asks_for_series(question) or compares_companies(query)) and (
        series := compose_series(store, query, base)
    ):
        return series
    hits = retriever.search_query(query, top_k)
    citations = tuple(
        citation_of(n, store.chunks[h.row], store.documents[store.chunks[h.row].doc_id], h.score)
        for n, h in enumerate(hits, start=1)
    )
    not_found = replace(base, citations=citations, answer=not_found_text(scope))
    if not hits:
        return not_found

    chinese = query.chinese
    terms = set(query.terms)
    # An English sentence is measured against the English terms: the Chinese gloss of the
    # question's finance words can never be in it.
    english_terms = {t for t in terms if not is_cjk(t)}
    vector = query.vector

    # Score every sentence (or table cell) of the best passages against the question.
    asked_periods = set(query.periods)
    wanted_units = set(query.units)
    candidates: list[Candidate] = []
    scored: dict[int, list[tuple[tuple[int, int], float, float]]] = {}  # for figure choice
    closest: list[tuple[float, str]] = []  # each sentence's similarity, for the not-found test
    for n, hit in enumerate(hits[:ANSWER_PASSAGES], start=1):
        chunk = store.chunks[hit.row]
        if n > QUOTED_ROWS and chunk.kind == "table_row":
            continue
        units = chunk_units(chunk)
        # Columns tell a row's cells apart; they do not make a cell a better answer than a
        # sentence that says the same, so only a cell's shortfall from the best column counts.
        best_column = max(
            (column_match(question, cell.column_path) for cell in chunk.cells), default=0.0
        )
        sims = (
            (store.sentences_of(hit.row) @ vector) if vector is not None else np.zeros(len(units))
        )
        if vector is not None and len(sims):
            closest.extend((float(sim), text) for (text, _), sim in zip(units, sims, strict=False))
        for k, ((unit_text, span), sim) in enumerate(zip(units, sims, strict=False)):
            text = chunk.text[span[0] : span[1]]
            score = float(sim) + 0.35 * _overlap(english_terms, unit_text) - 0.04 * (n - 1)
            figures = store.figures[hit.row]
            score += 0.25 * figure_fit(figures, span, wanted_units, terms, query.words)
            score += sentence_fit(query, unit_text)
            score += period_fit(query, unit_text, retriever.catalog.doc_periods.get(chunk.doc_id))
            if chunk.kind == "table_row" and k < len(chunk.cells):
                column = chunk.cells[k].column_path
                score += 0.6 * (column_match(question, column) - best_column)
                # A row the question names ("net income") is quoted over one that shares
                # only its words ("other income, net"), however well its column matches.
                score += 0.3 if says_row(query.words, chunk.row_path) else -0.2
                if names_other_period(
                    period_keys(" ".join(column)), asked_periods
                ) or part_for_whole_year(asked_periods, " ".join(column)):
                    score -= 0.3
            candidates.append(Candidate(n, hit.row, text, span, score))
            scored.setdefault(hit.row, []).append((span, float(sim), score))
        if chinese and chunk.translation:
            # Answer in Chinese from the translation; the English sentence stating the same
            # figure goes alongside.
            asked = _pairs(question)
            idf = retriever.bm25.idf_of
            total = sum(idf(p) for p in asked) or 1.0
            for sentence in _chinese_sentences(chunk.translation):
                overlap = sum(idf(p) for p in asked & _pairs(sentence)) / total
                has_figure = any(
                    f.unit in wanted_units and f.text in sentence
                    for f in store.figures[hit.row]
                    if f.source == "translation"
                )
                english = _english_for(store, hit.row, sentence)
                text, span = english or (chunk.text, (0, len(chunk.text)))
                score = 1.0 + overlap + 0.3 * has_figure - 0.04 * (n - 1)
                candidates.append(Candidate(n, hit.row, text, span, score, sentence.strip()))
    if scope.period_uncovered:
        # No document is of the asked period: only a sentence that states a figure for it,
        # of what was asked, may answer; never the other period's answer again.
        candidates = [c for c in candidates if states_asked_figure(store, c, scope.periods, terms)]
        if not candidates:
            return not_found
    best = max(candidates, key=lambda c: c.score)
    best_similarity = max((sim for sim, _ in closest), default=1.0)
    if best_similarity < MIN_SENTENCE_SIMILARITY and vector is not None:
        best_similarity = max(best_similarity, said_alone(retriever.encoder, vector, closest))

    if not answerable(retriever, query, best_similarity):
        return not_found

    chosen = [best]
    for cand in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= MAX_ANSWER_SENTENCES:
            break
        if cand is best or cand.row != best.row or cand.score < best.score - 0.06:
            continue
        if bool(cand.chinese) != bool(best.chinese):
            continue
        chosen.append(cand)
    chosen.sort(key=lambda c: (c.citation, c.span[0]))
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
    answer_text = " ".join(dict.fromkeys(parts))

    def in_answer(row: int, figure: Figure) -> bool:
        return any(
            c.row == row
            and (
                (figure.source in ("text", "table") and c.span[0] <= figure.span[0] < c.span[1])
                or bool(c.chinese and figure.text in c.chinese)
            )
            for c in chosen
        )

    unique = rank_figures(store, query, [h.row for h in hits], in_answer, SentenceScores(scored))
    figures = tuple(unique[:10])
    note = None
    if not scope.companies and not query.filters:
        note, figures = one_company(figures, citations, best.citation)
    if scope.period_uncovered:
        # No document is of the asked period: only a figure stated for it may answer.
        figures = tuple(f for f in figures if stated_for(f.figure, scope.periods))
        if not figures:
            return not_found
    return replace(
        base, answer=answer_text, found=True, figures=figures, citations=citations, note=note
    )


def one_company(
    figures: tuple[CitedFigure, ...], citations: Sequence[Citation], quoted: int
) -> tuple[str | None, tuple[CitedFigure, ...]]:
    """A question that names no company, answered from passages of several: the figures stay
    with the company of the quoted passage, and a note names the others, never blended in."""
    company_of = {c.n: c.company for c in citations}
    chosen = company_of.get(quoted)
    others = list(dict.fromkeys(c.company for c in citations if c.company and c.company != chosen))
    if chosen is None or not others:
        return None, figures
    markers = {
        other: " ".join(f"[{c.n}]" for c in citations if c.company == other) for other in others
    }
    listed = "; ".join(f"{other} {markers[other]}" for other in others)
    note = (
        f"Answered from {chosen}'s documents; passages from {listed} match too. Name a "
        "company to narrow the answer."
    )
    return note, tuple(f for f in figures if company_of.get(f.citation) == chosen)


def states_asked_figure(
    store, candidate: Candidate, periods: Sequence[str], terms: set[str]
) -> bool:
    for figure in store.figures[candidate.row]:
        inside = candidate.span[0] <= figure.span[0] < candidate.span[1]
        described = set(tokenize(figure.metric or ""))
        if inside and stated_for(figure, periods) and described & terms:
            return True
    return False


def stated_for(figure: Figure, periods: Sequence[str]) -> bool:
    """A figure whose own sentence names one of `periods` (not one inheriting the call's)."""
    return figure.period_stated and figure.period in periods


def not_found_text(scope: Scope) -> str:
    """Not found, saying what the scope covers when that is why."""
    if scope.period_uncovered and scope.periods:
        who = ", ".join(scope.companies) if scope.companies else "The indexed documents"
        owner = f"{who}'s indexed documents" if scope.companies else who
        covered = ", ".join(scope.covered_periods[-4:]) or "no dated period"
        return f"{owner} do not state this for {', '.join(scope.periods)}; they cover {covered}."
    return NOT_FOUND


def said_alone(encoder, vector: np.ndarray, closest: list[tuple[float, str]]) -> float:
    """The best similarity of the closest few sentences embedded alone. The stored sentence
    vectors are read in their passage's context and score a little lower than a sentence
    alone, which MIN_SENTENCE_SIMILARITY was calibrated on; a question that falls short is
    judged the way the threshold was made (a few milliseconds, only for these questions)."""
    texts = [text for _, text in sorted(closest, key=lambda c: -c[0])[:CLOSEST_ALONE]]
    return float((encoder.embed(texts) @ vector).max()) if texts else 0.0


def answerable(retriever: Retriever, query: Query, best_similarity: float) -> bool:
    """False when the question's distinctive words are absent from the index, or when no
    sentence of the best passages is close to it."""
    vocab = retriever.bm25.vocab
    question, chinese, expanded = query.text, query.chinese, query.expanded
    covered: set[str] = set()
    for index in expanded.groups:
        phrases = [tokenize(p) for p in GROUPS[index]]
        if any(tokens and all(t in vocab for t in tokens) for tokens in phrases):
            covered.update(t for tokens in phrases for t in tokens)
    terms = [t for t in content_terms(question) if not t.isdigit()]
    if chinese:  # judge by the Chinese word pairs, since single characters match anything
        terms = [t for t in terms if len(t) == 2 and is_cjk(t) and t not in CJK_QUESTION_PAIRS]
    missing = [t for t in terms if t not in vocab and t not in covered]
    if terms and len(missing) / len(terms) >= 0.5:
        return False
    proper = re.findall(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]{2,})\b", question)
    if any(tokenize(p) and all(t not in vocab for t in tokenize(p)) for p in proper):
        return False
    return chinese or best_similarity >= MIN_SENTENCE_SIMILARITY


def answer(
    retriever: Retriever,
    question: str,
    top_k: int = 5,
    filters: Filters | None = None,
    history: Sequence[Turn] = (),
) -> Answer:
    """The single entry point every surface calls."""
    return compose(retriever, understand(retriever, question, filters, history), top_k)
