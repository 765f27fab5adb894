"""`make bench-library`: the ECTSum training calls and the ECTSum library indexed together
(1,681 real calls with ticker and period sidecars) in a scratch folder, then the ectsum_dev
questions asked against the whole library.

Prints build throughput (chunks per second and per CPU-second), wall time, peak RSS, index size
on disk, load time, warm search and ask latency, and the questions' quality beside their
quality on the 80 training calls alone (tests/golden/ectsum.json). `--limit N` indexes the
first N calls only (the training calls first), for a quicker look.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from assistant.embedding import load_encoder
from assistant.evaluation import ask_each, read_questions
from assistant.service import Assistant, collect_files
from assistant.settings import Settings
from benchmarks.bench import percentiles
from benchmarks.profiled_build import build_profiled, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = ROOT.parent / "shared" / "eval" / "ectsum_dev.jsonl"
GOLDEN = ROOT / "tests" / "golden" / "ectsum.json"
QUALITY = ("hit@5", "doc@1", "figure@1", "figure@3")


def query(folder: Path) -> dict:
    start = time.perf_counter()
    assistant = Assistant(Settings(index_dir=folder), load_encoder("all-MiniLM-L6-v2"))
    assistant.retriever()
    print(f"load (model + index): {time.perf_counter() - start:.1f} s")
    questions = read_questions(QUESTIONS)
    for q in questions[:5]:  # warm
        assistant.ask(q.question)
    for name, run in (("search", assistant.search), ("ask", assistant.ask)):
        samples = []
        for q in questions:
            assistant.encoder._cache.clear()  # every question is new to the encoder
            start = time.perf_counter()
            run(q.question)
            samples.append((time.perf_counter() - start) * 1000)
        print(f"{name} (warm, k=5, {len(samples)} ectsum_dev questions): {percentiles(samples)}")
    report = ask_each(assistant, questions, 5)
    own = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    print(f"{'quality':<10}" + "".join(f"{k:>10}" for k in QUALITY))
    print(f"{'library':<10}" + "".join(f"{report[k]:>10}" for k in QUALITY))
    print(f"{'own calls':<10}" + "".join(f"{own.get(k, '—'):>10}" for k in QUALITY))
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="index only the first N calls")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it")
    args = parser.parse_args()
    folders = [CORPUS / "ectsum-train", CORPUS / "ectsum-library"]
    if not all(f.is_dir() for f in folders):
        print(f"{CORPUS} is absent: nothing to measure", file=sys.stderr)
        return 0
    files = collect_files(folders)[: args.limit]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-library-"))
    try:
        build_profiled(folder, files, "calls", bar=True)
        query(folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
