"""The errors a user can see. Each says what went wrong, where, and what to do next."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the CLI, API and Slack surfaces turn into a short message."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ParseError(AssistantError):
    """A document could not be read; names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None, hint: str = "") -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line


class IndexNotFound(AssistantError):
    hint = "run `assistant build` to create it"


class IndexMismatch(AssistantError):
    hint = "rebuild it with `assistant build`"


class IndexCorrupt(AssistantError):
    hint = "rebuild it with `assistant build`"


class DocumentNotFound(AssistantError):
    hint = "`assistant docs` lists the documents in the index"


class BadQuestion(AssistantError):
    """An empty, oversized or otherwise unusable question."""


class BadFilter(AssistantError):
    """A filter key the retriever does not know."""


class DocumentExists(AssistantError):
    """An upload would silently replace an indexed document."""


class SourceGone(AssistantError):
    """A document's original file is no longer where it was read from."""

    hint = "upload the file again with the company, period or type it should have"


class QueueFull(AssistantError):
    """As many uploads wait to be indexed as the service queues."""

    hint = "retry once the uploads before it are indexed"


class StillIndexing(AssistantError):
    """An upload of a document whose earlier upload is not indexed yet."""

    hint = "wait until it is ready or failed (GET /v1/documents/<doc_id>), then upload again"


class OverBudget(AssistantError):
    """An upload that took longer to index than one upload may."""

    hint = "split the document into smaller files"


class DiskFull(AssistantError):
    """The server's disk (or quota) is full: nothing was written."""

    hint = "free space on the server's disk, then try again"


NO_SPACE = {28, 122}  # ENOSPC, EDQUOT
DISK_FULL = "the server's disk is full"


def failure_reason(error: BaseException) -> str:
    """What a user may read of an unexpected failure: the disk being full, or an internal
    error; never a path or a traceback (those go to the log)."""
    if isinstance(error, OSError) and error.errno in NO_SPACE:
        return str(DiskFull(DISK_FULL))
    if isinstance(error, AssistantError):
        return str(error)
    return "internal error while indexing"
