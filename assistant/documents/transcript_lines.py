"""What a line of a transcript is: a separator, a section heading, a slide number, a
marker ([inaudible], spoken by AI), and how wide the layout wraps its prose."""

from __future__ import annotations

import re

from assistant.documents.text import collapse

SEPARATOR_RE = re.compile(r"^\s*[-=_*~]{3,}\s*$")
MARKER_RE = re.compile(
    r"[(\[](spoken by AI|technical difficulty|technical difficulties|spoken in Chinese|"
    r"spoken in [A-Z][a-z]+|Operator Instructions|inaudible|indiscernible|crosstalk|"
    r"foreign language|audio gap|break in audio|laughter)[)\]]",
    re.I,
)
UNCERTAIN_RE = re.compile(r"\[([^\[\]]{1,80})\]")

HEADINGS: dict[str, str] = {
    "prepared remarks": "prepared_remarks",
    "presentation": "prepared_remarks",
    "management remarks": "prepared_remarks",
    "opening remarks": "prepared_remarks",
    "questions and answers": "qa",
    "questions & answers": "qa",
    "question and answer": "qa",
    "question-and-answer": "qa",
    "question-and-answer session": "qa",
    "question and answer session": "qa",
    "q&a": "qa",
    "q&a session": "qa",
    "questions and answer session": "qa",
    "participants": "participants",
    "call participants": "participants",
    "corporate participants": "participants:management",
    "company participants": "participants:management",
    "executives": "participants:management",
    "conference call participants": "participants:analyst",
    "analysts": "participants:analyst",
    "other participants": "participants:analyst",
    "host": "participants:management",
    "hosts": "participants:management",
    "speakers": "participants:management",
}
# "Analyst Q&A (CEO and CFO)", "Question and Answer Section": Q&A headings with a tail.
QA_HEADING_RE = re.compile(
    r"^(?:analyst\s+)?(?:q\s?&\s?a|questions?\s*(?:and|&)\s*answers?)(?:\s+session|\s+section)?"
    r"(?:\s*\([^)]{0,40}\))?$",
    re.I,
)
SENTENCE_END = (".", "?", "!", ":", '"', "”", ")", "]", "。", "?", "!")


def heading_kind(line: str) -> str | None:
    key = collapse(line).strip(":#* ").lower()
    if key in HEADINGS:
        return HEADINGS[key]
    return "qa" if QA_HEADING_RE.match(key) else None


SLIDE_RE = re.compile(r"^(?:slide|page|chart|exhibit)s?\s+\d", re.I)


def measured_wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped transcript was wrapped at, or None when lines are unwrapped
    (one paragraph or one sentence per line)."""
    lengths = sorted(len(line.rstrip()) for line in lines if len(line.strip()) > 20)
    if len(lengths) < 20:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    if width > 240:
        return None
    near = sum(1 for n in lengths if width - 30 <= n <= width + 10)
    return width if near >= 0.3 * len(lengths) else None


def paragraph_flags(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    flags = []
    for match in MARKER_RE.finditer(text):
        slug = re.sub(r"\W+", "_", match.group(1).lower()).strip("_")
        if slug not in flags:
            flags.append(slug)
    uncertain = tuple(
        m.group(1) for m in UNCERTAIN_RE.finditer(text) if not MARKER_RE.fullmatch(m.group(0))
    )
    if uncertain:
        flags.append("uncertain_transcription")
    return tuple(flags), uncertain
