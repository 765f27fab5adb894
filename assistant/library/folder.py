"""An index folder: immutable versions beside a `current` symlink, one writer at a time, and
nothing written or pruned in a folder that holds other things."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import (
    AssistantError,
    IndexNotFound,
)

CURRENT = "current"
# Less free space than this after a failed save: the disk was full.
FULL_DISK_BYTES = 8 * 1024 * 1024
# Names a store writes in its directory; anything else belongs to someone else.
VERSION_RE = re.compile(r"v\d{8}T\d{6}-[0-9a-f]{6}")
# What an index folder may hold besides versions: the project's own index/ ships with a
# README.md, and the first `make serve` builds the seed index beside it (never pruned).
OWN_ENTRIES = {CURRENT, ".lock", "uploads", "jobs", "README.md"}
FILES = ("vectors.faiss", "sentences.npy", "sentence_offsets.npy", "meta.sqlite", "manifest.json")
LEXICAL = "lexical"  # BM25 postings: .npy arrays and vocab.json


def current_version(index_dir: Path) -> Path:
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexNotFound(f"no index at {index_dir}")
    return link.resolve()


def index_exists(index_dir: Path) -> bool:
    return (index_dir / CURRENT).exists()


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 600) -> Iterator[None]:
    """One writer at a time per index directory; readers never wait."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_own_entry(name: str) -> bool:
    return (
        name in OWN_ENTRIES
        or bool(VERSION_RE.fullmatch(name))
        or name.startswith((".build-", f".{CURRENT}-"))
    )


def check_index_dir(index_dir: Path) -> None:
    """Refuse to write an index into a folder that holds other things (`--index ~/work` by
    mistake): a save adds and prunes entries there."""
    if not index_dir.exists() or index_exists(index_dir):
        return
    if not index_dir.is_dir():
        raise AssistantError(f"{index_dir} is a file, not an index directory")
    foreign = sorted(e.name for e in index_dir.iterdir() if not is_own_entry(e.name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise AssistantError(
            f"{index_dir} is not an index and is not empty ({shown})",
            hint="choose an empty or new folder for --index, or pass --force to build there",
        )


def prune(index_dir: Path, keep: set[str]) -> None:
    """Delete versions other than `keep`, builds abandoned by a killed writer and dangling
    links; only entries named as this module names them, never anything else."""
    for entry in index_dir.iterdir():
        name = entry.name
        if name.startswith(f".{CURRENT}-") and entry.is_symlink():
            entry.unlink(missing_ok=True)
            continue
        if name in keep or entry.is_symlink() or not entry.is_dir():
            continue
        if name.startswith(".build-") or (
            VERSION_RE.fullmatch(name) and (entry / "manifest.json").exists()
        ):
            shutil.rmtree(entry, ignore_errors=True)
