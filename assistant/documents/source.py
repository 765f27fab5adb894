"""Reading a source file safely, whatever its format: a PDF, an HTML page or plain text, each
by its own reader, with one clear error for empty, binary, huge or mis-encoded input."""

from __future__ import annotations

from pathlib import Path

from assistant.documents.html import html_source, is_html
from assistant.documents.pdf import is_pdf, pdf_source
from assistant.documents.reading import MAX_FILE_BYTES, SourceText, text_source
from assistant.errors import ParseError


def decode_source(raw: bytes, path: str) -> SourceText:
    """The bytes read by the reader of their format."""
    if len(raw) > MAX_FILE_BYTES:
        raise ParseError(
            path,
            f"file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB",
            hint="split it into smaller documents",
        )
    if is_pdf(raw):
        return pdf_source(raw, path)
    if is_html(raw):
        return html_source(raw, path)
    return text_source(raw, path)


def read_source(path: Path) -> SourceText:
    try:
        if path.is_dir():
            raise ParseError(str(path), "is a directory, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParseError(
                str(path),
                f"file is {size / 1e6:.1f} MB; the limit is 50 MB",
                hint="split it into smaller documents",
            )
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise ParseError(str(path), "no such file") from err
    except PermissionError as err:
        raise ParseError(str(path), "permission denied") from err
    return decode_source(raw, str(path))
