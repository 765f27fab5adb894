"""Many files read at once: one process per core, results in the order given. A library's
PDFs spend a tenth of a build being parsed, on one core while the other waited."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from assistant.documents import Document, parse_file
from assistant.errors import AssistantError, ParseError

MIN_FILES_FOR_PROCESSES = 4  # below it, starting the processes costs more than it saves


def read_files(files: Sequence[Path]) -> Iterator[tuple[Path, Document | ParseError]]:
    """Each file's document, or the error that says why it could not be read."""
    workers = min(len(files), len(os.sched_getaffinity(0)))
    if workers < 2 or len(files) < MIN_FILES_FOR_PROCESSES:
        for path in files:
            yield path, _read(path)
        return
    # Forked: a spawned process would import the caller's main script again. Nothing of the
    # parent's runs in the children but the reader (the encoder's threads end with each call).
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        for path, outcome in zip(files, pool.map(_read, files), strict=True):
            yield path, _error(*outcome) if isinstance(outcome, tuple) else outcome
    finally:  # a build stopped by an unreadable file does not wait for the rest to be read
        pool.shutdown(wait=True, cancel_futures=True)


def _read(path: Path) -> Document | tuple[str, str]:
    try:
        return parse_file(path)
    except ParseError as error:
        return error.message, error.hint  # an exception's own fields do not survive pickling


def _error(message: str, hint: str) -> ParseError:
    error = ParseError.__new__(ParseError)
    AssistantError.__init__(error, message, hint)  # the message names its file already
    return error
