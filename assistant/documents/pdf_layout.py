"""A PDF page as lines of positioned words, for readers that need columns (statement tables).

PDFium gives each character a box. Words are runs of characters without a space or a gap
wider than a space; lines are words that share a baseline band, read left to right, whatever
order the content stream drew them in (a page set one word per text object reads as its
lines, not as one word a line).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.documents.ligatures import UNMAPPED, restore

# A gap wider than this share of the character height separates two words.
WORD_GAP_SHARE = 0.18
# Words whose vertical centres lie within this share of their height share a line.
SAME_LINE_SHARE = 0.45


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


@dataclass(frozen=True)
class LayoutLine:
    words: tuple[Word, ...]
    page: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> float:
        return max(w.height for w in self.words)

    @property
    def top(self) -> float:
        return max(w.top for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    def gap_after(self, index: int) -> float:
        """The blank space between word `index` and the next, in units of line height."""
        return (self.words[index + 1].x0 - self.words[index].x1) / self.height


def page_words(text: str, boxes: list[tuple[float, float, float, float]]) -> list[Word]:
    """Words in drawing order from a page's characters and their (left, bottom, right, top)
    boxes."""
    words: list[Word] = []
    chars: list[str] = []
    box: list[float] = []

    def flush() -> None:
        if chars:
            text = restore("".join(chars)).replace(UNMAPPED, "-")
            words.append(Word(text, box[0], box[2], box[3], box[1]))
            chars.clear()
            box.clear()

    for char, (left, bottom, right, top) in zip(text, boxes, strict=True):
        if char.isspace() or char == "\x02":
            flush()
            continue
        if chars:
            height = max(box[3] - box[1], top - bottom, 1.0)
            centre, previous_centre = (top + bottom) / 2, (box[3] + box[1]) / 2
            if (
                left - box[2] > WORD_GAP_SHARE * height
                or left < box[2] - height  # drawn back to the left: a new run
                or abs(centre - previous_centre) > SAME_LINE_SHARE * height
            ):
                flush()
        if not chars:
            box[:] = [left, bottom, right, top]
        else:
            box[:] = [box[0], min(box[1], bottom), max(box[2], right), max(box[3], top)]
        chars.append(char)
    flush()
    return words


def layout_lines(words: list[Word], page: int) -> list[LayoutLine]:
    """Words grouped by baseline band, top to bottom, each line left to right."""
    bands: list[tuple[float, float, list[Word]]] = []  # (centre, height, words)
    for word in sorted(words, key=lambda w: -(w.top + w.bottom) / 2):
        centre = (word.top + word.bottom) / 2
        if bands:
            band_centre, band_height, members = bands[-1]
            if abs(centre - band_centre) <= SAME_LINE_SHARE * max(band_height, word.height):
                members.append(word)
                continue
        bands.append((centre, word.height, [word]))
    return [
        LayoutLine(words=tuple(sorted(members, key=lambda w: w.x0)), page=page)
        for _, _, members in bands
    ]
