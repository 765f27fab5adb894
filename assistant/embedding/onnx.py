"""The bundled sentence model run by ONNX Runtime, about four times faster than PyTorch for one
query and without importing it, so a process starts in a second instead of six.

Two graphs: float32, the same vectors as sentence-transformers (cosine >= 0.9999, tested), and
the default, its matrix products' weights quantised to int8 per output channel, which embeds a
library with about 1.7 times less CPU; its vectors are at 0.99 cosine of the reference on
average, and the validation split's scores within a question or two (README, "Speed").

The float32 graph is exported from the model's own weights once (at `make install`, else at
first use) with PyTorch, the int8 one quantised from it, and both cached: in the virtual
environment when it is writable, else in ~/.cache/earnings-assistant, or where
ASSISTANT_MODEL_CACHE says. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.embedding.base import (
    QueryCache,
    Spans,
    mean_pooled,
    resolve_model_path,
    span_vectors,
)
from assistant.errors import AssistantError
from assistant.memory import release_freed_memory

MAX_WORKERS = 8  # threads that each run the graph on one core during a bulk embed
EXPORT_VERSION = "1"  # bump when the export below changes
OPSET = 17


def cache_root() -> Path:
    configured = os.environ.get("ASSISTANT_MODEL_CACHE")
    if configured:
        return Path(configured)
    in_venv = Path(sys.prefix) / "share" / "earnings-assistant" / "onnx"
    if sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK):
        return in_venv
    return Path.home() / ".cache" / "earnings-assistant" / "onnx"


def cached_graph_path(model_dir: Path) -> Path:
    """Where this model's graph is cached: keyed by the weights file (size and time), so
    another model or new weights get their own export."""
    weights = next(
        (
            model_dir / n
            for n in ("model.safetensors", "pytorch_model.bin")
            if (model_dir / n).exists()
        ),
        None,
    )
    if weights is None:
        raise AssistantError(f"{model_dir}: no model weights to export")
    stat = weights.stat()
    key = f"{model_dir.name}-{stat.st_size}-{stat.st_mtime_ns}-v{EXPORT_VERSION}"
    return cache_root() / key / "model.onnx"


def export_graph(model_dir: Path, target: Path) -> Path:
    """Export the transformer (token ids in, token states out) to ONNX; pooling and
    normalising stay in numpy. Written beside its target and renamed, so a crash or a second
    process never leaves half a file."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class TokenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".onnx.tmp", delete=False) as tmp:
        partial = Path(tmp.name)
    try:
        # The tracer's notes (a mask test read as a constant) do not apply: the graph is
        # checked against PyTorch on padded batches of every length in the tests.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenStates(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(partial),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["token_states"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "token_states": axes,
                },
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def quantized_graph(graph: Path) -> Path:
    """The graph with its matrix products' weights in int8 (per output channel), made once
    beside it and renamed into place."""
    target = graph.with_name("model.int8.onnx")
    if target.exists():
        return target
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.NamedTemporaryFile(dir=graph.parent, suffix=".onnx.tmp", delete=False) as tmp:
        partial = Path(tmp.name)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser's advice on pre-processing is for CNNs
    try:
        quantize_dynamic(
            str(graph),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
        os.replace(partial, target)
    finally:
        root.setLevel(level)
        partial.unlink(missing_ok=True)
    return target


class OnnxEncoder(QueryCache):
    """Tokenizer (the model's tokenizer.json), ONNX graph, mean pooling, unit length: the
    steps sentence-transformers takes for this model."""

    def __init__(
        self,
        name: str,
        precision: str = "int8",
        # One text per run: no padding to compute, and no text's vector depends on the texts
        # beside it (int8 activations are scaled per run). On two cores it is also the fastest.
        batch_size: int = 1,
        query_cache_size: int = 1024,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        super().__init__(query_cache_size)
        model_dir = resolve_model_path(name)
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise AssistantError(f"{name}: only mean-pooled models run on ONNX here")
        graph = cached_graph_path(model_dir)
        if not graph.exists():
            export_graph(model_dir, graph)
        if precision == "int8":
            graph = quantized_graph(graph)
        self.name = name
        self.backend = f"onnx-{precision}"
        self.dimension = int(pooling["word_embedding_dimension"])
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id("[PAD]") or 0)
        self.workers = max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.intra_op_num_threads = 1  # one core per run; _each_batch runs one per core
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        # A question is one text alone: it has every core to itself.
        options.intra_op_num_threads = self.workers
        self._query_session = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1:
            return self._embed_batch(list(texts), session=self._query_session)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)

        def embed_rows(rows: list[int], shrink: bool) -> None:
            out[rows] = self._embed_batch([texts[k] for k in rows], shrink)

        self._each_batch(texts, embed_rows)
        return out

    def embed_spans(
        self, texts: Sequence[str], spans: Spans
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Each text's vector and its spans' vectors from the same pass (see span_vectors)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pieces: list[list[np.ndarray | None]] = [[] for _ in texts]

        def embed_rows(rows: list[int], shrink: bool) -> None:
            encoded, states, mask = self._run([texts[k] for k in rows], shrink)
            out[rows] = mean_pooled(states, mask)
            for at, k in enumerate(rows):
                encoding = encoded[at]
                words = (np.asarray(encoding.special_tokens_mask) == 0) & (
                    np.asarray(encoding.attention_mask) == 1
                )
                offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
                pieces[k] = span_vectors(offsets, words, states[at], spans[k])

        self._each_batch(texts, embed_rows)
        return out, pieces

    def _each_batch(self, texts: Sequence[str], work: Callable[[list[int], bool], None]) -> None:
        """Run `work` on the texts' rows batch by batch, longest first (a batch pads to texts
        of about its own length), the batches dealt out to one thread per core. Each thread
        runs the graph on one core: on short texts that keeps both cores busy, where one run
        split over two leaves them waiting on each other half the time."""
        order = sorted(range(len(texts)), key=lambda k: -len(texts[k]))
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        shares = [batches[w :: self.workers] for w in range(min(self.workers, len(batches)))]

        def run(share: list[list[int]]) -> None:
            for k, rows in enumerate(share):
                # A passage grows ONNX Runtime's memory arena by hundreds of MB (attention
                # over 256 tokens), which it keeps: each thread's last batch of a bulk call
                # shrinks it back, so a server that indexed uploads holds what a fresh one does.
                work(rows, len(texts) > 1 and k == len(share) - 1)

        if len(shares) > 1:
            with ThreadPoolExecutor(len(shares), thread_name_prefix="encoder") as pool:
                list(pool.map(run, shares))
        else:
            for share in shares:
                run(share)
        if len(texts) > 1:
            release_freed_memory()

    def _run(self, texts: list[str], shrink: bool = False, session=None):
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        (states,) = (session or self._session).run(
            None,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            shrinking_run() if shrink else None,
        )
        return encoded, states, mask

    def _embed_batch(self, texts: list[str], shrink: bool = False, session=None) -> np.ndarray:
        _, states, mask = self._run(texts, shrink, session)
        return mean_pooled(states, mask)


def shrinking_run():
    """Run options that hand the CPU arena's unused memory back when the run ends."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def main() -> None:
    """`python -m assistant.embedding.onnx`: export the bundled model's graphs now (install)."""
    model_dir = resolve_model_path("all-MiniLM-L6-v2")
    graph = cached_graph_path(model_dir)
    if not graph.exists():
        export_graph(model_dir, graph)
    quantized_graph(graph)
    print(f"ONNX graphs ready (float32 and int8): {graph.parent}")


if __name__ == "__main__":
    main()
