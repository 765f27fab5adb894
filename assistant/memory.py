"""Handing memory back to the system. A server that indexed uploads while answering frees
hundreds of megabytes (old snapshots, embedding buffers) scattered through the C heap's
arenas; glibc keeps such pages unless asked, so a long-running server would hold what a fresh
one on the same library never needs."""

from __future__ import annotations

import contextlib
import ctypes
import gc

M_ARENA_MAX = -8  # mallopt's parameter number


def _libc():
    return ctypes.CDLL("libc.so.6")


def limit_arenas(count: int = 2) -> None:
    """Fewer malloc arenas for a process with many threads: each arena keeps its own free
    pages (glibc only; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        _libc().mallopt(M_ARENA_MAX, count)


def release_freed_memory(collect: bool = False) -> None:
    """Return the C heap's free pages to the system (glibc only; elsewhere nothing); with
    `collect`, first free what only reference cycles still hold."""
    if collect:
        gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)
