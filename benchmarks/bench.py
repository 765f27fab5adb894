"""Prints speed and memory figures for each stage. Run with `make bench`.

Seeds: real model, real index. Scale: a synthetic corpus of generated text whose vectors are
random unit vectors (not embeddings; the model is only used to encode the queries), to
measure FAISS, BM25, load time, RAM and disk at 100,000 chunks.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.build_profile import cpu_seconds
from assistant.chunking import Chunk, ChunkingParams, chunk_document
from assistant.documents import parse_file
from assistant.embedding import Encoder, load_encoder
from assistant.embedding.torch import SentenceEncoder
from assistant.library import LEXICAL, DocumentRecord, Store, VectorIndex, current_version
from assistant.search.retrieval import Retriever
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.text.lexical import BM25
from benchmarks.profiled_build import build_profiled, dir_size_mb, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
QUERIES = [
    "What was revenue in Q4 2024?",
    "How much did net income grow quarter over quarter?",
    "What is the weighted average APR for loans?",
    "second lien allowance for credit losses December 31, 2023",
    "When are loans placed on non-accrual status?",
    "第四季度的營業收入是多少?",
    "What dividend did the board approve?",
    "How many funding partners does the company have?",
]
WORDS = (
    "revenue income loan loans credit risk margin quarter growth guidance customers funding "
    "partners allowance provision delinquency collection platform users volume rate cost "
    "expense dividend cash balance portfolio second first lien assets profit outlook year "
    "increase decrease approximately million billion percent basis points operating"
).split()


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def uncached(encoder: Encoder, search, question: str):
    """A search as a new question costs: the query-vector cache is emptied first."""
    encoder._cache.clear()
    return search(question, 5)


def time_queries(fn, rounds: int) -> list[float]:
    for q in QUERIES:  # warm
        fn(q)
    samples = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_parse() -> None:
    print("== parse + chunk (seeds)")
    for path in sorted(p for p in SEEDS.iterdir() if p.suffix in {".txt", ".md"}):
        doc = parse_file(path)
        chunks = chunk_document(doc)
        start = time.perf_counter()
        for _ in range(10):
            chunk_document(parse_file(path))
        per = (time.perf_counter() - start) / 10 * 1000
        print(f"{path.name}: {len(chunks)} chunks, parse + chunk {per:.1f} ms")


def bench_seeds(encoder: Encoder, load_s: float) -> None:
    print(f"== seeds: real model ({encoder.backend}), real index")
    print(f"model load: {load_s:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Settings(index_dir=Path(tmp)), encoder)
        start, cpu = time.perf_counter(), cpu_seconds()
        store, _ = assistant.build([SEEDS])
        build_s, build_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        units = len(store.sentence_vectors)
        print(
            f"build: {build_s:.1f} s, {build_cpu:.1f} CPU-s for {len(store.chunks)} chunks "
            f"({units} sentences and cells also embedded): "
            f"{len(store.chunks) / build_cpu:.1f} chunks per CPU-second, "
            f"{len(store.chunks) / build_s:.0f} chunks/s"
        )
        print(f"index on disk: {dir_size_mb(Path(tmp)):.1f} MB")
        start = time.perf_counter()
        _, again = assistant.build([SEEDS])
        print(
            f"rebuild, nothing changed: {time.perf_counter() - start:.2f} s "
            f"({again.embedded} embedded)"
        )
        assistant.search("warm up", 1)
        samples = time_queries(lambda q: uncached(encoder, assistant.search, q), 25)
        print(f"search (warm, in process, k=5): {percentiles(samples)}")
        encode = time_queries(lambda q: encoder.embed([q]), 10)
        print(f"  of which query encoding: {percentiles(encode)}")
        cached = time_queries(lambda q: assistant.search(q, 5), 25)
        print(f"search, repeated question (query vector cached): {percentiles(cached)}")
        asked = time_queries(lambda q: uncached(encoder, assistant.ask, q), 25)
        print(f"ask (warm, in process, k=5, answer + figures): {percentiles(asked)}")
        start = time.perf_counter()
        Assistant(Settings(index_dir=Path(tmp)), encoder).retriever()
        print(f"index load (store + lexical index): {time.perf_counter() - start:.2f} s")


def bench_calls() -> None:
    """The 20 wire-service calls from scratch, with where the time goes."""
    calls = sorted(CORPUS.joinpath("calls").glob("*.txt"))[:20]
    if not calls:
        return
    print(f"== {len(calls)} wire-service calls from scratch")
    with tempfile.TemporaryDirectory() as tmp:
        build_profiled(Path(tmp), calls, "calls")


def synthetic_store(n: int, dim: int, threshold: int, rng: np.random.Generator) -> Store:
    words = np.array(WORDS)
    chunks = []
    for k in range(n):
        picked = words[rng.integers(0, len(words), 60)]
        number = f"RMB{rng.integers(1, 999)}.{rng.integers(0, 9)} million"
        chunks.append(
            Chunk(
                chunk_id=f"synth-{k // 100}:{k}",
                doc_id=f"synth-{k // 100}",
                kind="passage",
                text=" ".join(picked) + f" was {number}.",
                lines=(k, k),
            )
        )
    docs = {
        f"synth-{d}": DocumentRecord(
            f"synth-{d}", f"Synthetic {d}", "notes", "-", "-", None, None, ("en",), 100, "-"
        )
        for d in range((n + 99) // 100)
    }
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sentences = np.repeat(vectors, 2, axis=0)
    return Store(
        "all-MiniLM-L6-v2",
        dim,
        ChunkingParams(),
        docs,
        chunks,
        VectorIndex.build(vectors, dim, threshold),
        sentences,
        np.arange(0, 2 * n + 1, 2, dtype=np.int64),
        threshold,
        content_hashes=[str(k) for k in range(n)],
    )


def bench_scale(encoder: Encoder, n: int) -> None:
    print(f"== synthetic corpus: {n:,} chunks of generated text, RANDOM unit vectors")
    rng = np.random.default_rng(0)
    dim = encoder.dimension
    start = time.perf_counter()
    store = synthetic_store(n, dim, threshold=10**9, rng=rng)
    print(f"generate + FAISS flat build: {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store.save(Path(tmp))
        print(f"save: {time.perf_counter() - start:.1f} s, on disk {dir_size_mb(Path(tmp)):.0f} MB")
        start = time.perf_counter()
        BM25.load(current_version(Path(tmp)) / LEXICAL)
        print(f"lexical index load (memory map): {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        loaded = Store.load(Path(tmp))
        retriever = Retriever(loaded, encoder)
        print(f"load (store + lexical index + filter columns): {time.perf_counter() - start:.1f} s")
    samples = time_queries(lambda q: uncached(encoder, retriever.search, q), 10)
    print(f"search (warm, k=5, flat, query encoding included): {percentiles(samples)}")
    print(f"peak RSS so far: {peak_rss_mb():.0f} MB")

    query = encoder.embed(["What was revenue in Q4 2024?"])[0]
    vectors = store.vectors.vectors()
    print("-- exact vs HNSW, vector search only")
    for size in (2 * n, n):
        data = vectors if size == n else np.vstack([vectors, vectors[::-1]])
        flat = VectorIndex.build(data, dim, 10**9)
        flat_ms = time_queries(lambda q, f=flat: f.search(query, 100), 3)
        print(f"{size:,} vectors, flat: {percentiles(flat_ms)}")
    start = time.perf_counter()
    hnsw = VectorIndex.build(vectors, dim, 0)
    build_s = time.perf_counter() - start
    hnsw_ms = time_queries(lambda q: hnsw.search(query, 100), 3)
    # Random vectors have no neighbourhoods, the worst case for HNSW: measure whether a query
    # next to a stored vector finds that vector (recall@1), and top-10 agreement with exact.
    noise = rng.standard_normal((50, dim)).astype(np.float32) * (0.5 / np.sqrt(dim))
    near = vectors[:50] + noise
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    recall1 = np.mean([hnsw.search(q, 1)[0][0] == k for k, q in enumerate(near)])
    recall10 = np.mean(
        [len(set(flat.search(q, 10)[0]) & set(hnsw.search(q, 10)[0])) / 10 for q in near]
    )
    print(
        f"{n:,} vectors, HNSW (M=32, efSearch=96): build {build_s:.0f} s, "
        f"{percentiles(hnsw_ms)}, recall@1 {recall1:.2f}, top-10 overlap {recall10:.2f} "
        f"(random data)"
    )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def bench_long_lines() -> None:
    """A document on one line: parse, chunk and figure time should grow with its length, not
    with its square (each figure's sentence is looked for near it, passages are capped)."""
    print("== one-line documents: parse + chunk + figures")
    from assistant.documents import parse_text
    from assistant.figures import document_figures

    sentence = "Revenue grew 5% to $4.2 million, and margin was 35% on 12 new stores "
    for size_kb in (100, 400):
        text = sentence * (size_kb * 1024 // len(sentence))
        start = time.perf_counter()
        doc = parse_text(text, "one-line.txt")
        chunks = chunk_document(doc, ChunkingParams())
        figures = sum(len(f) for f in document_figures(chunks, doc.period))
        took = time.perf_counter() - start
        print(
            f"{size_kb} KB: {len(chunks)} passages (longest {max(len(c.text) for c in chunks)} "
            f"characters), {figures:,} figures, {took:.1f} s "
            f"({took / size_kb * 100:.2f} s per 100 KB)"
        )


def bench_formats() -> None:
    """Parse time per MB of the development PDFs and HTML filings, when they are there."""
    for kind in ("pdf", "html"):
        files = sorted((CORPUS / kind).glob(f"*.{kind}"))
        if not files:
            continue
        size = sum(f.stat().st_size for f in files) / 1e6
        start = time.perf_counter()
        for path in files:
            parse_file(path)
        took = time.perf_counter() - start
        print(
            f"== {kind}: {len(files)} files, {size:.1f} MB parsed in {took:.1f} s "
            f"({took / size:.2f} s per MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic corpus size")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    bench_parse()
    bench_formats()
    bench_long_lines()
    # ONNX Runtime, the default, first, in a process that has not loaded torch (a server on
    # it never does: torch's thread pool, once started, slows the query encoder's threads),
    # then PyTorch, the reference.
    start = time.perf_counter()
    encoder = load_encoder("all-MiniLM-L6-v2", "onnx")
    bench_seeds(encoder, time.perf_counter() - start)
    start = time.perf_counter()
    reference = SentenceEncoder("all-MiniLM-L6-v2")
    bench_seeds(reference, time.perf_counter() - start)
    del reference
    bench_calls()
    if not args.skip_scale:
        bench_scale(encoder, args.scale)


if __name__ == "__main__":
    main()
