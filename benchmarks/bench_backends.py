"""FAISS + files against PostgreSQL + pgvector, side by side on the same libraries: the
development calls (real model, real documents) and a synthetic 100,000-chunk set (random
vectors, generated text). Prints build time, one upload, query p50/p95, memory and disk.

Run alone with `python -m benchmarks.bench_backends`; `make bench` runs it too. PostgreSQL is
the one ASSISTANT_BENCH_DATABASE_URL names, or a server of its own from the pgserver wheel.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from assistant.database import connect, migrate
from assistant.documents import parse_file
from assistant.embedding import Encoder, load_encoder
from assistant.evaluation import read_questions
from assistant.library import Store
from assistant.library_db import Library
from assistant.search.retrieval import Retriever
from assistant.service import Assistant
from assistant.settings import Settings
from benchmarks.bench import dir_size_mb, percentiles, synthetic_store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CALLS = SHARED / "corpus" / "calls"
ONE_UPLOAD = SHARED / "corpus" / "ectsum-train" / "YUM_q2_2021.txt"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_rss_mb(url: str) -> float:
    """Resident memory of the PostgreSQL server's processes (on this machine)."""
    import psutil

    # Read while the connection is open: its backend process ends when it closes.
    with contextlib.closing(connect(url, autocommit=True)) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        backend = psutil.Process(pid)
        root = backend.parent() or backend
        return sum(p.memory_info().rss for p in [root, *root.children()]) / 1e6


def database_mb(url: str) -> float:
    with contextlib.closing(connect(url, autocommit=True)) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A fresh database to measure in."""
    given = os.environ.get("ASSISTANT_BENCH_DATABASE_URL")
    if given:
        yield given
        return
    import pgserver

    with tempfile.TemporaryDirectory() as folder:
        server = pgserver.get_server(folder, cleanup_mode="stop")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def query_times(search, questions: list[str], encoder: Encoder, rounds: int = 3) -> list[float]:
    """Warm searches, each encoding its question afresh (the query cache emptied first)."""
    for q in questions[:5]:
        search(q)
    samples = []
    for _ in range(rounds):
        for q in questions:
            encoder._cache.clear()
            start = time.perf_counter()
            search(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_calls(encoder: Encoder, url: str) -> None:
    print("== development calls (seeds + wire-service calls): files vs PostgreSQL")
    questions = [q.question for q in read_questions(SHARED / "eval" / "calls_dev.jsonl")]
    paths = [ROOT / "seeds", CALLS]
    upload = parse_file(ONE_UPLOAD)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name in ("files", "postgresql"):
            settings = Settings(
                index_dir=Path(tmp) / name, database_url=url if name == "postgresql" else None
            )
            if name == "postgresql":
                migrate(url)
            assistant = Assistant(settings, encoder)
            rss_before = rss_mb()
            (store, _), build_s = timed(assistant.build, paths)
            _, upload_s = timed(assistant.add_document, upload)
            _, reload_s = timed(assistant.retriever)
            samples = query_times(lambda q, a=assistant: a.search(q, 5), questions, encoder)
            disk = database_mb(url) if name == "postgresql" else dir_size_mb(settings.index_dir)
            server = f", server RSS {server_rss_mb(url):.0f} MB" if name == "postgresql" else ""
            rows.append(
                f"{name:<11} {len(store.chunks):>6} chunks: build {build_s:.0f} s, "
                f"upload of one call {upload_s:.1f} s, reload {reload_s:.2f} s, "
                f"search {percentiles(samples)}, disk {disk:.0f} MB, "
                f"peak RSS {rss_mb():.0f} MB (+{rss_mb() - rss_before:.0f}){server}"
            )
        print("\n".join(rows))


def bench_synthetic(encoder: Encoder, url: str, n: int) -> None:
    print(f"== synthetic {n:,} chunks (RANDOM unit vectors): files vs PostgreSQL")
    rng = np.random.default_rng(0)
    store = synthetic_store(n, encoder.dimension, threshold=10**9, rng=rng)
    questions = [
        "What was revenue in Q4 2024?",
        "How much did net income grow quarter over quarter?",
        "What is the weighted average APR for loans?",
        "What dividend did the board approve?",
    ]
    upload = parse_file(ROOT / "seeds" / "000_71abd0ac3770a833.txt")
    with tempfile.TemporaryDirectory() as tmp:
        _, save_s = timed(store.save, Path(tmp))
        loaded, load_s = timed(Store.load, Path(tmp))
        files = Retriever(loaded, encoder)
        samples = query_times(lambda q: files.search(q, 5), questions, encoder, 5)
        print(
            f"files       save {save_s:.1f} s, load {load_s:.1f} s, "
            f"search {percentiles(samples)}, disk {dir_size_mb(Path(tmp)):.0f} MB"
        )
    migrate(url)
    library = Library(url, encoder.name, encoder.dimension, store.chunking, 10**9)
    _, import_s = timed(library.import_store, store)
    snapshot, load_s = timed(library.load)
    database = Retriever(snapshot, encoder)
    exact = query_times(lambda q: database.search(q, 5), questions, encoder, 5)
    _, upload_s = timed(library.add_documents, [upload], encoder)
    print(
        f"postgresql  bulk load {import_s:.0f} s, snapshot load {load_s:.1f} s, "
        f"exact search {percentiles(exact)}, upload of one call {upload_s:.1f} s, "
        f"disk {database_mb(url):.0f} MB, server RSS {server_rss_mb(url):.0f} MB"
    )
    hnsw = Library(url, encoder.name, encoder.dimension, store.chunking, 0)
    _, index_s = timed(hnsw.add_documents, [], encoder)  # builds the HNSW index
    database = Retriever(hnsw.load(), encoder)
    approx = query_times(lambda q: database.search(q, 5), questions, encoder, 5)
    print(
        f"postgresql  HNSW build {index_s:.0f} s, search {percentiles(approx)}, "
        f"disk {database_mb(url):.0f} MB; peak RSS here {rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-calls", action="store_true")
    args = parser.parse_args()
    encoder = load_encoder("all-MiniLM-L6-v2")
    if CALLS.is_dir() and not args.skip_calls:
        with postgres() as url:
            bench_calls(encoder, url)
    if not args.skip_scale:
        with postgres() as url:
            bench_synthetic(encoder, url, args.scale)


if __name__ == "__main__":
    main()
