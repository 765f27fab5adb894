"""Figures: the numbers in a chunk as data (value in base units, unit, scale, metric, period,
change), each with its exact source text and span.

English prose (`english`), Chinese translations (`chinese`) and table cells (`tables`) are
read; `model` says what a figure is, `labels` what it measures, `timing` when it is for.
`extract_figures` is the face: a year, a quarter (Q4), an attached label (FPD7, DeepSeek-V2),
a date, a footnote mark or a phone extension is never taken for an amount.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from assistant.chunking import Chunk
from assistant.figures.chinese import chinese_figures
from assistant.figures.english import english_figures
from assistant.figures.labels import SENTENCE_WINDOW, sentence_bounds
from assistant.figures.model import CURRENCY_UNITS, Figure, parse_number
from assistant.figures.tables import stated_periods, table_figures
from assistant.figures.timing import FULL_YEAR_RE
from assistant.text.lexical import tokenize
from assistant.vocabulary import MONEY_METRIC_TOKENS

__all__ = [
    "FULL_YEAR_RE",
    "SENTENCE_WINDOW",
    "Figure",
    "chinese_figures",
    "document_figures",
    "english_figures",
    "extract_figures",
    "is_unnamed_amount",
    "parse_number",
    "sentence_bounds",
    "stated_periods",
]


def extract_figures(chunk: Chunk, default_period: str | None = None) -> list[Figure]:
    """Every figure of a chunk: table cells, or the English text and its translation."""
    if chunk.kind == "table_row":
        return table_figures(chunk, default_period)
    figures = english_figures(chunk.text, default_period)
    if chunk.translation:
        figures += chinese_figures(chunk.translation, default_period)
    flagged = []
    for fig in figures:
        flags = []
        if fig.source == "text":
            if any(fig.text in u or u in fig.text for u in chunk.uncertain) and re.search(
                r"\[[^\]]*" + re.escape(fig.text), chunk.text
            ):
                flags.append("uncertain_transcription")
            if "spoken_by_ai" in chunk.flags:
                flags.append("spoken_by_ai")
        elif re.search(r"\[[^\]]*" + re.escape(fig.text), chunk.translation or ""):
            flags.append("uncertain_transcription")
        flagged.append(replace(fig, flags=tuple(flags)) if flags else fig)
    return flagged


def document_figures(chunks: Sequence[Chunk], period: str | None) -> list[tuple[Figure, ...]]:
    """The figures of a document's chunks. An amount said without its currency ("sales of
    712 million") takes the currency the document states its amounts in, when what it
    measures is money."""
    figures = [extract_figures(chunk, period) for chunk in chunks]
    currencies = Counter(f.unit for chunk in figures for f in chunk if f.unit in CURRENCY_UNITS)
    if not currencies:
        return [tuple(f) for f in figures]
    currency = currencies.most_common(1)[0][0]
    return [
        tuple(
            replace(f, unit=currency) if f.unit == "count" and is_unnamed_amount(f) else f
            for f in chunk
        )
        for chunk in figures
    ]


def is_unnamed_amount(figure: Figure) -> bool:
    if figure.scale not in ("thousand", "million", "billion", "mn", "bn", "m", "k"):
        return False
    return bool(set(tokenize(figure.metric or "")) & MONEY_METRIC_TOKENS)
