"""Reading an upload in a child process under memory and CPU limits.

A hostile file can make a reader allocate without bound (a PDF whose compressed stream expands
to gigabytes inside PDFium) or run for minutes (figures in a megabyte of one line). The server
therefore reads uploads, chunks them and extracts their figures in a child process with an
address-space limit and a CPU limit: a file that breaks them costs its own upload a clear
failure, never the server's memory or its indexer. Only embedding, which is bounded by the
number of passages and checks the time budget as it goes, runs in the server.

    python -m assistant.ingest.isolated REQUEST RESULT

reads a pickled `ReadRequest` and writes a pickled `ReadResult`, or the message and hint of
the `AssistantError` the reader raised.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError, OverBudget, ParseError
from assistant.settings import ChunkingParams

log = logging.getLogger("assistant.documents")
# Exit codes of the child besides 0 (a result was written).
READ_REFUSED = 3  # the reader raised an AssistantError: the error was written instead
OUT_OF_MEMORY = 4
# Seconds a child gets past its CPU limit to start and write its result before it is killed.
WALL_GRACE_S = 10.0
CHECK_EVERY_S = 0.5
PR_SET_PDEATHSIG = 1
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class ReadLimits:
    memory_mb: int
    seconds: float


@dataclass(frozen=True)
class ReadRequest:
    path: str
    name: str
    meta: object  # documents.Metadata (kept loose: this module is imported before it)
    chunking: ChunkingParams
    limits: ReadLimits
    parent: int = 0  # the server's pid: the child does not outlive it


@dataclass(frozen=True)
class ReadResult:
    """A document read, chunked and with its figures: everything but the vectors."""

    doc: object  # documents.Document
    chunks: list
    figures: list


def read_isolated(
    path: Path,
    name: str,
    meta,
    chunking: ChunkingParams,
    limits: ReadLimits,
    check: Callable[[], None] | None = None,
) -> ReadResult:
    """Read, chunk and extract figures from `path` in a child process; raises ParseError when
    the file cannot be read or needs more memory than `limits` allow, OverBudget when it
    takes longer. `check` is called while the child works: what it raises (a shutdown, a
    delete) stops the child and is raised here."""
    with tempfile.TemporaryDirectory(prefix="assistant-read-") as folder:
        request_path, result_path = Path(folder) / "request", Path(folder) / "result"
        request = ReadRequest(str(path), name, meta, chunking, limits, os.getpid())
        request_path.write_bytes(pickle.dumps(request))
        child = subprocess.Popen(
            [sys.executable, "-m", "assistant.ingest.isolated", request_path, result_path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C at the server's terminal is the server's
            # One math thread: thread pools reserve address space per core at import, which
            # the memory limit counts.
            env={**os.environ, **ONE_THREAD},
        )
        try:
            stderr = wait_for(child, limits.seconds + WALL_GRACE_S, check)
        except subprocess.TimeoutExpired:
            raise too_slow(name, limits) from None
        code = child.returncode
        if code in (0, READ_REFUSED) and result_path.exists():
            outcome = pickle.loads(result_path.read_bytes())
            if isinstance(outcome, tuple):  # (message, hint) of the reader's AssistantError
                raise AssistantError(*outcome)
            return outcome
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            raise too_slow(name, limits)
        if code == OUT_OF_MEMORY or code < 0:
            reason = (
                f"reading it needed more than {limits.memory_mb:,} MB of memory and was stopped "
                "(a compressed stream that expands without bound?)"
            )
        else:
            last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["exit"]
            log.error("reading %s failed: %s", name, stderr.decode("utf-8", "replace")[-2000:])
            reason = f"the reader failed ({last[0].split(':')[0][:80]})"  # the class, no paths
        raise ParseError(
            name, reason, hint="check that the file opens in a viewer, or upload a text version"
        )


def wait_for(child: subprocess.Popen, seconds: float, check: Callable[[], None] | None) -> bytes:
    """The child's error output once it exits; it is killed when `seconds` pass or `check`
    raises."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                return child.communicate(timeout=CHECK_EVERY_S)[1]
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise
                if check is not None:
                    check()
    except BaseException:
        child.kill()
        child.communicate()
        raise


def too_slow(name: str, limits: ReadLimits) -> OverBudget:
    return OverBudget(f"{name}: reading it took longer than {limits.seconds:g} s and was stopped")


def die_with(parent: int) -> None:
    """Killed when the server dies (Linux), so a server killed with -9 leaves no reader
    running to its CPU limit."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent and os.getppid() != parent:  # it died before the line above
        os._exit(1)


def apply_limits(limits: ReadLimits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, math.ceil(limits.seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def read_in_this_process(request: ReadRequest) -> ReadResult:
    from assistant.chunking import chunk_document
    from assistant.documents import parse_source
    from assistant.documents.source import decode_source
    from assistant.figures import document_figures

    doc = parse_source(decode_source(Path(request.path).read_bytes(), request.name), request.meta)
    chunks = chunk_document(doc, request.chunking)
    return ReadResult(doc, chunks, document_figures(chunks, doc.period))


def main(request_path: str, result_path: str) -> int:
    request: ReadRequest = pickle.loads(Path(request_path).read_bytes())
    die_with(request.parent)
    apply_limits(request.limits)
    try:
        outcome: ReadResult | tuple[str, str] = read_in_this_process(request)
        code = 0
    except AssistantError as error:  # sent as text: its class need not survive pickling
        outcome, code = (error.message, error.hint), READ_REFUSED
    except MemoryError:
        return OUT_OF_MEMORY
    temporary = Path(f"{result_path}.part")
    temporary.write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, result_path)
    return code


if __name__ == "__main__":
    # Through the module's own name, so what it pickles names assistant.ingest.isolated,
    # not __main__.
    from assistant.ingest.isolated import main as run_child

    sys.exit(run_child(sys.argv[1], sys.argv[2]))
