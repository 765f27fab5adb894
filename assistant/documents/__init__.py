"""Parsing a source file into a Document: choose the layout, read it, attach metadata."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.documents.cover import NOT_A_NAME_RE, Cover, read_cover, release_company
from assistant.documents.identity import aliases_for, display_name, infer_identity
from assistant.documents.layout import Layout, detected_type, read_layout
from assistant.documents.model import (
    Block,
    DocType,
    Document,
    Paragraph,
    Speaker,
    Table,
    TableCell,
    TableRow,
)
from assistant.documents.reading import SourceText
from assistant.documents.source import decode_source, read_source
from assistant.errors import ParseError
from assistant.text.periods import parse_period

MAX_DOC_ID_CHARS = 80
DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".pdf", ".html", ".htm")

__all__ = [
    "DOCUMENT_SUFFIXES",
    "Block",
    "DocType",
    "Document",
    "Metadata",
    "Paragraph",
    "Speaker",
    "Table",
    "TableCell",
    "TableRow",
    "parse_file",
    "parse_text",
]

DOC_TYPES = ("transcript", "filing", "notes")


@dataclass(frozen=True)
class Metadata:
    """What the user says about a document; each field overrides what the file suggests."""

    title: str | None = None
    company: str | None = None
    period: str | None = None
    doc_type: str | None = None
    doc_id: str | None = None
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    date: str | None = None

    def merged_over(self, other: Metadata) -> Metadata:
        return Metadata(
            title=self.title or other.title,
            company=self.company or other.company,
            period=self.period or other.period,
            doc_type=self.doc_type or other.doc_type,
            doc_id=self.doc_id or other.doc_id,
            ticker=self.ticker or other.ticker,
            aliases=self.aliases or other.aliases,
            date=self.date or other.date,
        )


def doc_id_for(path: str) -> str:
    """A stable id from the file name, so a rebuild of the same file keeps its id.

    Accents are transliterated ("Société" → "Societe"). A name that loses characters on the
    way (Chinese, Cyrillic, "..txt") or is cut for length gets a hash of the whole name, so
    two such names never share an id."""
    stem = Path(path).name
    for suffix in DOCUMENT_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    ascii_stem = "".join(
        c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_stem).strip("-.")
    lossy = not ascii_stem.isascii() or not slug or len(slug) > MAX_DOC_ID_CHARS
    if not lossy:
        return slug
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    head = slug[:MAX_DOC_ID_CHARS].rstrip("-.")
    return f"{head}-{digest}" if head else f"doc-{digest}"


def read_sidecar(path: Path) -> Metadata:
    """`<file>.meta.json` or `<file>.meta.yaml` beside the document, if there is one."""
    for suffix, loader in (
        (".meta.json", json.loads),
        (".meta.yaml", yaml.safe_load),
        (".meta.yml", yaml.safe_load),
    ):
        side = path.with_name(path.name + suffix)
        if not side.exists():
            continue
        try:
            raw = loader(side.read_text(encoding="utf-8"))
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as err:
            raise ParseError(str(side), f"unreadable metadata: {err}") from err
        if not isinstance(raw, dict):
            raise ParseError(str(side), "metadata must be a mapping of field to value")
        known = {
            "title",
            "company",
            "period",
            "type",
            "doc_type",
            "doc_id",
            "ticker",
            "aliases",
            "date",
        }
        unknown = set(raw) - known
        if unknown:
            raise ParseError(
                str(side),
                f"unknown metadata fields: {', '.join(sorted(unknown))}",
                hint=f"use {', '.join(sorted(known - {'doc_type'}))}",
            )
        return Metadata(
            title=raw.get("title"),
            company=raw.get("company"),
            period=raw.get("period"),
            doc_type=raw.get("type") or raw.get("doc_type"),
            doc_id=raw.get("doc_id"),
            ticker=raw.get("ticker"),
            aliases=_aliases(raw.get("aliases"), side),
            date=str(raw["date"]) if raw.get("date") else None,
        )
    return Metadata()


def _aliases(raw: object, side: Path) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and all(isinstance(a, str) for a in raw):
        return tuple(raw)
    raise ParseError(str(side), "aliases must be a name or a list of names")


def parse_source(src: SourceText, meta: Metadata | None = None) -> Document:
    meta = meta or Metadata()
    if meta.doc_type is not None and meta.doc_type not in DOC_TYPES:
        raise ParseError(
            src.path,
            f"unknown document type {meta.doc_type!r}",
            hint=f"use one of {', '.join(DOC_TYPES)}",
        )
    detected = detected_type(src)
    doc_type: DocType = meta.doc_type or detected  # type: ignore[assignment]
    cover = read_cover(src.lines, " ".join(src.lines[:4000])) if doc_type == "filing" else None
    layout = read_layout(src, doc_type, cover)
    if doc_type not in ("transcript", "filing"):
        meta = meta.merged_over(Metadata(title=layout.title))
        if detected == "notes" and meta.doc_type is None:
            layout.recognised = ["no transcript or table layout recognised", *layout.recognised]
    if not layout.blocks:
        raise ParseError(src.path, "no readable text found")
    return assembled(src, meta, doc_type, cover, layout)


def assembled(
    src: SourceText, meta: Metadata, doc_type: DocType, cover: Cover | None, layout: Layout
) -> Document:
    """The document: its blocks as read, its identity (company, period, ticker, aliases,
    date) from the user's metadata, the SEC cover, the release's dateline and the text, in
    that order, and its title."""
    blocks, warnings, speakers = layout.blocks, layout.warnings, layout.speakers
    languages = layout.languages
    if any(p.translation for p in blocks if isinstance(p, Paragraph)):
        languages = ("en", "zh-Hant")
    doc_id = meta.doc_id or doc_id_for(src.path)
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    found = infer_identity(src.lines, paragraphs, speakers)
    registrant = cover.registrant if cover else None
    if registrant is None and src.kind == "release":
        registrant = release_company(src.lines)
    guessed = found.company
    if guessed and cover and NOT_A_NAME_RE.search(guessed):
        guessed = None  # a cover's form line ("Commission file number ..."), not a name
    company = meta.company or (display_name(registrant) if registrant else None) or guessed
    period = (
        meta.period
        or (cover.period if cover else None)
        or layout.period
        or found.period
        or layout.opening_period
        or (cover.event_quarter if cover else None)
    )
    if meta.period and parse_period(meta.period) is None:
        warnings.append(f"{src.path}: period {meta.period!r} is not a quarter or fiscal year")
    aliases = aliases_for(
        [
            *meta.aliases,
            *([meta.company] if meta.company else []),
            *([registrant] if registrant else []),
            *found.aliases,
        ]
    )
    kind = f"Form {cover.form}" if cover and cover.form else KIND_TITLES.get(src.kind or "")
    title = meta.title or _default_title(doc_type, company, period, doc_id, kind)
    if src.furniture:
        furniture = set(src.furniture)
        blocks = [
            b
            for b in blocks
            if not isinstance(b, Paragraph)
            or not all(n in furniture for n in range(b.lines[0], b.lines[1] + 1))
        ]
    return Document(
        doc_id=doc_id,
        title=title,
        doc_type=doc_type,
        source=src.path,
        sha256=src.sha256,
        company=company,
        period=period,
        ticker=(
            meta.ticker
            or (cover.tickers[0] if cover and cover.tickers else None)
            or found.ticker
            or ""
        ).upper()
        or None,
        aliases=aliases,
        date=meta.date or (cover.event_date if cover else None) or found.date,
        languages=languages,
        blocks=tuple(blocks),
        speakers=speakers,
        warnings=tuple(warnings),
        line_count=len(src.lines),
        recognised=tuple(layout.recognised),
        line_pages=src.pages,
        page_count=src.page_count,
        fiscal_year_end=cover.fiscal_year_end_month if cover else None,
    )


KIND_TITLES = {"release": "earnings release", "report": "report"}


def _default_title(
    doc_type: str,
    company: str | None,
    period: str | None,
    doc_id: str,
    kind: str | None = None,
) -> str:
    kind = (
        kind or {"transcript": "earnings call", "filing": "filing note", "notes": "notes"}[doc_type]
    )
    if company or period:
        return " ".join(part for part in (company, period, kind) if part)
    return doc_id


def parse_file(path: Path | str, meta: Metadata | None = None) -> Document:
    """Parse one file; flags (`meta`) win over its sidecar, which wins over what the text says."""
    path = Path(path)
    src = read_source(path)
    sidecar = read_sidecar(path)
    return parse_source(src, (meta or Metadata()).merged_over(sidecar))


def parse_text(text: str, name: str = "document.txt", meta: Metadata | None = None) -> Document:
    """Parse text held in memory (uploads, tests) as if read from a file called `name`."""
    return parse_source(decode_source(text.encode("utf-8"), name), meta)
