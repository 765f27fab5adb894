"""Two-word terms said word for word: a question's "starts guidance" or "EBITDA impact" found
as such in a passage, where BM25 sees only the separate words (every passage of a call about a
work stoppage says "impact", one says "EBITDA impact").

Words are compared as written, lower-cased, without a possessive or a plural "s": stems would
make "homes sold" of "home sellers". Only pairs of content words count; a pair with a stop
word, a question word, a number or a calendar word ("year over year", "full year") names no
term.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from assistant.text.lexical import STOPWORDS
from assistant.vocabulary import CALENDAR_WORDS, QUESTION_WORDS

Pair = tuple[str, str]

WORD_RE = re.compile(r"[a-z0-9](?:[a-z0-9&.']*[a-z0-9])?")
QUARTER_TOKEN_RE = re.compile(r"^(?:q[1-4]|h[12]|fy\d*|\d.*)$")
NOT_TERM_WORDS = STOPWORDS | QUESTION_WORDS | CALENDAR_WORDS


def phrase_word(word: str) -> str:
    """A word as both sides compare it: no possessive, no plural "s" ("loans" is "loan",
    "business" stays)."""
    word = word.removesuffix("'s").removesuffix("'")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def raw_words(text: str) -> list[str]:
    return WORD_RE.findall(unicodedata.normalize("NFKC", text).lower())


def words_of(text: str) -> list[str]:
    return [phrase_word(w) for w in raw_words(text)]


def is_term_word(raw: str) -> bool:
    """A content word: not a stop, question or calendar word as written or as compared
    ("does" is not the "doe" its trimmed form would be), not a number or "Q3"."""
    word = phrase_word(raw)
    return len(word) > 1 and not {raw, word} & NOT_TERM_WORDS and not QUARTER_TOKEN_RE.match(word)


def question_pairs(text: str) -> tuple[Pair, ...]:
    """The question's adjacent content-word pairs, in order, each once."""
    raw = raw_words(text)
    pairs = (
        (phrase_word(a), phrase_word(b))
        for a, b in pairwise(raw)
        if is_term_word(a) and is_term_word(b)
    )
    return tuple(dict.fromkeys(pairs))


@lru_cache(maxsize=8192)
def spaced_words(text: str) -> str:
    """A passage's words joined by single spaces, fenced: a pair is found by one `in`."""
    return f" {' '.join(words_of(text))} "


def phrase_scores(texts: Sequence[str], pairs: Sequence[Pair]) -> list[float]:
    """Each text's sum over the pairs it says of log(1 + n / df): a pair most candidates say
    ("per share") counts for little, one that few say for much."""
    if not pairs or not texts:
        return [0.0] * len(texts)
    spaced = [spaced_words(t) for t in texts]
    said = [[f" {a} {b} " in s for a, b in pairs] for s in spaced]
    df = [sum(row[j] for row in said) for j in range(len(pairs))]
    weights = [math.log(1 + len(texts) / d) if d else 0.0 for d in df]
    return [sum(w for w, hit in zip(weights, row, strict=True) if hit) for row in said]
