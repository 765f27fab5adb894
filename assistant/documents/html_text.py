"""What HTML reading shares: a block's text cleaned, hidden elements, a cell's indent in points,
and the paragraphs read so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents.model import Paragraph, Table

HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ITEM_RE = re.compile(r"^(?:part\s+[ivx]+|item\s+\d+[a-z]?)\b\.?", re.I)
DATE_COMMA_RE = re.compile(r"(?<=\d),(?=(?:19|20)\d{2}\b)")
PADDING_RE = re.compile(r"(?:^|;)\s*padding\s*:\s*([^;]+)", re.I)
LENGTH_RE = re.compile(r"([\d.]+)\s*(pt|px|em)?")
HIDDEN_RE = re.compile(r"display\s*:\s*none", re.I)
INDENT_RE = re.compile(
    r"(?:padding-left|text-indent|margin-left)\s*:\s*([\d.]+)\s*(pt|px|em)", re.I
)


@dataclass
class Extracted:
    lines: list[str] = field(default_factory=list)
    blocks: list[Paragraph | Table] = field(default_factory=list)
    heading: str | None = None
    recent: list[str] = field(default_factory=list)  # the last few paragraphs, for captions

    def add_line(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines)


def clean(text: str) -> str:
    text = " ".join(text.replace("\u200b", "").split())
    return DATE_COMMA_RE.sub(", ", text)  # "November 2,2024": four digits never group a number


def hidden(element) -> bool:
    return bool(HIDDEN_RE.search(element.get("style") or ""))


def to_points(number: str, unit: str) -> float:
    return float(number) * (0.75 if unit == "px" else 12 if unit == "em" else 1)


def left_padding(style: str) -> float:
    """The left side of a `padding:` shorthand ("2px 1pt 2px 7.75pt" is 7.75pt)."""
    match = PADDING_RE.search(style)
    if not match:
        return 0.0
    sides = LENGTH_RE.findall(match.group(1))
    if len(sides) < 2:
        return 0.0
    number, unit = sides[3] if len(sides) == 4 else sides[1]
    return to_points(number, unit or "pt")


def indent_of(element) -> float:
    points = 0.0
    for node in (element, *element.iterdescendants()):
        style = node.get("style") or ""
        points += sum(to_points(n, u) for n, u in INDENT_RE.findall(style))
        points += left_padding(style)
        if points:
            break
    text = element.text_content()
    return points + 4 * (len(text) - len(text.lstrip("\xa0 ")))


def looks_like_heading(element, text: str) -> bool:
    if element.tag in HEADING_TAGS:
        return True
    if len(text) > 120 or text.endswith((".", ",", ";")):
        return False
    if ITEM_RE.match(text):
        return True
    bold = element.xpath(".//b|.//strong|.//*[contains(translate(@style,'BOLD','bold'),'bold')]")
    all_bold = bold and len(clean(" ".join(b.text_content() for b in bold))) >= 0.9 * len(text)
    return bool(all_bold) or (text.isupper() and len(text) > 3)


def add_paragraph(element, text: str, out: Extracted) -> None:
    line = out.add_line(text)
    if looks_like_heading(element, text):
        out.heading = text
    else:
        out.blocks.append(Paragraph(text=text, lines=(line, line), heading=out.heading))
    out.recent = [*out.recent[-2:], text]
