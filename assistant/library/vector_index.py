"""The FAISS index of the chunk vectors: exact inner product for a small library, HNSW past
the store's threshold."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from assistant.vectors.base import rank_exactly

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# A filter this small is searched exactly: HNSW filtered to a few rows can miss some of them
# (a company's few thousand passages in a large library: recall 0.91 at ten nearest).
EXACT_FILTER_SIZE = 4096


class VectorIndex:
    """FAISS behind the five calls the store needs: build, search, vectors, save, load.

    Vectors are L2-normalised, so inner product is cosine similarity. Up to `ann_threshold`
    vectors the index is exact (IndexFlatIP); beyond it, HNSW, whose build cost only pays once
    exact search gets slow (see `make bench` for the measured crossover).
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSWFlat) else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int, ann_threshold: int) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
        if len(vectors) > ann_threshold:
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        return cls(index)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the k nearest rows, optionally only among `allowed` row ids."""
        k = min(k, self.count if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None and self.kind == "hnsw" and len(allowed) <= EXACT_FILTER_SIZE:
            rows = np.ascontiguousarray(allowed, dtype=np.int64)
            found, scores = rank_exactly(query, self.index.reconstruct_batch(rows), rows, k, 1)
            return found[0], scores[0]
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self) -> np.ndarray:
        if self.count == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_n(0, self.count)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))
