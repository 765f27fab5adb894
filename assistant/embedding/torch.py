"""The reference encoder: sentence-transformers on PyTorch, and what another model directory
may need."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from assistant.embedding.base import (
    QueryCache,
    Spans,
    mean_pooled,
    resolve_model_path,
    span_vectors,
)


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
