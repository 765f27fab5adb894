"""From a question to an Answer: one to three source sentences with [n] markers, the figures
that answer it (best first), and numbered citations. Nothing is written that is not in a cited
passage: sentences are quoted, figures are the ones extracted from the cited chunks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.chunking import Chunk, chunk_units
from assistant.documents.text import is_cjk
from assistant.figures import Figure, periods_in, zh_periods_in
from assistant.lexical import tokenize
from assistant.retrieval import Filters, Retriever, period_keys
from assistant.store import DocumentRecord
from assistant.vocabulary import GROUPS, expand

NOT_FOUND = "The indexed documents do not answer this question."
# Calibrated on the dev questions (all answerable) against questions the seeds cannot answer
# (tests/fixtures/unanswerable.jsonl): the best sentence of an answerable dev question scores
# 0.465 or more, an unanswerable one 0.44 or less, and the two above 0.38 are caught because
# half their words, or a name they use, occur nowhere in the index.
MIN_SENTENCE_SIMILARITY = 0.38
MAX_ANSWER_SENTENCES = 2
MONEY = {"CNY", "USD", "HKD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD"}
QUESTION_WORDS = {
    "what",
    "how",
    "when",
    "why",
    "which",
    "who",
    "where",
    "much",
    "many",
    "did",
    "does",
    "was",
    "were",
    "is",
    "are",
    "the",
    "a",
    "an",
    "of",
    "in",
    "for",
    "to",
    "and",
    "on",
    "at",
    "by",
    "company",
    "their",
    "its",
    "it",
    "they",
    "we",
    "our",
    "do",
    "there",
    "has",
    "have",
    "about",
    "tell",
    "me",
    "say",
    "said",
    "give",
    "show",
    "value",
    "amount",
    "figure",
    "number",
}
CJK_QUESTION_PAIRS = frozenset(
    "多少 是多 是什 什么 什麼 么的 的是 为什 為什 如何 怎么 怎麼 哪些 有多 了多 少?".split()
)
FOLLOW_UP_RE = re.compile(
    r"^\s*(?:and|also|what about|how about|what of|same for|now for|then)\b[\s,]*", re.I
)
WH_START_RE = re.compile(
    r"^\s*(?:what|how|when|which|who|whom|why|where|is|are|was|were|did|does|do|can|could|"
    r"will|would|should|tell|list|show|give)\b",
    re.I,
)
CHANGE_INTENT_RE = re.compile(
    r"\b(grow|grew|growth|increase[ds]?|decline[ds]?|decrease[ds]?|change[ds]?|move[ds]?|rise|"
    r"rose|fall|fell|drop(?:ped)?|improve[ds]?|by how much|year[- ]over[- ]year|yoy|"
    r"expand(?:ed)?|contract(?:ed)?|widen(?:ed)?|narrow(?:ed)?|"
    r"quarter[- ]over[- ]quarter|qoq|sequential)\b|增長|增长|下降|變化|变化|成長",
    re.I,
)


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


@dataclass(frozen=True)
class Turn:
    """One earlier question of the conversation, for follow-ups."""

    question: str
    filters: dict[str, str] | None = None


# Question analysis --------------------------------------------------------------------------


def expected_units(question: str) -> set[str]:
    """The units an answer to `question` is likely to be in."""
    q = question.lower()
    if re.search(r"\bbps\b|basis points?|基點|基点", q):
        return {"bps"}
    if re.search(r"how long|how many (?:months|days)|duration|多久|多長", q):
        return {"months", "days"}
    percent = re.search(
        r"by how much|what share|share of|as a share|what proportion|proportion of|"
        r"what percentage|as a percentage|percent|%|\bratio\b|\brate\b|"
        r"margin|\bapr\b|yield|how did .* (?:change|move|grow|develop)|growth\b|grow\b|"
        r"expand|contract|widen|narrow|"
        r"increase|decline|decrease|佔比|占比|比例|率|百分",
        q,
    )
    if percent:
        if re.search(r"^\s*what (?:was|were|is|are)\b.*\band how\b", q):
            return {"%", "bps"} | MONEY  # "What was net income and how did it move?"
        return {"%", "bps"}
    if re.search(r"how many|number of|count|headcount|多少家|多少個|多少个|幾家|几家", q):
        return {"count"}
    return set(MONEY) | {"count"} if re.search(r"how much|多少|金額|金额", q) else set(MONEY)


def content_terms(question: str) -> set[str]:
    return {t for t in tokenize(question) if t not in QUESTION_WORDS and not t.isdigit()}


def question_periods(question: str) -> set[str]:
    found = {p for _, p in periods_in(question)} | {p for _, p in zh_periods_in(question, None)}
    years = {p[-4:] for p in found if p[-4:].isdigit()}
    return found | years


def resolve_follow_up(question: str, history: Sequence[Turn]) -> tuple[str, Turn | None]:
    """Rewrite an elliptical follow-up as a full question using the previous one:
    "and in Q3?" after "What was Q4 net income?" asks "What was net income in Q3?";
    "what about first lien?" after "... the second lien allowance ..." asks about first lien.
    """
    if not history:
        return question, None
    previous = history[-1]
    elliptical = len(content_terms(question)) <= 2 and not WH_START_RE.match(question)
    if not (FOLLOW_UP_RE.match(question) or elliptical):
        return question, None
    rest = FOLLOW_UP_RE.sub("", question).strip(" ?")
    rest = re.sub(r"^(?:in|for|at|on|of|the)\s+", "", rest, flags=re.I)
    base = previous.question.strip()
    if periods_in(rest) or zh_periods_in(rest, None):
        base = PERIOD_WORDS_RE.sub(" ", base)
        return " ".join(f"{base.rstrip(' ?')} in {rest}?".split()), previous
    words = rest.split()
    if 1 <= len(words) <= 4:
        # Replace the phrase of the same length that ends with the same head word.
        pattern = r"\b" + r"\s+".join([r"[\w-]+"] * (len(words) - 1) + [re.escape(words[-1])])
        replaced, count = re.subn(pattern + r"\b", lambda _: rest, base, count=1, flags=re.I)
        if count:
            return " ".join(replaced.split()), previous
    return " ".join(f"{base.rstrip(' ?')} {rest}?".split()), previous


PERIOD_WORDS_RE = re.compile(
    r"\b(?:in\s+|for\s+)?(?:the\s+)?(?:Q[1-4](?:\s+(?:19|20)\d{2})?|"
    r"(?:first|second|third|fourth)[- ]quarter(?:\s+(?:of\s+)?(?:19|20)\d{2})?|"
    r"FY\s?\d{2,4}|full[- ]year(?:\s+(?:19|20)\d{2})?|(?:19|20)\d{2})\b",
    re.I,
)


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
        described = set(tokenize(" ".join([figure.metric or "", *figure.row_path])))
        if described:
            best = max(best, len(described & terms) / len(described))
    return best


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
) -> float:
    score = 0.0
    if figure.unit in units:
        score += 3.0
    # How much of what the figure measures the question asks about.
    described = set(tokenize(" ".join([figure.metric or "", *figure.row_path])))
    if described:
        score += 2.5 * len(described & question_terms) / len(described)
    if figure.column_path:
        # Columns are often told apart by numbers ("31 - 90 days past due"): keep digits.
        score += 2.0 * _column_match(question, figure.column_path)
        leaf = figure.column_path[-1].lower()
        if leaf in TOTAL_COLUMNS:
            score += 0.5  # a total is the answer unless the question names a part
    if periods and figure.period:
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
            score -= 0.5
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


def compose(
    retriever: Retriever,
    question: str,
    top_k: int,
    filters: Filters,
    display_question: str | None = None,
) -> Answer:
    store = retriever.store
    hits = retriever.search(question, top_k, filters)
    citations = tuple(
        _citation(n, store.chunks[h.row], store.documents[store.chunks[h.row].doc_id], h.score)
        for n, h in enumerate(hits, start=1)
    )
    shown = display_question or question
    not_found = Answer(
        question=shown,
        answer=NOT_FOUND,
        found=False,
        citations=citations,
        resolved_question=question,
    )
    if not hits:
        return not_found

    chinese = is_cjk(question)
    expanded = expand(question)
    terms = content_terms(question) | {t for t, w in expanded.terms if w < 1.0}
    query_text = retriever.dense_query(question, expanded)  # cached: search encoded it already
    vector = retriever.encoder.embed_query(query_text) if query_text else None

    # Score every sentence (or table cell) of the best passages against the question.
    asked_periods = period_keys(question)
    wanted_units = expected_units(question)
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
    best = max(candidates, key=lambda c: c.score)
    best_similarity = max(similarities) if similarities else 1.0

    if not answerable(retriever, question, best_similarity, chinese):
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
    units = wanted_units
    periods = question_periods(question)
    change_intent = bool(CHANGE_INTENT_RE.search(question))
    # Numbers in a metric's name count ("FPD over 7 days" is not "FPD over 30 days").
    figure_terms = terms | {t for t in tokenize(question) if t.isdigit() and len(t) < 4}
    ranked: list[CitedFigure] = []
    for n, hit in enumerate(hits, start=1):
        chunk_figures = store.figures[hit.row]
        for figure in chunk_figures:
            if figure.source == "translation" and not chinese:
                continue  # the translation restates the English figures the reader sees
            in_answer = any(
                c.row == hit.row
                and figure.source in ("text", "table")
                and c.span[0] <= figure.span[0] < c.span[1]
                for c in chosen
            ) or any(c.row == hit.row and c.chinese and figure.text in c.chinese for c in chosen)
            score = figure_score(
                figure, question, figure_terms, units, periods, change_intent, n, in_answer
            )
            if figure.source == "translation":
                score += 0.3  # for a Chinese question, the figure as the answer states it
            ranked.append(CitedFigure(figure, n, store.chunks[hit.row].chunk_id, round(score, 4)))
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
    return Answer(
        question=shown,
        answer=answer_text,
        found=True,
        figures=tuple(unique[:10]),
        citations=citations,
        resolved_question=question,
    )


def answerable(retriever: Retriever, question: str, best_similarity: float, chinese: bool) -> bool:
    """False when the question's distinctive words are absent from the index, or when no
    sentence of the best passages is close to it."""
    vocab = retriever.bm25.vocab
    expanded = expand(question)
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
        text=chunk.text,
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
    question = retriever.check_question(question)
    resolved, previous = resolve_follow_up(question, history)
    if (filters is None or not filters.active) and previous is not None and previous.filters:
        filters = Filters.from_mapping(previous.filters)
    filters = filters or Filters()
    result = compose(retriever, resolved, top_k, filters, display_question=question)
    active = {k: v for k, v in vars(filters).items() if v}
    return Answer(
        question=result.question,
        answer=result.answer,
        found=result.found,
        figures=result.figures,
        citations=result.citations,
        resolved_question=resolved,
        filters=active,
    )
