"""FAISS with stable ids: vectors are added and deleted without rebuilding the rest.

FAISS holds each vector under a slot number that only grows; the backend maps the caller's
ids to slots. A flat index removes a deleted slot at once. HNSW cannot remove a node, so its
deleted slots are skipped at search time and the graph is rebuilt once they pass a quarter
of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

from assistant.vectors.base import (
    NO_ID,
    as_ids,
    checked,
    empty_result,
    normalised,
    rank_exactly,
)

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 160
HNSW_EF_SEARCH = 128
# A filter this small is searched exactly: HNSW filtered to a few ids can miss some of them.
EXACT_FILTER_SIZE = 4096
COMPACT_SHARE = 0.25


class FaissBackend:
    def __init__(self, dimension: int, hnsw: bool = False) -> None:
        self.dimension = dimension
        self.hnsw = hnsw
        self._index = faiss.IndexIDMap2(self._inner())
        self._slot_of: dict[int, int] = {}
        self._id_of_slot = np.zeros(0, dtype=np.int64)  # NO_ID where deleted
        self._dead = 0  # deleted slots still inside an HNSW graph

    def _inner(self) -> faiss.Index:
        if not self.hnsw:
            return faiss.IndexFlatIP(self.dimension)
        index = faiss.IndexHNSWFlat(self.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index

    # changes -------------------------------------------------------------------------------
    def add(self, ids, vectors) -> None:
        ids, vectors = checked(ids, vectors, self.dimension)
        self.delete(ids)
        first = len(self._id_of_slot)
        slots = np.arange(first, first + len(ids), dtype=np.int64)
        if len(ids):
            self._index.add_with_ids(vectors, slots)
        self._id_of_slot = np.concatenate([self._id_of_slot, ids])
        self._slot_of.update(zip(ids.tolist(), slots.tolist(), strict=True))

    def delete(self, ids) -> None:
        slots = np.asarray(
            [s for s in (self._slot_of.pop(int(i), None) for i in as_ids(ids)) if s is not None],
            dtype=np.int64,
        )
        if len(slots) == 0:
            return
        self._id_of_slot[slots] = NO_ID
        if not self.hnsw:
            self._index.remove_ids(faiss.IDSelectorBatch(slots))
            return
        self._dead += len(slots)
        if self._dead > COMPACT_SHARE * max(1, self._index.ntotal):
            self._compact()

    def _compact(self) -> None:
        """A new graph of the live vectors only, under the same slots."""
        live = np.flatnonzero(self._id_of_slot != NO_ID).astype(np.int64)
        vectors = self._reconstruct(live)
        self._index = faiss.IndexIDMap2(self._inner())
        if len(live):
            self._index.add_with_ids(vectors, live)
        self._dead = 0

    def _reconstruct(self, slots: np.ndarray) -> np.ndarray:
        out = np.zeros((len(slots), self.dimension), dtype=np.float32)
        for k, slot in enumerate(slots.tolist()):
            out[k] = self._index.reconstruct(slot)
        return out

    # reads ---------------------------------------------------------------------------------
    def search(self, queries, k: int, where=None) -> tuple[np.ndarray, np.ndarray]:
        queries = normalised(queries, self.dimension)
        out_ids, out_scores = empty_result(len(queries), k)
        if where is not None:
            allowed = np.asarray(
                [s for s in (self._slot_of.get(int(i)) for i in as_ids(where)) if s is not None],
                dtype=np.int64,
            )
        else:
            allowed = None
        live = self.count() if allowed is None else len(allowed)
        if k <= 0 or live == 0 or len(queries) == 0:
            return out_ids, out_scores
        if allowed is not None and (not self.hnsw or len(allowed) <= EXACT_FILTER_SIZE):
            slots = np.sort(allowed)
            return rank_exactly(
                queries, self._reconstruct(slots), self._id_of_slot[slots], k, len(queries)
            )
        params = None
        if allowed is not None:
            params = self._params(faiss.IDSelectorBatch(allowed), k)
        elif self._dead:
            dead = np.flatnonzero(self._id_of_slot == NO_ID).astype(np.int64)
            params = self._params(faiss.IDSelectorNot(faiss.IDSelectorBatch(dead)), k)
        elif self.hnsw:
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        scores, slots = self._index.search(queries, min(k, live), params=params)
        return self._fill(slots, scores, out_ids, out_scores)

    def _params(self, selector, k: int):
        if self.hnsw:
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
        return faiss.SearchParameters(sel=selector)

    def _fill(self, slots, scores, out_ids, out_scores):
        found = slots >= 0
        width = slots.shape[1]
        out_ids[:, :width] = np.where(found, self._id_of_slot[np.where(found, slots, 0)], NO_ID)
        out_scores[:, :width] = np.where(found, scores, -np.inf)
        return out_ids, out_scores

    def count(self) -> int:
        return len(self._slot_of)

    def ids(self) -> np.ndarray:
        return np.sort(np.fromiter(self._slot_of, dtype=np.int64, count=len(self._slot_of)))

    # files ---------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / "vectors.faiss"))
        np.save(folder / "slot_ids.npy", self._id_of_slot, allow_pickle=False)
        (folder / "backend.json").write_text(
            json.dumps({"dimension": self.dimension, "hnsw": self.hnsw, "dead": self._dead})
        )

    @classmethod
    def load(cls, folder: Path) -> FaissBackend:
        meta = json.loads((folder / "backend.json").read_text())
        backend = cls(meta["dimension"], meta["hnsw"])
        backend._index = faiss.read_index(str(folder / "vectors.faiss"))
        backend._id_of_slot = np.load(folder / "slot_ids.npy", allow_pickle=False)
        live = np.flatnonzero(backend._id_of_slot != NO_ID)
        backend._slot_of = dict(zip(backend._id_of_slot[live].tolist(), live.tolist(), strict=True))
        backend._dead = meta["dead"]
        return backend
