"""What every reader of a source gives (SourceText) and the limits and checks they share; plain
text decoded with one clear error for empty, binary, huge or mis-encoded input."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.errors import ParseError

MAX_FILE_BYTES = 50 * 1024 * 1024
# About 2,500 pages: more than the longest 10-K. Past it, indexing would run for hours and
# hold gigabytes, so the document is refused with a reason instead.
MAX_TEXT_CHARS = 4_000_000
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str
    lines: list[str]
    sha256: str
    pages: tuple[int, ...] = ()  # for a PDF: the page of each line
    page_count: int = 0
    blocks: tuple = ()  # for HTML: paragraphs and tables read from the markup
    # Lines that name the document but are page furniture (a PDF's running head): read for
    # its identity, never indexed as a passage.
    furniture: tuple[int, ...] = ()
    # What the reader took the document for ("report", "release", "call") and why.
    kind: str | None = None
    kind_reasons: tuple[str, ...] = ()
    kind_warnings: tuple[str, ...] = ()


def text_source(raw: bytes, path: str) -> SourceText:
    """Plain text: UTF-8 (or UTF-16 with a byte-order mark), refusing what would silently
    become a broken document."""
    decode = _decode_utf16 if raw.startswith(UTF16_BOMS) else _decode_utf8
    text = decode(raw, path)
    if not text.replace("\ufeff", "").strip():
        raise ParseError(path, "file is empty")
    check_text_length(text, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return SourceText(path=path, text=text, lines=lines, sha256=hashlib.sha256(raw).hexdigest())


def source_from_lines(raw: bytes, path: str, lines: list[str], **layout) -> SourceText:
    """A source read line by line from a richer format (PDF pages, HTML blocks): its text
    checked for length and its bytes digested, as for plain text."""
    text = "\n".join(lines)
    check_text_length(text, path)
    digest = hashlib.sha256(raw).hexdigest()
    return SourceText(path=path, text=text, lines=lines, sha256=digest, **layout)


def check_text_length(text: str, path: str) -> None:
    """Past MAX_TEXT_CHARS a document would index for hours: refused, whatever its format."""
    if len(text) > MAX_TEXT_CHARS:
        raise ParseError(
            path,
            f"the text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}",
            hint="split it into smaller documents",
        )


def _decode_utf8(raw: bytes, path: str) -> str:
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ParseError(
            path,
            "file looks binary (NUL byte)",
            line=line,
            hint="give a plain-text transcript or filing note",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ParseError(
            path,
            f"not valid UTF-8 (byte 0x{raw[err.start]:02x})",
            line=line,
            hint="re-save the file as UTF-8",
        ) from err


def _decode_utf16(raw: bytes, path: str) -> str:
    """Windows tools save text as UTF-16 with a byte-order mark; it is text, not binary."""
    try:
        text = raw.decode("utf-16")
    except UnicodeDecodeError as err:
        raise ParseError(
            path, "starts as UTF-16 but does not decode as UTF-16", hint="re-save it as UTF-8"
        ) from err
    if "\x00" in text:
        raise ParseError(path, "file looks binary (NUL character)")
    return text.lstrip("\ufeff")
