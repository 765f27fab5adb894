"""Reciprocal-rank fusion: the weights of the ranked lists (dense, lexical, best sentence,
phrase, figure) and of the factors applied after them, a list's ranks, and a search's hit."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.library import Store


@dataclass(frozen=True)
class FusionWeights:
    """Reciprocal-rank fusion: score = Σ weight / (k + rank). Lexical is weighed above dense
    because MiniLM reads only 256 word pieces of English; see README for the measurements."""

    dense: float = 0.6
    lexical: float = 1.0
    sentence: float = 1.0
    # A fourth list, lighter: the question's two-word terms said word for word (phrases.py).
    phrase: float = 0.3
    # A fifth, as light: passages by how well their figures could answer (unit, metric, kind
    # and year; figure_choice.answer_fit).
    figure: float = 0.3
    k: int = 60
    candidates: int = 100
    # A Chinese question reaches the English-only model through its gloss alone, so its dense
    # and sentence lists count for less.
    cjk_dense_scale: float = 0.3
    # An analyst's turn is a question; it rarely answers one. A mild demotion, off when the
    # user filters on analysts and turned into a promotion when the question asks who asked.
    analyst_factor: float = 0.9
    # The answer to an analyst's question that matches scores at least this share of it.
    reply_factor: float = 0.95
    # A passage or row that names only other periods than the question's is demoted, and so
    # is a table row whose row labels share no word with the question.
    period_mismatch_factor: float = 0.85
    # A quarter asked, and the passage names only its year (or full year): a lighter demotion.
    year_only_factor: float = 0.93
    row_label_mismatch_factor: float = 0.9
    # A row of a primary statement (income, cash flows, balance sheet) whose own label's
    # words the question all says holds the firm-wide figure asked: a note's breakdown or a
    # segment's table of the same metric ("Net Revenues by Type › Total net revenues")
    # comes after it.
    primary_statement_factor: float = 1.25
    # A table row whose dated columns ("Sep. 28, 2024") lack the day asked cannot hold the
    # answer: it steps back further than a passage naming another period.
    row_date_mismatch_factor: float = 0.7


@dataclass(frozen=True)
class Hit:
    row: int
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float | None
    lexical_score: float
    sentence_rank: int | None = None
    sentence_score: float | None = None


def best_sentence_scores(store: Store, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Max cosine similarity between `query` and the sentences of each row, vectorised."""
    starts = store.sentence_offsets[rows]
    counts = store.sentence_offsets[rows + 1] - starts
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    index = np.repeat(starts - firsts, counts) + np.arange(int(counts.sum()))
    sims = store.sentence_vectors[index] @ query
    return np.maximum.reduceat(sims, firsts).astype(np.float64)


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """Each score's rank, 1 for the highest; ties keep their order."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first: argpartition, then a small sort."""
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


@dataclass
class PoolScores:
    """What the fusion knows of each candidate of a pool, position by position."""

    pool: np.ndarray
    position: dict[int, int]
    fused: np.ndarray
    dense_rank: np.ndarray
    dense_score: np.ndarray
    lexical_rank: np.ndarray
    sentence_rank: np.ndarray
    sentence_score: np.ndarray
    phrase: np.ndarray
    figure: np.ndarray
    lexical: np.ndarray  # BM25 score of each candidate
    lists: np.ndarray = field(default_factory=lambda: np.zeros(0))
    factors: np.ndarray = field(default_factory=lambda: np.zeros(0))
    call_factors: np.ndarray = field(default_factory=lambda: np.zeros(0))
    looks_ahead: np.ndarray = field(default_factory=lambda: np.zeros(0))
    guidance_asked: bool = False

    @classmethod
    def empty(cls, pool: np.ndarray, lexical: np.ndarray) -> PoolScores:
        size = len(pool)
        nothing = np.zeros(size)
        return cls(
            pool=pool,
            position={int(row): i for i, row in enumerate(pool)},
            fused=np.zeros(size, dtype=np.float64),
            dense_rank=np.zeros(size, dtype=np.int64),
            dense_score=np.full(size, np.nan),
            lexical_rank=np.zeros(size, dtype=np.int64),
            sentence_rank=np.zeros(size, dtype=np.int64),
            sentence_score=np.full(size, np.nan),
            phrase=nothing,
            figure=nothing,
            lexical=lexical,
        )

    def known(self, candidates: int) -> dict[str, np.ndarray]:
        """The passage ranker's features (passage_model.PASSAGE_FEATURES); a list that did
        not rank a candidate counts it past the end."""
        return {
            "dense_score": np.nan_to_num(self.dense_score, nan=-1.0),
            "dense_rank": np.where(self.dense_rank > 0, self.dense_rank, 2 * candidates),
            "lexical_score": np.maximum(self.lexical, 0.0),
            "lexical_rank": np.where(self.lexical_rank > 0, self.lexical_rank, 2 * candidates),
            "sentence_score": np.nan_to_num(self.sentence_score, nan=-1.0),
            "sentence_rank": self.sentence_rank,
            "phrase": self.phrase,
            "figure": self.figure,
            "lists": self.lists,
            "context_factor": self.factors * self.call_factors,
            "fused": self.fused.copy(),
            "looks_ahead": self.looks_ahead.astype(np.float64),
            "guidance_asked": np.full(len(self.pool), float(self.guidance_asked)),
        }

    def hit(self, i: int, score: float) -> Hit:
        return Hit(
            row=int(self.pool[i]),
            score=score,
            dense_rank=int(self.dense_rank[i]) or None,
            lexical_rank=int(self.lexical_rank[i]) or None,
            dense_score=None if np.isnan(self.dense_score[i]) else float(self.dense_score[i]),
            lexical_score=float(max(self.lexical[i], 0.0)),
            sentence_rank=int(self.sentence_rank[i]) or None,
            sentence_score=(
                None if np.isnan(self.sentence_score[i]) else float(self.sentence_score[i])
            ),
        )
