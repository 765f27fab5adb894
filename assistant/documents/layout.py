"""What kind of document a source is (a call transcript, a filing, notes) and its blocks read by
the reader of that kind, with what was recognised and the warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents.cover import Cover
from assistant.documents.filing import looks_like_filing, parse_filing
from assistant.documents.model import Block, DocType, Speaker, Table
from assistant.documents.notes import parse_notes
from assistant.documents.reading import SourceText
from assistant.documents.transcript import count_speaker_lines, parse_transcript
from assistant.text.periods import find_period

MIN_SPEAKER_LINES = 2


@dataclass
class Layout:
    """A source's blocks as its kind's reader gave them."""

    blocks: list[Block]
    recognised: list[str]
    speakers: tuple[Speaker, ...] = ()
    warnings: list[str] = field(default_factory=list)
    languages: tuple[str, ...] = ("en",)
    period: str | None = None  # stated by the layout (a filing's header, a note's title)
    opening_period: str | None = None  # the quarter a release's opening names most
    title: str | None = None  # a note's own title


def detect_type(src: SourceText) -> DocType:
    if looks_like_filing(src):
        return "filing"
    if count_speaker_lines(src) >= MIN_SPEAKER_LINES:
        return "transcript"
    return "notes"


def detected_type(src: SourceText) -> DocType:
    """A PDF its reader took for a report or a release is a filing; HTML is a transcript when
    its lines read as one, else a filing; text by its layout."""
    if src.blocks and src.kind:
        return "filing"
    if src.blocks:
        opening = " ".join(src.lines[: max(40, len(src.lines) // 5)])
        is_call = count_speaker_lines(src) >= MIN_SPEAKER_LINES and bool(
            re.search(r"\b(?:operator|conference call|earnings call)\b", opening, re.I)
        )
        return "transcript" if is_call else "filing"
    return detect_type(src)


def read_layout(src: SourceText, doc_type: DocType, cover: Cover | None) -> Layout:
    """The blocks of `src` read as a `doc_type`."""
    warnings = [f"{src.path}: {w}" for w in src.kind_warnings]
    if doc_type == "transcript":
        parsed = parse_transcript(src)
        if parsed.turns == 0:
            warnings.append(f"{src.path}: no speaker lines recognised; read as plain paragraphs")
        warnings.extend(parsed.warnings)
        return Layout(
            blocks=list(parsed.paragraphs),
            recognised=parsed.recognised,
            speakers=tuple(parsed.speakers),
            warnings=warnings,
            languages=parsed.languages,
        )
    if doc_type == "filing" and src.blocks:
        blocks = list(src.blocks)
        tables = [b for b in blocks if isinstance(b, Table)]
        recognised = [
            *([f"read as a {src.kind}: {'; '.join(src.kind_reasons)}"] if src.kind else []),
            *([cover.summary()] if cover else []),
            f"{'PDF' if src.kind else 'HTML'}: {len(blocks) - len(tables)} paragraphs, "
            f"{len(tables)} tables",
            *(
                [f"scale: {', '.join(sorted({t.scale for t in tables if t.scale}))}"]
                if any(t.scale for t in tables)
                else []
            ),
        ]
        # A release names earlier years too ("due to the 53rd week in fiscal 2023"): the
        # quarter its opening names most (read with the identity below) comes first.
        found_period = find_period(" ".join(src.lines[:60]))
        opening = found_period[0] if found_period else None
        return Layout(blocks, recognised, warnings=warnings, opening_period=opening)
    if doc_type == "filing":
        filing = parse_filing(src)
        warnings.extend(filing.warnings)
        return Layout(
            list(filing.blocks), filing.recognised, warnings=warnings, period=filing.period
        )
    notes = parse_notes(src)
    opening = notes.title or (notes.paragraphs[0].text if notes.paragraphs else "")
    found = find_period(opening)
    return Layout(
        list(notes.paragraphs),
        notes.recognised,
        warnings=warnings,
        period=found[0] if found else None,
        title=notes.title,
    )
