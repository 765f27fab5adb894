"""The ONNX Runtime encoder against the PyTorch reference: the same model must give the same
vectors (float32) or nearly (int8, the default), on every seed passage and sentence, in padded
batches of mixed lengths; sentence vectors pooled from their passage's pass alike."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from assistant.chunking import chunk_document, chunk_units
from assistant.embedding import load_encoder
from assistant.embedding.onnx import OnnxEncoder
from assistant.embedding.torch import SentenceEncoder
from assistant.errors import AssistantError

pytestmark = pytest.mark.slow  # loads the model on both runtimes


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


@pytest.fixture(scope="module")
def float_encoder():
    return load_encoder("all-MiniLM-L6-v2", "onnx-fp32")


def test_onnx_vectors_match_pytorch_on_the_seeds(
    float_encoder, torch_encoder, transcript_doc, filing_doc
):
    texts = seed_texts(transcript_doc, filing_doc)
    assert len(texts) > 500 and len({len(t) for t in texts}) > 100  # many lengths, padded
    onnx, reference = float_encoder.embed(texts), torch_encoder.embed(texts)
    assert onnx.shape == reference.shape and onnx.dtype == np.float32
    cosine = (onnx * reference).sum(axis=1)
    assert cosine.min() >= 0.9999
    # One query alone, the way a question is encoded, and a Chinese gloss-free text.
    for text in ("What was Q4 net income?", "第四季度的營業收入是多少?", ""):
        a, b = float_encoder.embed([text])[0], torch_encoder.embed([text])[0]
        assert float(a @ b) >= 0.9999


def test_int8_vectors_stay_near_the_reference(encoder, torch_encoder, transcript_doc, filing_doc):
    assert isinstance(encoder, OnnxEncoder) and encoder.backend == "onnx-int8"  # the default
    texts = seed_texts(transcript_doc, filing_doc)
    cosine = (encoder.embed(texts) * torch_encoder.embed(texts)).sum(axis=1)
    assert cosine.min() >= 0.95 and cosine.mean() >= 0.99
    # What matters is the order: each text's own reference vector is its nearest.
    sample = texts[::7]
    nearest = (encoder.embed(sample) @ torch_encoder.embed(sample).T).argmax(axis=1)
    assert (nearest == np.arange(len(sample))).mean() >= 0.98


def test_pooled_sentence_vectors_are_the_same_on_both_runtimes(
    float_encoder, torch_encoder, transcript_doc
):
    texts = [c.embedding_text for c in chunk_document(transcript_doc)[:40]]
    spans = [[[(m.start(), m.end())] for m in re.finditer(r"[^.]+\.", t)] for t in texts]
    assert sum(map(len, spans)) > 80
    onnx, onnx_pieces = float_encoder.embed_spans(texts, spans)
    torch_vectors, torch_pieces = torch_encoder.embed_spans(texts, spans)
    assert (onnx * torch_vectors).sum(axis=1).min() >= 0.9999
    np.testing.assert_allclose(onnx, float_encoder.embed(texts), atol=1e-5)  # same pass
    for ours, theirs in zip(onnx_pieces, torch_pieces, strict=True):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert a is not None and b is not None and float(a @ b) >= 0.9999


def test_a_span_past_the_models_length_has_no_pooled_vector(encoder):
    """The model reads 256 word pieces: a sentence after them is embedded alone instead."""
    text = "Revenue grew. " + "Margins held steady in every region we serve. " * 60 + "Tail."
    first, last = (0, 13), (len(text) - 5, len(text))
    _, (pieces,) = encoder.embed_spans([text], [[[first], [last]]])
    assert pieces[0] is not None and pieces[1] is None
    alone = encoder.embed(["Revenue grew."])[0]
    assert float(pieces[0] @ alone) > 0.6  # its own words, read in context


def test_the_backend_is_chosen_by_name_and_recorded_in_the_manifest(encoder, tmp_path, monkeypatch):
    from assistant.service import Assistant
    from assistant.settings import Settings
    from tests.conftest import SEEDS

    with pytest.raises(AssistantError, match="unknown encoder backend"):
        load_encoder("all-MiniLM-L6-v2", "tensorrt")
    Assistant(Settings(index_dir=tmp_path), encoder).build([SEEDS])
    manifest_path = next(tmp_path.glob("v*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["model"]["encoders"] == ["onnx-int8"]


def test_the_graph_is_exported_once_and_whole(tmp_path, monkeypatch):
    from assistant.embedding import resolve_model_path
    from assistant.embedding.onnx import cached_graph_path

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
