"""HTML filings (SEC EDGAR R pages, 10-K / 10-Q documents, press releases) to paragraphs and
tables of the same model the text parsers build.

lxml parses HTML as browsers do (libxml2, in the wheel), tolerates the malformed markup EDGAR
files carry, and gives the XPath the tables need. A table's cells are laid on a grid (colspan
and rowspan expanded); `$`, `(`, `)` and `%` cells join their numbers; value columns are the
spans numbers occupy; the rows above the first number are the header, read top-down into
column paths; indentation (or bold rows without values) gives row paths. Each paragraph and
each table row is one line of the extracted text that citations count.
Tables are rebuilt in `html_tables`.
"""

from __future__ import annotations

import re

from assistant.documents.html_tables import read_table
from assistant.documents.html_text import Extracted, add_paragraph, clean, hidden
from assistant.documents.reading import SourceText, source_from_lines
from assistant.errors import ParseError

BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "center",
    "body",
    "header",
    "footer",
    "main",
    "dl",
    "dt",
    "dd",
    "pre",
}
SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "ix:header"}
HTML_TAG_RE = re.compile(rb"<(?:html|body|table|div|p)\b", re.I)


def is_html(raw: bytes) -> bool:
    """Markup from the first character (an EDGAR `<DOCUMENT>` wrapper, `<?xml`, `<html`)
    with an HTML element early on."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and bool(HTML_TAG_RE.search(head))


def walk(element, out: Extracted) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in SKIP_TAGS or hidden(element):
        return
    if tag == "table":
        read_table(element, out)
        return
    has_blocks = any(
        isinstance(child.tag, str) and (child.tag in BLOCK_TAGS or child.tag == "table")
        for child in element.iterdescendants()
    )
    if tag in BLOCK_TAGS and not has_blocks:
        text = clean(element.text_content())
        if text:
            add_paragraph(element, text, out)
        return
    for child in element:
        walk(child, out)


# Entry point -----------------------------------------------------------------------------------


def html_source(raw: bytes, name: str) -> SourceText:
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(raw)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(name, f"not readable HTML ({error})") from error
    for br in root.iter("br"):  # a line break inside a cell separates words
        br.tail = " " + (br.tail or "")
    out = Extracted()
    walk(root, out)
    if not out.blocks:
        raise ParseError(
            name, "no text found in the HTML", hint="is it a page of scripts or images?"
        )
    return source_from_lines(raw, name, out.lines, blocks=tuple(out.blocks))
