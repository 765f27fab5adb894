"""From a question to an Answer: one to three source sentences with [n] markers, the figures
that answer it (best first), and numbered citations. Nothing is written that is not in a cited
passage: sentences are quoted, figures are the ones extracted from the cited chunks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.answers.answer_model import Answer, Citation, citation_of
from assistant.answers.delivery import asks_guidance_vs_result, compose_delivery
from assistant.answers.quoting import (
    Candidate,
    chosen_sentences,
    quoted_in,
    quoted_text,
    score_sentences,
)
from assistant.answers.series import asks_for_series, compares_companies, compose_series
from assistant.documents.text import is_cjk
from assistant.figures import Figure
from assistant.library import Store
from assistant.search.figure_choice import (
    CitedFigure,
    SentenceScores,
    rank_figures,
)
from assistant.search.query import (
    Filters,
    Query,
    Turn,
    content_terms,
    expected_units,
    resolve_follow_up,
    understand,
)
from assistant.search.retrieval import Retriever
from assistant.search.scope import Scope
from assistant.text.lexical import tokenize
from assistant.vocabulary import CJK_QUESTION_PAIRS, GROUPS

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


def compose(retriever: Retriever, query: Query, top_k: int) -> Answer:
    """The answer a question gets: a scope it cannot have, an answer of another kind (guidance
    against results, a series), or the passages retrieval finds, their best sentences quoted
    and their figures ranked."""
    store = retriever.store
    scope = query.scope
    base = Answer(
        question=query.question,
        answer=NOT_FOUND,
        found=False,
        resolved_question=query.text,
        filters=query.filters,
        scope=scope,
    )
    if scope.missing:
        return replace(base, answer=scope.missing)
    if other := answer_of_another_kind(store, query, base):
        return other
    hits = retriever.search_query(query, top_k)
    citations = tuple(
        citation_of(n, store.chunks[h.row], store.documents[store.chunks[h.row].doc_id], h.score)
        for n, h in enumerate(hits, start=1)
    )
    not_found = replace(base, citations=citations, answer=not_found_text(scope))
    if not hits:
        return not_found
    scored = score_sentences(retriever, query, hits)
    candidates = scored.candidates
    if scope.period_uncovered:
        # No document is of the asked period: only a sentence that states a figure for it,
        # of what was asked, may answer; never the other period's answer again.
        terms = set(query.terms)
        candidates = [c for c in candidates if states_asked_figure(store, c, scope.periods, terms)]
        if not candidates:
            return not_found
    best = max(candidates, key=lambda c: c.score)
    if not answerable(retriever, query, best_similarity(retriever, query, scored.closest)):
        return not_found
    chosen = chosen_sentences(candidates, best)
    ranked = rank_figures(
        store, query, [h.row for h in hits], quoted_in(chosen), SentenceScores(scored.by_row)
    )
    figures = tuple(ranked[:10])
    note = None
    if not scope.companies and not query.filters:
        note, figures = one_company(figures, citations, best.citation)
    if scope.period_uncovered:
        # No document is of the asked period: only a figure stated for it may answer.
        figures = tuple(f for f in figures if stated_for(f.figure, scope.periods))
        if not figures:
            return not_found
    answer_text = quoted_text(store, chosen)
    return replace(
        base, answer=answer_text, found=True, figures=figures, citations=citations, note=note
    )


def answer_of_another_kind(store: Store, query: Query, base: Answer) -> Answer | None:
    """Guidance set against the results that followed, or a metric across quarters or
    companies from the ledger; None for a question of neither kind."""
    question = query.text
    if asks_guidance_vs_result(question) and (delivered := compose_delivery(store, query, base)):
        return delivered
    if asks_for_series(question) or compares_companies(query):
        return compose_series(store, query, base)
    return None


def best_similarity(retriever: Retriever, query: Query, closest: list[tuple[float, str]]) -> float:
    """How close the best stored sentence is to the question; one that falls short is judged
    on the closest few embedded alone (said_alone)."""
    best = max((sim for sim, _ in closest), default=1.0)
    if best < MIN_SENTENCE_SIMILARITY and query.vector is not None:
        best = max(best, said_alone(retriever.encoder, query.vector, closest))
    return best


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
