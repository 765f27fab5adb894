"""From a question to an Answer: one to three source sentences with [n] markers, the figures
that answer it (best first), and numbered citations. Nothing is written that is not in a cited
passage: sentences are quoted, figures are the ones extracted from the cited chunks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.chunking import Chunk, chunk_units
from assistant.documents.text import is_cjk
from assistant.figures import Figure, sentence_bounds
from assistant.lexical import tokenize
from assistant.query import (
    MONEY,
    Query,
    Turn,
    content_terms,
    expected_units,
    qualifiers_of,
    resolve_follow_up,
    understand,
)
from assistant.retrieval import Filters, Retriever, period_keys
from assistant.scope import Scope
from assistant.store import DocumentRecord
from assistant.vocabulary import CJK_QUESTION_PAIRS, GROUPS, GUIDANCE_RE, QUESTION_WORDS

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
MAX_ANSWER_SENTENCES = 2


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    company: str | None
    period: str | None
    doc_type: str
    kind: str
    speaker: str | None
    speaker_title: str | None
    role: str | None
    firm: str | None
    section: str | None
    exchange: int | None
    heading: str | None
    row_path: tuple[str, ...]
    lines: tuple[int, int]
    text: str
    translation: str | None
    score: float


@dataclass(frozen=True)
class CitedFigure:
    figure: Figure
    citation: int
    chunk_id: str
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    found: bool
    figures: tuple[CitedFigure, ...] = ()
    citations: tuple[Citation, ...] = ()
    resolved_question: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    scope: Scope | None = None


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
    tokens = set(tokenize(text))
    return len(terms & tokens) / len(terms)


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


def _figure_fit(
    figures: Sequence[Figure], span: tuple[int, int], units: set[str], terms: set[str]
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
            best = max(best, len(described & terms) / len(described))
    return best


def sentence_fit(query: Query, text: str) -> float:
    """A small nudge between close sentences: one naming the asked qualifiers (adjusted,
    diluted) over one naming their opposites; guidance only for a guidance question."""
    score = 0.05 * qualifier_fit(query.qualifiers, qualifiers_of(text))
    if GUIDANCE_RE.search(text):
        score += 0.05 if query.guidance_intent else -0.05
    return score


def described_by(figure: Figure) -> set[str]:
    """The words that say what a figure measures: its metric, row labels and qualifier
    ("net income" with "per diluted share" is earnings per share)."""
    words = [figure.metric or "", *figure.row_path]
    if figure.metric and figure.qualifier:
        words.append(figure.qualifier)
    return set(tokenize(" ".join(words)))


def _render_cell(chunk: Chunk, span: tuple[int, int]) -> str:
    cell_text = chunk.text[span[0] : span[1]]
    head = " › ".join(chunk.row_path)
    return f"{head} — {cell_text}" if head else cell_text


TOTAL_COLUMNS = {"subtotal", "total", "sub-total"}


def _column_match(question: str, column_path: Sequence[str]) -> float:
    """How well the question names a column: its leaf header counts most ("31 - 90 days past
    due", digits included), the spanning headers above it a little."""
    if not column_path:
        return 0.0
    asked = set(tokenize(question)) - QUESTION_WORDS

    def share(text: str) -> float:
        tokens = set(tokenize(text))
        return len(asked & tokens) / len(tokens) if tokens else 0.0

    upper = share(" ".join(column_path[:-1])) if len(column_path) > 1 else 0.0
    return share(column_path[-1]) + 0.3 * upper


def figure_score(
    figure: Figure,
    question: str,
    question_terms: set[str],
    units: set[str],
    periods: set[str],
    change_intent: bool,
    citation: int,
    in_answer: bool,
    asked_qualifiers: frozenset[str] = frozenset(),
    context: str = "",
    guidance_intent: bool = False,
) -> float:
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
    if figure.kind == "guidance":
        score += 1.0 if guidance_intent else -1.0
    elif figure.kind == "prior" and not change_intent:
        score -= 0.5
    # How much of what the figure measures the question asks about.
    described = described_by(figure)
    if described:
        score += 2.5 * len(described & question_terms) / len(described)
    if figure.column_path:
        # Columns are often told apart by numbers ("31 - 90 days past due"): keep digits.
        score += 2.0 * _column_match(question, figure.column_path)
        leaf = figure.column_path[-1].lower()
        if leaf in TOTAL_COLUMNS:
            score += 0.5  # a total is the answer unless the question names a part
    if periods and figure.period and not (figure.kind == "guidance" and not figure.period_stated):
        named = (
            figure.period in periods
            or any(p in " ".join(figure.column_path) for p in periods)
            or any(len(p) == 2 and figure.period.startswith(p + " ") for p in periods)  # Q4
        )
        same_year = figure.period[-4:] in periods and not any(
            p.startswith(("Q", "H")) for p in periods
        )
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
        elif qualifier == "per_share":
            score -= 0.5
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
    return text[begin : min(len(text), figure.span[1] + 24, next_start)]


RESTATEMENT_RE = re.compile(r"[^;.]{0,40}?\bor\s*", re.I)


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
    hits = retriever.search_query(query, top_k)
    citations = tuple(
        _citation(n, store.chunks[h.row], store.documents[store.chunks[h.row].doc_id], h.score)
        for n, h in enumerate(hits, start=1)
    )
    not_found = replace(base, citations=citations, answer=not_found_text(scope))
    if not hits:
        return not_found

    chinese = query.chinese
    terms = set(query.terms)
    vector = query.vector

    # Score every sentence (or table cell) of the best passages against the question.
    asked_periods = set(query.periods)
    wanted_units = set(query.units)
    candidates: list[Candidate] = []
    similarities: list[float] = []  # best sentence of each passage, for the not-found test
    for n, hit in enumerate(hits[:3], start=1):
        chunk = store.chunks[hit.row]
        units = chunk_units(chunk)
        sims = (
            (store.sentences_of(hit.row) @ vector) if vector is not None else np.zeros(len(units))
        )
        if vector is not None and len(sims):
            similarities.append(float(sims.max()))
        for k, ((unit_text, span), sim) in enumerate(zip(units, sims, strict=False)):
            text = chunk.text[span[0] : span[1]]
            score = float(sim) + 0.35 * _overlap(terms, unit_text) - 0.04 * (n - 1)
            score += 0.25 * _figure_fit(store.figures[hit.row], span, wanted_units, terms)
            score += sentence_fit(query, unit_text)
            if chunk.kind == "table_row" and k < len(chunk.cells):
                column = chunk.cells[k].column_path
                score += 0.6 * _column_match(question, column)
                named = period_keys(" ".join(column))
                if asked_periods and named and not named & asked_periods:
                    score -= 0.3
            candidates.append(Candidate(n, hit.row, text, span, score))
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
    best_similarity = max(similarities) if similarities else 1.0

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
        text = _render_cell(chunk, cand.span) if chunk.kind == "table_row" else cand.text
        if cand.chinese:
            parts.append(f"{cand.chinese} [{cand.citation}] (English: {text})")
        else:
            parts.append(f"{text} [{cand.citation}]")
    answer_text = " ".join(dict.fromkeys(parts))

    # Figures of the cited passages, ranked by how well they fit the question.
    change_intent = query.change_intent
    # Numbers in a metric's name count ("FPD over 7 days" is not "FPD over 30 days").
    figure_terms = terms | {t for t in tokenize(question) if t.isdigit() and len(t) < 4}
    ranked: list[CitedFigure] = []
    for n, hit in enumerate(hits, start=1):
        chunk_figures = store.figures[hit.row]
        chunk_text = store.chunks[hit.row].text
        for figure in chunk_figures:
            if figure.source == "translation" and not chinese:
                continue  # the translation restates the English figures the reader sees
            in_answer = any(
                c.row == hit.row
                and figure.source in ("text", "table")
                and c.span[0] <= figure.span[0] < c.span[1]
                for c in chosen
            ) or any(c.row == hit.row and c.chinese and figure.text in c.chinese for c in chosen)
            source_text = chunk_text if figure.source != "translation" else ""
            score = figure_score(
                figure,
                question,
                figure_terms,
                wanted_units,
                asked_periods,
                change_intent,
                n,
                in_answer,
                query.qualifiers,
                figure_context(source_text, chunk_figures, figure) if source_text else "",
                query.guidance_intent,
            )
            if figure.source == "translation":
                score += 0.3  # for a Chinese question, the figure as the answer states it
            chunk = store.chunks[hit.row]
            shift = len(chunk.cited_text) - len(chunk.text)  # spans index the cited text
            if shift and figure.source == "text":
                figure = replace(figure, span=(figure.span[0] + shift, figure.span[1] + shift))
            ranked.append(CitedFigure(figure, n, chunk.chunk_id, round(score, 4)))
    ranked.sort(key=lambda f: -f.score)
    unique: list[CitedFigure] = []
    seen: set[tuple] = set()
    for item in ranked:
        # One figure per value and passage; a translation repeats its English original, so
        # only the one in the question's language is kept.
        key = (item.figure.value, item.figure.unit, item.chunk_id)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    figures = tuple(unique[:10])
    if scope.period_uncovered:
        # No document is of the asked period: only a figure stated for it may answer.
        figures = tuple(f for f in figures if stated_for(f.figure, scope.periods))
        if not figures:
            return not_found
    return replace(base, answer=answer_text, found=True, figures=figures, citations=citations)


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


def _citation(n: int, chunk: Chunk, doc: DocumentRecord, score: float) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=doc.title,
        company=doc.company,
        period=doc.period,
        doc_type=doc.doc_type,
        kind=chunk.kind,
        speaker=chunk.speaker,
        speaker_title=chunk.speaker_title,
        role=chunk.role,
        firm=chunk.firm,
        section=chunk.section,
        exchange=chunk.exchange,
        heading=chunk.heading,
        row_path=chunk.row_path,
        lines=chunk.lines,
        text=chunk.cited_text,
        translation=chunk.translation,
        score=round(score, 6),
    )


def answer(
    retriever: Retriever,
    question: str,
    top_k: int = 5,
    filters: Filters | None = None,
    history: Sequence[Turn] = (),
) -> Answer:
    """The single entry point every surface calls."""
    return compose(retriever, understand(retriever, question, filters, history), top_k)
