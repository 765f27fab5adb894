"""A build from scratch with its figures printed: wall and CPU time, chunks per CPU-second,
each stage's share (assistant.build_profile), peak RSS and size on disk."""

from __future__ import annotations

import resource
import time
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from assistant.build_profile import cpu_seconds, recording
from assistant.embedding import load_encoder
from assistant.service import Assistant
from assistant.settings import Settings


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build_profiled(folder: Path, files: list[Path], what: str, bar: bool = False) -> None:
    """Build `files` into `folder` from scratch and print the figures of the build; `bar`
    shows the embedding's progress while it runs (a long build)."""
    start = time.perf_counter()
    encoder = load_encoder("all-MiniLM-L6-v2")
    assistant = Assistant(Settings(index_dir=folder), encoder)
    print(f"model load: {time.perf_counter() - start:.1f} s")
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), disable=not bar) as shown, recording() as stages:
        task = shown.add_task("embedding passages", total=None)
        start, cpu = time.perf_counter(), cpu_seconds()
        store, stats = assistant.build(
            files,
            skip_unreadable=True,
            progress=lambda done, total: shown.update(task, completed=done, total=total),
        )
        took, used = time.perf_counter() - start, cpu_seconds() - cpu
    chunks = len(store.chunks)
    print(
        f"build: {len(files)} {what}, {chunks:,} chunks ({stats.embedded:,} embedded, "
        f"{len(store.sentence_vectors):,} sentence and cell vectors), {took / 60:.1f} min wall, "
        f"{chunks / took:.1f} chunks/s, {used:,.0f} CPU-s, {chunks / used:.1f} chunks per "
        "CPU-second"
    )
    for reason in stats.skipped:
        print(f"skipped: {reason}")
    print(stages.table(chunks))
    print(f"peak RSS: {peak_rss_mb():,.0f} MB; index on disk: {dir_size_mb(folder):,.0f} MB")
