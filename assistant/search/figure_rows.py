"""Whether a table row or column names what a question asks: the row's own label or its path,
a column's period and total, numbers spelled out in the question ("three months") read as
digits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.documents.text import is_period_like
from assistant.figures import Figure
from assistant.text.lexical import says_label, token_set
from assistant.vocabulary import QUESTION_TOKENS

TOTAL_COLUMNS = {"subtotal", "total", "sub-total"}


def names_row(figure: Figure, asked_words: Sequence[str]) -> bool:
    """Whether the question names a table row by its label ("net sales", not the "net" and
    "income" of "other income, net"; "credit losses" is not "provision for credit losses").
    Only row labels are read so: the words before a figure in a sentence may describe the
    figure before it."""
    return says_row(asked_words, figure.row_path)


def says_row(asked_words: Sequence[str], row_path: Sequence[str]) -> bool:
    """Whether the question says one of a row's labels; a date heading ("As of December 31")
    names no metric."""
    return says_label(asked_words, [label for label in row_path if not is_period_like(label)])


def described_by(figure: Figure) -> set[str]:
    """The words that say what a figure measures: its metric, row labels and qualifier
    ("net income" with "per diluted share" is earnings per share)."""
    words = [figure.metric or "", *figure.row_path]
    if figure.metric and figure.qualifier:
        words.append(figure.qualifier)
    return set(token_set(" ".join(words)))


def column_match(question: str, column_path: Sequence[str]) -> float:
    """How well the question names a column: its leaf header counts most ("31 - 90 days past
    due", digits included), the spanning headers above it a little."""
    if not column_path:
        return 0.0
    asked = token_set(in_digits(question)) - QUESTION_TOKENS

    def share(text: str) -> float:
        tokens = header_tokens(text)
        return len(asked & tokens) / len(tokens) if tokens else 0.0

    upper = share(" ".join(column_path[:-1])) if len(column_path) > 1 else 0.0
    return share(column_path[-1]) + 0.3 * upper


@lru_cache(maxsize=16384)
def header_tokens(text: str) -> frozenset[str]:
    return token_set(in_digits(text))


UNITS_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SPELLED_NUMBER_RE = re.compile(
    rf"\b(?:({'|'.join(TENS_WORDS)})(?:[- ]({'|'.join(UNITS_WORDS[:9])}))?|"
    rf"({'|'.join(UNITS_WORDS)}))\b",
    re.I,
)


def in_digits(text: str) -> str:
    """Spelled numbers as digits: "Thirty-Nine Weeks Ended" is the question's "39-week"."""

    def digits(m: re.Match) -> str:
        if m[3]:
            return str(UNITS_WORDS.index(m[3].lower()) + 1)
        tens = 10 * (TENS_WORDS.index(m[1].lower()) + 2)
        return str(tens + (UNITS_WORDS.index(m[2].lower()) + 1 if m[2] else 0))

    return SPELLED_NUMBER_RE.sub(digits, text)
