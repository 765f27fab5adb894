"""Sentence embeddings from a model that ships as a Python package, loaded once per process.

The bundled model is all-MiniLM-L6-v2 (384 dimensions, English, reads the first 256 word
pieces). Another sentence-transformers model can be named by a local directory path.
`load_encoder` is the face: it picks the backend (`onnx`, the default, in `onnx.py`; `torch`,
the reference, in `torch.py`); `base.py` holds what they share.
"""

from __future__ import annotations

import os

from assistant.embedding.base import (
    BUNDLED,
    Encoder,
    QueryCache,
    Spans,
    mean_pooled,
    resolve_model_path,
    span_vectors,
    unit_rows,
)
from assistant.errors import AssistantError

__all__ = [
    "BACKENDS",
    "BUNDLED",
    "Encoder",
    "QueryCache",
    "Spans",
    "load_encoder",
    "mean_pooled",
    "resolve_model_path",
    "span_vectors",
    "unit_rows",
]

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
        from assistant.embedding.onnx import OnnxEncoder

        return OnnxEncoder(name, precision="fp32" if backend == "onnx-fp32" else "int8")
    from assistant.embedding.torch import SentenceEncoder

    return SentenceEncoder(name)
