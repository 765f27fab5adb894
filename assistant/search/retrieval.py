"""From a question to ranked chunks: dense (FAISS) and lexical (BM25) lists fused by weighted
reciprocal rank, after the user's filters.

Read top to bottom: `search` validates the question, expands finance shorthand
(vocabulary/expansion.py), restricts to the filtered rows, takes the top candidates of each
side, and fuses them. A Chinese question has no dense side of its own (the bundled model is English
only); it uses the English gloss of its finance terms when there is one.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache

import numpy as np

from assistant.documents.text import is_cjk, is_primary_statement
from assistant.errors import BadQuestion
from assistant.figures.timing import looks_ahead
from assistant.library import Store
from assistant.search.catalog import Catalog, named_by
from assistant.search.figure_choice import answer_fit, figure_terms
from assistant.search.figure_features import PART_OF_YEAR_RE, asks_part_of_year
from assistant.search.fusion import (
    FusionWeights,
    Hit,
    PoolScores,
    best_sentence_scores,
    ranks_of,
    top_indices,
)
from assistant.search.passage_model import passage_ranker
from assistant.search.phrases import phrase_scores
from assistant.search.query import Filters, Query, understand
from assistant.search.replies import inherit_question_scores, with_replies
from assistant.search.scope import Scope, resolve_scope
from assistant.text.lexical import STOPWORDS, tokenize
from assistant.text.periods import chunk_periods, is_day, parse_period
from assistant.vocabulary import QUESTION_TOKENS, QUESTION_WORDS

# Set while measuring a learned passage ranker (benchmarks/train_passages.py): each search
# appends its candidate pool, what the fusion knew of every candidate and the step between
# calls the ranker applies after its score.
Recorded = tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]
RECORDED_POOLS: ContextVar[list[Recorded] | None] = ContextVar("RECORDED_POOLS", default=None)
# A word in more than this share of chunks is a word of the language, not a ticker.
ORDINARY_WORD_SHARE = 0.002

QUESTION_TERMS = QUESTION_TOKENS | frozenset(tokenize("total"))


# A label's alternative in parentheses ("Net cash provided by (used in) operating activities",
# "Income (loss)") names the same line.
ALTERNATIVE_RE = re.compile(r"\([^)]*\)")


@lru_cache(maxsize=16384)  # row labels recur across candidates and questions
def label_terms(label: str) -> frozenset[str]:
    """A row label's own words, its parenthesised alternative and stopwords aside."""
    return frozenset(tokenize(ALTERNATIVE_RE.sub(" ", label))) - STOPWORDS


class Retriever:
    """Ranks one Store snapshot's chunks: its BM25 postings, its vectors, filter columns."""

    def __init__(
        self,
        store: Store,
        encoder,
        weights: FusionWeights | None = None,
        max_question_chars: int = 2000,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.weights = weights or FusionWeights()
        self.max_question_chars = max_question_chars
        self.bm25 = store.lexical()
        self._periods: dict[int, frozenset[str]] = {}
        # Per-chunk columns for filters, so a query never loops over chunks in Python.
        self.doc_codes = {doc_id: k for k, doc_id in enumerate(store.documents)}
        chunks = store.chunks
        self.chunk_docs = np.fromiter(
            (self.doc_codes.get(c.doc_id, -1) for c in chunks), np.int32, len(chunks)
        )
        self.chunk_speakers = np.array([(c.speaker or "").lower() for c in chunks] or [""])[
            : len(chunks)
        ]
        self.chunk_roles = np.array([c.role or "" for c in chunks] or [""])[: len(chunks)]
        self.chunk_sections = np.array([c.section or "" for c in chunks] or [""])[: len(chunks)]
        self.catalog = Catalog(store.documents.values())

    # scope -------------------------------------------------------------------------------
    def is_ordinary_word(self, word: str) -> bool:
        """A word of the language rather than a name: a stop word, or one found in more than
        one chunk in five hundred."""
        tokens = tokenize(word)
        return (
            word in STOPWORDS
            or word in QUESTION_WORDS
            or any(self.bm25.document_share(t) > ORDINARY_WORD_SHARE for t in tokens)
        )

    def is_indexed_word(self, word: str) -> bool:
        tokens = tokenize(word)
        return bool(tokens) and all(t in self.bm25.vocab for t in tokens)

    def scope_of(self, question: str, filters: Filters, guidance: bool = False) -> Scope:
        return resolve_scope(
            question,
            self.catalog,
            {k: v for k, v in vars(filters).items() if v},
            self.is_ordinary_word,
            self.is_indexed_word,
            guidance,
        )

    def check_question(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise BadQuestion(
                "the question is empty", hint="ask about a figure, a speaker or a topic"
            )
        if len(question) > self.max_question_chars:
            raise BadQuestion(
                f"the question is {len(question):,} characters; the limit is "
                f"{self.max_question_chars:,}",
                hint="ask one short question at a time",
            )
        return question

    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        """Row ids passing the filters, from per-chunk arrays (no loop over chunks)."""
        if not filters.active:
            return None
        docs = self.store.documents.values()
        wanted_period = parse_period(filters.period) if filters.period else None
        keep_docs = [
            d.doc_id
            for d in docs
            if (not filters.doc_id or d.doc_id == filters.doc_id)
            and (
                not filters.company or named_by(filters.company, (d.company, d.ticker, *d.aliases))
            )
            and (
                not filters.period
                or (d.period or "").lower() == filters.period.lower()
                or (
                    wanted_period is not None
                    and (own := parse_period(d.period)) is not None
                    and own.covers(wanted_period)
                )
            )
            and (not filters.doc_type or d.doc_type == filters.doc_type.lower())
        ]
        mask = self.rows_of_documents(keep_docs)
        if filters.speaker:
            mask &= np.char.find(self.chunk_speakers, filters.speaker.lower()) >= 0
        if filters.role:
            mask &= self.chunk_roles == filters.role.lower()
        if filters.section:
            mask &= self.chunk_sections == filters.section
        return np.flatnonzero(mask).astype(np.int64)

    def rows_of_documents(self, doc_ids) -> np.ndarray:
        codes = [self.doc_codes[d] for d in doc_ids if d in self.doc_codes]
        return np.isin(self.chunk_docs, np.asarray(codes, dtype=np.int32))

    def context_factors(self, query: Query, pool: np.ndarray) -> np.ndarray:
        factors = np.ones(len(pool))
        asked = set(query.periods)
        asked_years = {p for p in asked if p.isdigit()}
        asked_specific = asked - asked_years
        asked_dates = {p for p in asked_specific if is_day(p)}
        terms = {t for t, _ in query.expanded.terms} - QUESTION_TERMS
        full_years = query.full_years_asked()
        whole_year = bool(full_years or asked_years) and not asks_part_of_year(asked)
        for i, row in enumerate(pool):
            chunk = self.store.chunks[int(row)]
            if (
                whole_year
                and chunk.kind == "table_row"
                and all(PART_OF_YEAR_RE.search(" ".join(c.column_path)) for c in chunk.cells)
            ):
                # Nine months, a quarter: every column is part of a year, not the year.
                factors[i] *= self.weights.period_mismatch_factor
            if asked_years:
                # A period said without its year ("the first half") cannot be told apart
                # from the asked one, so it is no sign of another period.
                mentioned = {p for p in self.periods_of(int(row)) if p[-4:].isdigit()}
                if mentioned and not (mentioned & asked):
                    factors[i] *= self.weights.period_mismatch_factor
                elif asked_dates and (dates := {p for p in mentioned if is_day(p)}):
                    # A statement's columns are dated: another date of the asked year ("August
                    # 31, 2024" for "the 12 months ended September 28, 2024") is another period.
                    if not dates & asked_dates:
                        factors[i] *= (
                            self.weights.row_date_mismatch_factor
                            if chunk.kind == "table_row"
                            else self.weights.period_mismatch_factor
                        )
                elif mentioned and not (mentioned & asked_specific) and asked_specific:
                    factors[i] *= self.weights.year_only_factor
            if chunk.kind == "table_row" and chunk.row_path:
                labels = set(tokenize(" ".join(chunk.row_path)))
                if not labels & terms:
                    factors[i] *= self.weights.row_label_mismatch_factor
                elif is_primary_statement(chunk.heading) and (
                    (leaf := label_terms(chunk.row_path[-1])) and leaf <= terms
                ):
                    factors[i] *= self.weights.primary_statement_factor
                if chunk.cells and all(c.nil or c.value is None for c in chunk.cells):
                    factors[i] *= self.weights.row_label_mismatch_factor  # dashes state nothing
        return factors

    def call_factors(self, query: Query, pool: np.ndarray) -> np.ndarray:
        """A full year's results are reported on its fourth-quarter call: asked for FY2024
        (not for guidance, which every call of the year gives), the passages of the year's
        other calls step back a little; the passage ranker applies this step again after its
        own score (passage_model.PassageRanker.order)."""
        factors = np.ones(len(pool))
        if not (full_years := query.full_years_asked()):
            return factors
        for i, row in enumerate(pool):
            own = self.catalog.doc_periods.get(self.store.chunks[int(row)].doc_id)
            if own and own.quarter and own.quarter != 4 and str(own.year) in full_years:
                factors[i] = self.weights.year_only_factor
        return factors

    def periods_of(self, row: int) -> frozenset[str]:
        """The periods a chunk speaks of, read once per snapshot: regexes over every candidate
        of every question were most of a search's time."""
        found = self._periods.get(row)
        if found is None:
            chunk = self.store.chunks[row]
            found = frozenset(chunk_periods(chunk, self.catalog.doc_periods.get(chunk.doc_id)))
            self._periods[row] = found
        return found

    @staticmethod
    def dense_query(question: str, expanded) -> str:
        """What the encoder reads: the question with the English gloss of its finance terms,
        or the gloss alone for a Chinese question (the model reads English only)."""
        if is_cjk(question):
            return expanded.gloss
        if expanded.gloss:
            return f"{question} ({expanded.gloss})"
        return question

    def search(self, question: str, top_k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.search_query(understand(self, question, filters), top_k)

    def scoped_rows(self, query: Query) -> np.ndarray | None:
        """Rows the filters and the question's scope allow (None: every row)."""
        allowed = self.allowed_rows(Filters.from_mapping(query.filters))
        if query.scope.active:
            in_scope = np.flatnonzero(self.rows_of_documents(query.scope.doc_ids)).astype(np.int64)
            allowed = in_scope if allowed is None else np.intersect1d(allowed, in_scope)
        return allowed

    def search_query(self, query: Query, top_k: int = 5) -> list[Hit]:
        """The passages and rows that best answer `query`: the candidates of the lexical and
        dense sides, fused with the sentence, phrase and figure lists, ordered by the passage
        ranker, then the speaker steps; an analyst's question followed by its reply."""
        allowed = self.scoped_rows(query)
        if self.store.vectors.count == 0 or (allowed is not None and len(allowed) == 0):
            return []
        n = self.weights.candidates
        lexical_scores, lexical_top = self.lexical_side(query, allowed, n)
        dense_ids, dense_scores = self.dense_side(query, allowed, n)
        pool = np.unique(np.concatenate([dense_ids, lexical_top]).astype(np.int64))
        if len(pool) == 0:
            return []
        scored = self.fused(query, pool, (dense_ids, dense_scores), (lexical_scores, lexical_top))
        fused = self.reordered(query, scored, n)
        order = np.lexsort((-scored.lexical, -fused))[:top_k]
        hits = [scored.hit(i, float(fused[i])) for i in order]
        if query.asks_for_analyst or query.filters.get("role"):
            return hits
        return with_replies(self.store, hits, allowed, top_k)

    def lexical_side(
        self, query: Query, allowed: np.ndarray | None, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 over text + translation, finance shorthand expanded (the words that named the
        company already chose the documents): every row's score and the top `n` that scored."""
        lexical_scores = self.bm25.scores(query.lexical_terms)
        if allowed is not None:
            mask = np.full(len(lexical_scores), -1.0, dtype=np.float32)
            mask[allowed] = lexical_scores[allowed]
            lexical_scores = mask
        lexical_top = top_indices(lexical_scores, n)
        return lexical_scores, lexical_top[lexical_scores[lexical_top] > 0]

    def dense_side(
        self, query: Query, allowed: np.ndarray | None, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `n` nearest rows to the English question (with its gloss), or to the gloss
        alone for a Chinese one."""
        if not query.dense_text:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.store.vectors.search(query.vector, n, allowed)

    def fused(
        self,
        query: Query,
        pool: np.ndarray,
        dense: tuple[np.ndarray, np.ndarray],
        lexical: tuple[np.ndarray, np.ndarray],
    ) -> PoolScores:
        """Each side adds weight / (k + rank) for the rows it ranked (`dense`: ids and scores;
        `lexical`: every row's BM25 score and the top rows), then the three lists computed on
        the pool; the context factors scale the sum."""
        w = self.weights
        scale = w.cjk_dense_scale if query.chinese else 1.0
        lexical_scores, lexical_top = lexical
        out = PoolScores.empty(pool, lexical_scores[pool])
        for rank, (row, score) in enumerate(zip(*dense, strict=True), start=1):
            i = out.position[int(row)]
            out.fused[i] += w.dense * scale / (w.k + rank)
            out.dense_rank[i], out.dense_score[i] = rank, score
        for rank, row in enumerate(lexical_top, start=1):
            i = out.position[int(row)]
            out.fused[i] += w.lexical / (w.k + rank)
            out.lexical_rank[i] = rank
        # Third list: the best single sentence of each candidate, closer to how an answer
        # is quoted than the whole passage.
        if query.dense_text:
            out.sentence_score = best_sentence_scores(self.store, pool, query.vector)
            out.sentence_rank = ranks_of(out.sentence_score)
            out.fused += w.sentence * scale / (w.k + out.sentence_rank)
        # Fourth list: the question's two-word terms said as such. Not for "which analyst
        # asked": analysts ask in their own words, and the company's own term for the topic
        # leads to its answers instead.
        if query.phrases and not query.chinese and not query.asks_for_analyst:
            out.phrase = self.phrase_fusion(query, pool)
        # Fifth list: the passages whose figures could answer, best first; not for "which
        # analyst asked", whose answer is a question.
        if not query.asks_for_analyst:
            out.figure = self.figure_fusion(query, pool)
        out.fused += out.phrase + out.figure
        out.lists = out.fused.copy()
        out.factors = self.context_factors(query, pool)
        out.call_factors = self.call_factors(query, pool)
        out.fused *= out.factors * out.call_factors
        out.looks_ahead = np.fromiter(
            (looks_ahead(self.store.chunks[int(row)].text) for row in pool), bool, len(pool)
        )
        out.guidance_asked = query.guidance_intent
        return out

    def reordered(self, query: Query, scored: PoolScores, n: int) -> np.ndarray:
        """The fused scores as the passage ranker orders them, then the speaker steps."""
        pool, position = scored.pool, scored.position
        known = scored.known(n)
        recorded = RECORDED_POOLS.get()
        if recorded is not None:
            recorded.append((pool, known, scored.call_factors))
        fused = scored.fused
        # The model orders the passages on their own signals. The steps below read who said a
        # passage and what it replies to, which none of its examples (transcripts without
        # speakers) had: they apply to the order it gave, as they did to the fusion's.
        ranker = passage_ranker()
        if ranker is not None and not query.chinese:
            spoken = np.fromiter(
                (self.store.chunks[int(row)].kind != "table_row" for row in pool), bool, len(pool)
            )
            fused = ranker.order(known, spoken, scored.call_factors)
        if not query.asks_for_analyst and not query.filters.get("role"):
            inherit_question_scores(self.store, pool, position, fused, self.weights.reply_factor)
        if query.filters.get("role") != "analyst":
            analyst = np.fromiter(
                (self.store.chunks[int(row)].role == "analyst" for row in pool), bool, len(pool)
            )
            factor = self.weights.analyst_factor
            fused *= np.where(analyst, 1.0 / factor if query.asks_for_analyst else factor, 1.0)
        return fused

    def phrase_fusion(self, query: Query, pool: np.ndarray) -> np.ndarray:
        """weight / (k + rank) for the candidates that say one of the question's pairs."""
        scores = np.asarray(
            phrase_scores([self.store.chunks[int(row)].text for row in pool], query.phrases)
        )
        return self.fusion_of_positive(scores, self.weights.phrase)

    def figure_fusion(self, query: Query, pool: np.ndarray) -> np.ndarray:
        """weight / (k + rank) for the candidates holding a figure of the asked kind."""
        terms = figure_terms(query)
        fits = np.fromiter(
            (answer_fit(self.store.figures[int(row)], query, terms) for row in pool),
            float,
            len(pool),
        )
        return self.fusion_of_positive(fits, self.weights.figure)

    def fusion_of_positive(self, scores: np.ndarray, weight: float) -> np.ndarray:
        """weight / (k + rank) by `scores`, for the candidates that scored at all."""
        return np.where(scores > 0, weight / (self.weights.k + ranks_of(scores)), 0.0)
