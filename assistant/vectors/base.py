"""The contract every vector backend keeps.

Ids are the caller's stable 64-bit integers (a chunk's content-derived id), never row
positions: adding or deleting some vectors leaves every other id and its vector as it was.
Vectors are L2-normalised, so the score is the inner product, which is cosine similarity.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

NO_ID = -1  # fills the rows of a result that has fewer than k matches


@runtime_checkable
class VectorBackend(Protocol):
    dimension: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Store `vectors` under `ids`; an id already stored is replaced."""

    def delete(self, ids: np.ndarray) -> None:
        """Forget `ids`; ids not stored are ignored."""

    def search(
        self, queries: np.ndarray, k: int, where: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each query row, the ids and scores of the k nearest vectors, best first, only
        among the ids in `where` when given. Shapes (n, k); missing places hold NO_ID and
        -inf."""

    def count(self) -> int: ...

    def ids(self) -> np.ndarray: ...


def normalised(vectors: np.ndarray, dimension: int) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def as_ids(ids) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def checked(ids: np.ndarray, vectors: np.ndarray, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    ids = as_ids(ids)
    vectors = normalised(vectors, dimension)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("ids repeat within one add")
    if (ids < 0).any():
        raise ValueError("ids must be non-negative")
    return ids, vectors


def empty_result(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), NO_ID, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32)


def rank_exactly(
    queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int, n_queries: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k best of `ids` for each query by inner product, ties to the smaller id: the one
    exact ranking every backend's exact path shares."""
    out_ids, out_scores = empty_result(n_queries, k)
    scores = queries @ vectors.T
    for q in range(n_queries):
        order = np.lexsort((ids, -scores[q]))[:k]
        out_ids[q, : len(order)] = ids[order]
        out_scores[q, : len(order)] = scores[q, order]
    return out_ids, out_scores
