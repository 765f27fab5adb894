"""Prints how fast each pipeline stage runs on the seeds. Run with `make bench`."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.documents import parse_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for p in (ROOT / "seeds").iterdir() if p.suffix in {".txt", ".md"})


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    print("== parse + chunk (seeds)")
    for path in SEEDS:
        doc = parse_file(path)
        chunks = chunk_document(doc)
        parse_ms = timed(lambda p=path: parse_file(p), 20)
        chunk_ms = timed(lambda d=doc: chunk_document(d), 20)
        size_kb = path.stat().st_size / 1024
        print(
            f"{path.name}: {size_kb:.0f} KB, {len(chunks)} chunks, "
            f"parse p50 {statistics.median(parse_ms):.1f} ms, "
            f"chunk p50 {statistics.median(chunk_ms):.1f} ms"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
