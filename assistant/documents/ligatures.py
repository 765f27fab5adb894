"""Ligatures a PDF's font left unmapped: PDFium gives U+FFFE for a glyph it cannot name, which
some releases use for "fi", "fl", "ff", "ffi" and "ffl" ("Cash ￾ows", "O￾cer"). The ligature
is the one that makes a word the embedding model's tokenizer knows whole; otherwise the mark
stays a hyphen, as PDFium means it at a line break ("long￾term")."""

from __future__ import annotations

import re
from functools import lru_cache

UNMAPPED = "\ufffe"
CANDIDATES = ("fi", "fl", "ff", "ffi", "ffl")
MARKED_WORD_RE = re.compile(r"([A-Za-z]*)\ufffe([a-z]+)")
SUFFIXES = ("", "s", "es", "ed", "ing", "ly")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """The whole words of the bundled model's vocabulary; empty when it is not installed."""
    try:
        from assistant.embedding import resolve_model_path

        vocab = resolve_model_path("all-MiniLM-L6-v2") / "vocab.txt"
        return frozenset(
            w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower()
        )
    except Exception:
        return frozenset()


def is_word(word: str) -> bool:
    words = known_words()
    lower = word.lower()
    return any(
        lower.endswith(suffix) and lower[: len(lower) - len(suffix)] in words
        for suffix in SUFFIXES
        if len(lower) - len(suffix) >= 3
    )


def restore(text: str) -> str:
    """`text` with each marked ligature restored where a known word results."""
    if UNMAPPED not in text:
        return text

    def fix(m: re.Match) -> str:
        for ligature in CANDIDATES:
            word = f"{m[1]}{ligature}{m[2]}"
            if is_word(word):
                return word
        return m[0]

    return MARKED_WORD_RE.sub(fix, text)
