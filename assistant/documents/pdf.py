"""PDF to text lines with their page numbers, for the same parsers as plain text.

PDFium (pypdfium2) reads the text layer: fast (about 0.3 s for a 20-page transcript), a
permissive licence, and its own binary in the wheel. What a PDF adds to text is cleaned here:
spaces the PDF never stored (restored from the gaps between characters), running headers and
footers, page numbers and copyright lines, ligatures and special spaces. The line numbers of a
citation count lines of this extracted text, and each line keeps its page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from assistant.documents.pdf_layout import LayoutLine, layout_lines, page_words
from assistant.documents.reading import SourceText, check_text_length, source_from_lines
from assistant.errors import ParseError

PDF_MAGIC = b"%PDF-"
# A gap wider than this share of the line's height between two characters is a space the
# PDF did not store ("untilthe" set as two words).
SPACE_GAP_SHARE = 0.07
EDGE_LINES = 4  # lines at the top and bottom of a page where running heads live
REPEATED_SHARE = 0.5
LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\ufffe": "-",  # PDFium's mark for a hyphen where a line broke
        "\u00ad": "-",
        "\x02": "-",
    }
)
# Ligatures and special spaces folded without changing the text's length, so each character
# keeps its box ("ﬁ" stays one character until the words are joined).
LIGATURES_ONE_TO_ONE = str.maketrans(
    {
        k: v
        for k, v in ((chr(c), LIGATURES.get(c)) for c in LIGATURES)
        if isinstance(v, str) and len(v) == 1 and k != "\ufffe"  # resolved per word
    }
)
PAGE_NUMBER_RE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+(?:of|/)\s+\d{1,4})?\s*$", re.I)
COPYRIGHT_RE = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s)", re.I)
DOTTED_RULE_RE = re.compile(r"^\s*[._\-–—=·•]{4,}\s*$")
LETTER_SPACED_RE = re.compile(r"\b(?:[A-Z] ){3,}[A-Z]\b")  # "T R A N S C R I P T"


@dataclass(frozen=True)
class PdfText:
    lines: list[str]
    pages: list[int]  # the page of each line, from 1
    page_count: int
    heads: tuple[int, ...] = ()  # line numbers of the running heads kept once


def is_pdf(raw: bytes) -> bool:
    return raw[:1024].lstrip().startswith(PDF_MAGIC)


def page_chars(textpage) -> tuple[str, list[tuple[float, float, float, float]] | None]:
    """The page's text and each character's box; no boxes when PDFium did not map its
    characters one to one."""
    count = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != count:
        return text, None
    return text, [textpage.get_charbox(k, loose=True) for k in range(count)]


def page_lines(text: str, boxes: list[tuple[float, float, float, float]] | None) -> list[str]:
    """The page's text in drawing order, with missing spaces restored from character
    positions."""
    if boxes is None:
        return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    previous_right: float | None = None
    previous_char = ""
    for char, (left, bottom, right, top) in zip(text, boxes, strict=True):
        if char in "\r\n":
            previous_right = None
            out.append(char)
            continue
        if (
            previous_right is not None
            and char != " "
            and previous_char not in (" ", "")
            and left - previous_right > SPACE_GAP_SHARE * max(top - bottom, 1.0)
        ):
            out.append(" ")
        out.append(char)
        previous_right, previous_char = right, char
    joined = "".join(out).replace("\r\n", "\n").replace("\r", "\n")
    return joined.split("\n")


def running_lines(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of most pages (digits ignored): running heads."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        kept = [line for line in lines if line.strip()]
        edges = {shape(line) for line in kept[:EDGE_LINES] + kept[-EDGE_LINES:]}
        seen.update(edges)
    return {s for s, n in seen.items() if s and n >= REPEATED_SHARE * len(pages)}


def shape(line: str) -> str:
    """A line as running heads repeat it: digits (page numbers, dates) and spacing aside."""
    return re.sub(r"\d+", "#", "".join(line.split())).lower()


@dataclass(frozen=True)
class PdfPages:
    lines: list[list[str]]  # each page's lines in drawing order
    layout: list[list[LayoutLine]]  # each page's lines of positioned words


def read_pages(raw: bytes, name: str) -> PdfPages:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as error:
        reason = str(error)
        if "password" in reason.lower():
            raise ParseError(
                name, "the PDF is encrypted", hint="save an unprotected copy and upload that"
            ) from error
        raise ParseError(
            name, f"not a readable PDF ({reason})", hint="the file may be truncated or damaged"
        ) from error
    pages: list[list[str]] = []
    layout: list[list[LayoutLine]] = []
    try:
        for index in range(len(document)):
            text, boxes = page_chars(document[index].get_textpage())
            pages.append([line.translate(LIGATURES).rstrip() for line in page_lines(text, boxes)])
            words = page_words(text.translate(LIGATURES_ONE_TO_ONE), boxes) if boxes else []
            layout.append(layout_lines(words, index + 1))
    except pdfium.PdfiumError as error:
        raise ParseError(name, f"a page could not be read ({error})") from error
    finally:
        document.close()
    return PdfPages(lines=pages, layout=layout)


def read_pdf(raw: bytes, name: str) -> PdfText:
    return clean_pages(read_pages(raw, name).lines, name)


def clean_pages(pages: list[list[str]], name: str) -> PdfText:
    heads = running_lines(pages)
    lines: list[str] = []
    numbers: list[int] = []
    kept_heads: set[str] = set()
    head_lines: list[int] = []
    for number, page in enumerate(pages, start=1):
        for line in page:
            text = " ".join(line.split())
            text = LETTER_SPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), text)
            if not text or is_page_mark(text):
                continue
            key = shape(text)
            if key in heads:
                if key in kept_heads:
                    continue
                kept_heads.add(key)  # the first stays: it often names the call and quarter
                head_lines.append(len(lines) + 1)
            lines.append(text)
            numbers.append(number)
    if sum(len(line) for line in lines) < 20 * max(1, len(pages)) / 4 or not lines:
        raise ParseError(
            name,
            f"the PDF has no text layer ({len(pages)} pages of images?)",
            hint="run it through OCR first, or upload the text version",
        )
    healed, numbers = heal_hyphens(lines, numbers)
    if len(healed) != len(lines):
        head_lines = []  # line numbers moved; identity still reads the heads, search may too
    return PdfText(lines=healed, pages=numbers, page_count=len(pages), heads=tuple(head_lines))


def heal_hyphens(lines: list[str], pages: list[int]) -> tuple[list[str], list[int]]:
    """A word split across lines ("reve-" / "nue grew") is joined on the first line."""
    out = list(lines)
    for k in range(len(out) - 1):
        line, following = out[k], out[k + 1]
        if re.search(r"[a-z]{2}-$", line) and re.match(r"[a-z]{2}", following):
            head, _, rest = following.partition(" ")
            out[k] = line[:-1] + head
            out[k + 1] = rest
    kept = [(line, page) for line, page in zip(out, pages, strict=True) if line]
    return [line for line, _ in kept], [page for _, page in kept]


def pdf_source(raw: bytes, name: str) -> SourceText:
    """A PDF's text as a SourceText whose lines know their pages: a call's lines as drawn,
    a filing's lines by position with its paragraphs and tables as blocks."""
    pages = read_pages(raw, name)
    text = clean_pages(pages.lines, name)
    from assistant.documents.pdf_filing import pdf_kind
    from assistant.documents.transcript import count_speaker_lines

    plain = source_from_lines(
        raw,
        name,
        text.lines,
        pages=tuple(text.pages),
        page_count=text.page_count,
        furniture=text.heads,
    )
    kind = pdf_kind(text.lines, count_speaker_lines(plain))
    if kind.is_filing and any(pages.layout):
        return filing_source(plain, pages, kind)
    return replace(plain, kind=kind.kind, kind_reasons=kind.reasons, kind_warnings=kind.warnings)


def filing_source(plain: SourceText, pages: PdfPages, kind) -> SourceText:
    """A report or release: its lines by position, page furniture removed, read into
    paragraphs under their headings and statement tables (`plain` is its text as drawn,
    whose bytes are digested already)."""
    from assistant.documents.pdf_filing import FilingReader

    heads = running_lines([[line.text for line in page] for page in pages.layout])
    reader = FilingReader()
    for page in pages.layout:
        reader.read_page([line for line in page if not furniture(line.text, heads)])
    out = reader.out
    if not out.blocks:
        raise ParseError(plain.path, "no readable text found in the PDF")
    text = "\n".join(out.lines)
    check_text_length(text, plain.path)
    return replace(
        plain,
        text=text,
        lines=out.lines,
        pages=tuple(out.pages),
        page_count=len(pages.layout),
        furniture=(),
        blocks=tuple(out.blocks),
        kind=kind.kind,
        kind_reasons=kind.reasons,
        kind_warnings=kind.warnings,
    )


def furniture(text: str, heads: set[str]) -> bool:
    """A running head or foot, a page number, a copyright line or a dotted rule."""
    text = " ".join(text.split())
    return (
        not text
        or is_page_mark(text)
        or (shape(text) in heads and sum(c.isalpha() for c in text) >= 3)
        or text.lower() == "table of contents"
    )


def is_page_mark(text: str) -> bool:
    """A page number, a copyright line or a dotted rule: never part of the document's text."""
    return bool(
        PAGE_NUMBER_RE.match(text) or COPYRIGHT_RE.match(text) or DOTTED_RULE_RE.match(text)
    )
