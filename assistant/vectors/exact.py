"""Exact search in numpy: the reference every other backend is checked against."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.vectors.base import as_ids, checked, empty_result, normalised, rank_exactly


class ExactBackend:
    """Brute-force inner product over a dense matrix; ties go to the smaller id, so results
    are fully determined."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, dimension), dtype=np.float32)

    def add(self, ids, vectors) -> None:
        ids, vectors = checked(ids, vectors, self.dimension)
        keep = ~np.isin(self._ids, ids)
        self._ids = np.concatenate([self._ids[keep], ids])
        self._vectors = np.concatenate([self._vectors[keep], vectors])

    def delete(self, ids) -> None:
        keep = ~np.isin(self._ids, as_ids(ids))
        self._ids, self._vectors = self._ids[keep], self._vectors[keep]

    def search(self, queries, k: int, where=None) -> tuple[np.ndarray, np.ndarray]:
        queries = normalised(queries, self.dimension)
        out_ids, out_scores = empty_result(len(queries), k)
        rows = (
            np.arange(len(self._ids))
            if where is None
            else np.flatnonzero(np.isin(self._ids, as_ids(where)))
        )
        if k <= 0 or len(rows) == 0:
            return out_ids, out_scores
        return rank_exactly(queries, self._vectors[rows], self._ids[rows], k, len(queries))

    def count(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        return np.sort(self._ids)

    def save(self, path: Path) -> None:
        with open(path, "wb") as out:
            np.savez(out, ids=self._ids, vectors=self._vectors)

    @classmethod
    def load(cls, path: Path) -> ExactBackend:
        with np.load(path, allow_pickle=False) as saved:
            backend = cls(saved["vectors"].shape[1])
            backend._ids, backend._vectors = saved["ids"], saved["vectors"]
        return backend
