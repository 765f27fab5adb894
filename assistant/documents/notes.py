"""Plain text and Markdown notes: paragraphs under their headings. Also the fallback layout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents.model import Paragraph
from assistant.documents.reading import SourceText
from assistant.documents.text import collapse

MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
MAX_PARAGRAPH_CHARS = 1200


@dataclass
class NotesParse:
    paragraphs: list[Paragraph]
    recognised: list[str]
    title: str | None


def parse_notes(src: SourceText) -> NotesParse:
    paragraphs: list[Paragraph] = []
    heading: str | None = None
    buffer: list[str] = []
    start = 0
    headings = 0
    first_heading: str | None = None

    def flush(end: int) -> None:
        if buffer:
            text = collapse(" ".join(buffer))
            paragraphs.append(Paragraph(text=text, lines=(start, end), heading=heading))
            buffer.clear()

    for number, raw in enumerate(src.lines, start=1):
        match = MD_HEADING_RE.match(raw)
        if match:
            flush(number - 1)
            heading = collapse(match["title"])
            first_heading = first_heading or heading
            headings += 1
            continue
        if not raw.strip():
            flush(number - 1)
            continue
        if buffer and (LIST_ITEM_RE.match(raw) or sum(map(len, buffer)) > MAX_PARAGRAPH_CHARS):
            flush(number - 1)
        if not buffer:
            start = number
        buffer.append(raw.strip())
    flush(len(src.lines))
    recognised = [f"{len(paragraphs)} paragraphs"]
    if headings:
        recognised.append(f"{headings} headings")
    return NotesParse(paragraphs=paragraphs, recognised=recognised, title=first_heading)
