"""What the index stores of each document and chunk, as rows and JSON: the document's record,
a chunk and its figures written out and read back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from assistant.chunking import Chunk, ChunkCell
from assistant.documents import Document
from assistant.figures import Figure, stated_periods


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    doc_type: str
    source: str
    sha256: str
    company: str | None
    period: str | None
    languages: tuple[str, ...]
    chunk_count: int
    added_at: str
    speakers: tuple[dict[str, str | None], ...] = ()
    warnings: tuple[str, ...] = ()
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    date: str | None = None
    # Periods the document's table columns state besides its own, as labels.
    covers: tuple[str, ...] = ()

    @classmethod
    def from_document(
        cls, doc: Document, chunk_count: int, figures: Sequence[tuple[Figure, ...]] = ()
    ) -> DocumentRecord:
        return cls(
            doc_id=doc.doc_id,
            title=doc.title,
            doc_type=doc.doc_type,
            source=doc.source,
            sha256=doc.sha256,
            company=doc.company,
            period=doc.period,
            languages=doc.languages,
            chunk_count=chunk_count,
            added_at=datetime.now(UTC).isoformat(timespec="seconds"),
            speakers=tuple(
                {"name": s.name, "role": s.role, "title": s.title, "firm": s.firm}
                for s in doc.speakers
            ),
            warnings=doc.warnings,
            ticker=doc.ticker,
            aliases=doc.aliases,
            date=doc.date,
            covers=stated_periods(figures, doc.period, doc.fiscal_year_end),
        )


def chunk_to_json(chunk: Chunk) -> str:
    return json.dumps(dataclasses.asdict(chunk), ensure_ascii=False)


def chunk_from_json(body: str) -> Chunk:
    raw = json.loads(body)
    raw["lines"] = tuple(raw["lines"])
    raw["row_path"] = tuple(raw["row_path"])
    raw["flags"] = tuple(raw["flags"])
    raw["uncertain"] = tuple(raw["uncertain"])
    if raw.get("pages"):
        raw["pages"] = tuple(raw["pages"])
    raw["cells"] = tuple(
        ChunkCell(**{**c, "column_path": tuple(c["column_path"])}) for c in raw["cells"]
    )
    return Chunk(**raw)


def figures_to_json(figures: Sequence[Figure]) -> str:
    return json.dumps([dataclasses.asdict(f) for f in figures], ensure_ascii=False)


def figures_from_json(body: str) -> tuple[Figure, ...]:
    out = []
    for raw in json.loads(body):
        for key in ("span", "row_path", "column_path", "flags"):
            raw[key] = tuple(raw[key])
        out.append(Figure(**raw))
    return tuple(out)


@dataclass(frozen=True)
class UpdateStats:
    embedded: int
    reused: int
    documents: int
    skipped: tuple[str, ...] = ()  # files left out of a build, each with its reason
