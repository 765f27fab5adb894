"""Documents to chunks: one passage per speaker paragraph (never across speakers) and one
chunk per table row that reads on its own, with caption, row path and column headers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant.documents import Document, Paragraph, Table, TableRow
from assistant.documents.text import PER_SHARE_RE, collapse
from assistant.settings import ChunkingParams

ChunkKind = Literal["passage", "table_row"]
MARKER_ONLY_RE = re.compile(r"^(?:\s*\([^)]*\)\s*)+$")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?。!?])\s+(?=[A-Z0-9\"“(\[])")
ABBREVIATION_RE = re.compile(
    r"\b(?:Mr|Ms|Mrs|Dr|Inc|Co|Corp|Ltd|No|vs|St|Jr|Sr|approx|e\.g|i\.e)\.$"
)
MIN_SENTENCE_CHARS = 25
MAX_CAPTION_CHARS = 300
MAX_UNIT_CAPTION_CHARS = 120


@dataclass(frozen=True)
class ChunkCell:
    column_path: tuple[str, ...]
    text: str
    value: float | None
    nil: bool
    line: int
    currency: str | None = None


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    kind: ChunkKind
    text: str
    lines: tuple[int, int]
    translation: str | None = None
    speaker: str | None = None
    speaker_title: str | None = None
    role: str | None = None
    firm: str | None = None
    section: str | None = None
    exchange: int | None = None
    heading: str | None = None
    row_path: tuple[str, ...] = ()
    cells: tuple[ChunkCell, ...] = ()
    scale: str | None = None
    flags: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    ordinal: int = 0
    opens_turn: bool = False  # the first passage of a speaker's turn
    pages: tuple[int, int] | None = None  # first and last page, for a PDF

    @property
    def page_label(self) -> str | None:
        """ "p. 7" or "pp. 7–8", as citations show it."""
        if not self.pages:
            return None
        first, last = self.pages
        return f"p. {first}" if first == last else f"pp. {first}–{last}"

    @property
    def cited_text(self) -> str:
        """The passage as a citation shows it: a turn's first passage starts with who spoke,
        as the transcript prints it ("Which analyst asked?" is answered by that line)."""
        if self.opens_turn and self.speaker:
            return f"{self.said_by}: {self.text}"
        return self.text

    @property
    def said_by(self) -> str | None:
        if not self.speaker:
            return None
        return f"{self.speaker} ({self.speaker_title})" if self.speaker_title else self.speaker

    @property
    def content_hash(self) -> str:
        """Hash of all that gets embedded (passage and units), so an unchanged chunk is never
        embedded twice."""
        units = "\x1e".join(text for text, _ in chunk_units(self))
        payload = f"{self.embedding_text}\x1f{units}"
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    @property
    def embedding_text(self) -> str:
        """The text given to the encoder: the passage under its heading, or the rendered row.
        Who said a passage is not embedded with it (an eighth of a call's word pieces, and no
        better ranked for it): BM25 reads it, and the speaker filters and steps use it."""
        if self.kind == "passage" and self.heading and not self.speaker:
            return f"{self.heading}: {self.text}"
        return self.text


@dataclass
class _Piece:
    texts: list[str] = field(default_factory=list)
    translations: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0
    flags: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    opens_turn: bool = False

    @property
    def size(self) -> int:
        return sum(len(t) + 1 for t in self.texts)


def split_long(text: str, max_chars: int) -> list[str]:
    """Sentence-aligned pieces no longer than max_chars. A sentence longer than that (a
    document on one line, a run-on transcript) is cut at word boundaries, or at max_chars
    where there are none, so no passage, answer or figure scan grows with the document."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in SENTENCE_SPLIT_RE.split(text):
        for part in split_words(sentence, max_chars):
            if current and len(current) + 1 + len(part) > max_chars:
                pieces.append(current)
                current = part
            else:
                current = f"{current} {part}".strip()
    if current:
        pieces.append(current)
    return pieces


def split_words(text: str, max_chars: int) -> list[str]:
    """Pieces of at most max_chars, cut at the last space when one is in the second half."""
    pieces: list[str] = []
    while len(text) > max_chars:
        cut = text.rfind(" ", max_chars // 2, max_chars + 1)
        cut = cut if cut > 0 else max_chars
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a passage; very short ones join the next."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_SPLIT_RE.finditer(text):
        if ABBREVIATION_RE.search(text[start : match.start()]):
            continue
        if match.start() - start >= MIN_SENTENCE_CHARS:
            spans.append((start, match.start()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def without_short_opening(sentence: str) -> str:
    """A quoted sentence without the short remark the splitter joined to it ("Thanks, Laura.
    Net revenue was $612 million" quotes from "Net revenue"); a short opening that states a
    figure stays."""
    match = SENTENCE_SPLIT_RE.search(sentence, 0, MIN_SENTENCE_CHARS + 1)
    if match is None or any(ch.isdigit() for ch in sentence[: match.start()]):
        return sentence
    if ABBREVIATION_RE.search(sentence[: match.start()]):
        return sentence
    rest = sentence[match.end() :]
    return rest if len(rest) >= MIN_SENTENCE_CHARS else sentence


DATE_RE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+\d{1,2},\s+(?:19|20)\d{2}|\b(?:FY|Q[1-4]\s?)(?:19|20)\d{2}\b"
)


def short_caption(caption: str) -> str:
    """The caption's opening words and its dates: what a cell needs to be told apart from
    the same cell in a sister table ("... as of December 31, 2023" vs "..., 2022")."""
    if len(caption) <= MAX_UNIT_CAPTION_CHARS:
        return caption
    head = caption[:MAX_UNIT_CAPTION_CHARS].rsplit(" ", 1)[0]
    dates = [d for d in dict.fromkeys(DATE_RE.findall(caption)) if d not in head]
    return f"{head} … {', '.join(dates)}" if dates else f"{head} …"


def chunk_units(chunk: Chunk) -> list[tuple[str, tuple[int, int]]]:
    """The pieces of a chunk that are embedded one by one, each with its span in chunk.text.

    A passage's units are its sentences. A table row's units are its cells, each rendered
    with the row path, column path and a short caption ("... as of December 31, 2023 |
    Second lien | 91 - 180 days past due: 26,814,193"), so one cell can be matched alone.
    """
    if chunk.kind != "table_row" or not chunk.cells:
        return [(chunk.text[a:b], (a, b)) for a, b in sentence_spans(chunk.text)]
    caption = short_caption(collapse(chunk.heading or ""))
    head = " › ".join(chunk.row_path)
    units = []
    cursor = 0
    for cell in chunk.cells:
        rendered = f"{cell.column_path[-1]}: {cell.text}"
        start = chunk.text.find(rendered, cursor)
        if start < 0:
            start = chunk.text.find(cell.text, cursor)
            rendered = cell.text
        span = (start, start + len(rendered)) if start >= 0 else (0, len(chunk.text))
        cursor = max(cursor, span[1])
        column = " › ".join(cell.column_path)
        units.append((" | ".join(p for p in (caption, head, f"{column}: {cell.text}") if p), span))
    return units


def is_marker_only(text: str) -> bool:
    return bool(MARKER_ONLY_RE.match(text))


def _paragraph_span(p: Paragraph) -> tuple[int, int]:
    end = p.translation_lines[1] if p.translation_lines else p.lines[1]
    return p.lines[0], max(end, p.lines[1])


def chunk_passages(
    paragraphs: list[Paragraph], params: ChunkingParams
) -> list[tuple[Paragraph, _Piece]]:
    """Group consecutive paragraphs of one turn (or one heading) into passage-sized pieces."""
    out: list[tuple[Paragraph, _Piece]] = []
    current: _Piece | None = None
    owner: Paragraph | None = None
    previous: Paragraph | None = None

    def key(p: Paragraph) -> tuple[object, ...]:
        return (p.turn, p.speaker, p.section, p.exchange, p.heading)

    for para in paragraphs:
        if is_marker_only(para.text):
            continue
        start, end = _paragraph_span(para)
        parts = split_long(para.text, params.max_chars)
        opens = para.turn is not None and (previous is None or previous.turn != para.turn)
        previous = para
        for index, part in enumerate(parts):
            can_merge = (
                current is not None
                and owner is not None
                and key(owner) == key(para)
                and current.size < params.min_chars
                and current.size + len(part) <= params.max_chars
            )
            if not can_merge:
                if current is not None and owner is not None:
                    out.append((owner, current))
                current, owner = _Piece(start=start, end=end), para
                current.opens_turn = opens and index == 0
            assert current is not None
            current.texts.append(part)
            current.end = end
            if para.translation and para.translation not in current.translations:
                current.translations.append(para.translation)
            current.flags.extend(f for f in para.flags if f not in current.flags)
            current.uncertain.extend(u for u in para.uncertain if u in part)
    if current is not None and owner is not None:
        out.append((owner, current))
    return out


def render_row(table: Table, row: TableRow) -> tuple[str, tuple[ChunkCell, ...]]:
    """One table row as a line a reader can check alone; raw cell text is kept verbatim."""
    columns = [cell.column_path for cell in row.cells]
    shared: list[str] = []
    if len(columns) > 1:
        for parts in zip(*columns, strict=False):
            if len(set(parts)) == 1 and all(len(c) > len(shared) + 1 for c in columns):
                shared.append(parts[0])
            else:
                break
    currencies = {cell.currency for cell in row.cells if cell.currency}
    unit = f" ({', '.join(sorted(currencies))}" if currencies else ""
    scale = row_scale(table, row)
    if scale:
        unit = f"{unit}, in {scale}" if unit else f" (in {scale}"
    unit = f"{unit})" if unit else ""
    caption = collapse(table.caption)
    if len(caption) > MAX_CAPTION_CHARS:
        caption = caption[:MAX_CAPTION_CHARS].rsplit(" ", 1)[0] + " …"
    head = " › ".join(row.row_path) or row.label
    parts = [p for p in (caption, " › ".join(shared)) if p]
    values = [
        f"{' › '.join(cell.column_path[len(shared) :]) or 'Value'}: {cell.text}"
        for cell in row.cells
    ]
    text = " | ".join([*parts, f"{head}{unit}", *values])
    cells = tuple(
        ChunkCell(
            column_path=c.column_path,
            text=c.text,
            value=c.value,
            nil=c.nil,
            line=c.line,
            currency=c.currency,
        )
        for c in row.cells
    )
    return text, cells


def chunk_document(doc: Document, params: ChunkingParams | None = None) -> list[Chunk]:
    params = params or ChunkingParams()
    chunks: list[Chunk] = []
    pending: list[Paragraph] = []

    def flush_paragraphs() -> None:
        for para, piece in chunk_passages(pending, params):
            speaker = para.speaker
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:{piece.start}-{piece.end}",
                    doc_id=doc.doc_id,
                    kind="passage",
                    text=" ".join(piece.texts),
                    lines=(piece.start, piece.end),
                    translation="".join(piece.translations) or None,
                    speaker=speaker.name if speaker else None,
                    speaker_title=speaker.title if speaker else None,
                    role=speaker.role if speaker else None,
                    firm=speaker.firm if speaker else None,
                    section=para.section,
                    exchange=para.exchange,
                    heading=para.heading,
                    flags=tuple(piece.flags),
                    uncertain=tuple(piece.uncertain),
                    opens_turn=piece.opens_turn,
                )
            )
        pending.clear()

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            pending.append(block)
            continue
        flush_paragraphs()
        for row in block.rows:
            text, cells = render_row(block, row)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:{row.lines[0]}-{row.lines[1]}",
                    doc_id=doc.doc_id,
                    kind="table_row",
                    text=text,
                    lines=row.lines,
                    heading=block.caption or None,
                    row_path=row.row_path,
                    cells=cells,
                    scale=row_scale(block, row),
                )
            )
    flush_paragraphs()
    seen: dict[str, int] = {}
    unique: list[Chunk] = []
    for ordinal, chunk in enumerate(chunks):
        count = seen.get(chunk.chunk_id, 0)
        seen[chunk.chunk_id] = count + 1
        chunk_id = chunk.chunk_id if count == 0 else f"{chunk.chunk_id}.{count}"
        pages = page_span(doc.line_pages, chunk.lines)
        unique.append(replace(chunk, chunk_id=chunk_id, ordinal=ordinal, pages=pages))
    return unique


def row_scale(table: Table, row: TableRow) -> str | None:
    """The scale a row's values are stated in: none for per-share amounts, the table's share
    scale for share counts ("shares in Thousands"), else the table's."""
    if row.counts_shares:
        return table.share_scale or table.scale
    if PER_SHARE_RE.search(" ".join(row.row_path) or row.label):
        return None
    return table.scale


def page_span(line_pages: tuple[int, ...], lines: tuple[int, int]) -> tuple[int, int] | None:
    if not line_pages:
        return None
    last = len(line_pages)
    return line_pages[min(lines[0], last) - 1], line_pages[min(lines[1], last) - 1]
