"""The ONNX Runtime encoder against the PyTorch reference: the same model must give the same
vectors, on every seed passage and sentence, in padded batches of mixed lengths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.chunking import chunk_document, chunk_units
from assistant.embedding import SentenceEncoder, load_encoder
from assistant.errors import AssistantError
from assistant.onnx_encoder import OnnxEncoder


@pytest.fixture(scope="module")
def torch_encoder():
    return SentenceEncoder("all-MiniLM-L6-v2")


def seed_texts(transcript_doc, filing_doc) -> list[str]:
    texts = []
    for doc in (transcript_doc, filing_doc):
        for chunk in chunk_document(doc):
            texts.append(chunk.embedding_text)
            texts.extend(text for text, _ in chunk_units(chunk))
    return texts


def test_onnx_vectors_match_pytorch_on_the_seeds(
    encoder, torch_encoder, transcript_doc, filing_doc
):
    assert isinstance(encoder, OnnxEncoder)  # the default backend
    texts = seed_texts(transcript_doc, filing_doc)
    assert len(texts) > 500 and len({len(t) for t in texts}) > 100  # many lengths, padded
    onnx, reference = encoder.embed(texts), torch_encoder.embed(texts)
    assert onnx.shape == reference.shape and onnx.dtype == np.float32
    cosine = (onnx * reference).sum(axis=1)
    assert cosine.min() >= 0.9999
    # One query alone, the way a question is encoded, and a Chinese gloss-free text.
    for text in ("What was Q4 net income?", "第四季度的營業收入是多少?", ""):
        a, b = encoder.embed([text])[0], torch_encoder.embed([text])[0]
        assert float(a @ b) >= 0.9999


def test_the_backend_is_chosen_by_name_and_recorded_in_the_manifest(encoder, tmp_path, monkeypatch):
    from assistant.service import Assistant
    from assistant.settings import Settings
    from tests.conftest import SEEDS

    with pytest.raises(AssistantError, match="unknown encoder backend"):
        load_encoder("all-MiniLM-L6-v2", "tensorrt")
    Assistant(Settings(index_dir=tmp_path), encoder).build([SEEDS])
    manifest_path = next(tmp_path.glob("v*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["model"]["encoders"] == ["onnx"]


def test_the_graph_is_exported_once_and_whole(tmp_path, monkeypatch):
    from assistant.embedding import resolve_model_path
    from assistant.onnx_encoder import cached_graph_path

    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    graph = cached_graph_path(resolve_model_path("all-MiniLM-L6-v2"))
    assert not graph.exists()
    encoder = OnnxEncoder("all-MiniLM-L6-v2")
    assert graph.exists() and graph.stat().st_size > 50_000_000
    assert not list(graph.parent.glob("*.tmp"))  # written beside it, then renamed
    before = graph.stat().st_mtime_ns
    OnnxEncoder("all-MiniLM-L6-v2")
    assert graph.stat().st_mtime_ns == before  # reused, not exported again
    assert encoder.embed(["revenue"]).shape == (1, 384)
