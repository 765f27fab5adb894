"""BM25 over chunk text and its translation, with a tokenizer that reads English and Chinese.

English words are lower-cased and lightly stemmed; numbers lose their thousands separators so
`9,189,524,787` matches `9189524787`; Chinese runs are folded to Simplified (users type either,
the seed is Traditional) and split into characters and character bigrams, since no offline
word segmenter is needed for BM25 to match Chinese phrases.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import zhconv

CJK_RUN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
NUMBER = r"\d[\d,]*(?:\.\d+)?"
TOKEN_RE = re.compile(rf"({CJK_RUN})|([a-z]+)({NUMBER})?|({NUMBER})")
CURRENCY_WORDS = frozenset({"rmb", "usd", "us", "hk", "hkd", "cny", "eur", "gbp", "jpy"})
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in
    into is it its itself me my of on or our ours so than that the their them then there these
    they this those to us was we were what when where which while who whom why will with would
    you your about also any just much many more most some such please""".split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stemmer: enough to match loans/loan, declined/decline, losses/loss, sold/sale."""
    stripped = strip_suffixes(word)
    return IRREGULAR_FORMS.get(stripped, stripped)


def strip_suffixes(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)] + keep
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


# Irregular forms the suffix stripper cannot join, keyed by what it leaves of them: "sold",
# "sale(s)" and "sell(ing)" all mean a sale ("How many homes did they sell?" / "the sale of
# 2,280 homes").
IRREGULAR_FORMS = {
    "sold": "sell",
    "sale": "sell",
    "grew": "grow",
    "rose": "rise",
    "ris": "rise",
    "fell": "fall",
    "paid": "pay",
    "spent": "spend",
    "bought": "buy",
    "built": "build",
    # Month names meet their abbreviations ("September 28, 2024" / "Sep. 28, 2024").
    "january": "jan",
    "february": "feb",
    "march": "mar",
    "april": "apr",
    "june": "jun",
    "july": "jul",
    "august": "aug",
    "september": "sep",
    "sept": "sep",
    "october": "oct",
    "november": "nov",
    "december": "dec",
}


@lru_cache(maxsize=50_000)
def fold_chinese(run: str) -> str:
    return zhconv.convert(run, "zh-hans")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for cjk, word, attached, number in TOKEN_RE.findall(normalize(text)):
        if cjk:
            run = fold_chinese(cjk)
            tokens.extend(run)
            tokens.extend(run[k : k + 2] for k in range(len(run) - 1))
            continue
        if word and word not in STOPWORDS:
            tokens.append(stem(word))
        if attached:
            value = attached.replace(",", "")
            tokens.append(value)
            if word not in CURRENCY_WORDS:  # fpd7, q4, fy2024 also match as one token
                tokens.append(word + value)
        if number:
            tokens.append(number.replace(",", ""))
    return tokens


def ordered_words(text: str) -> tuple[str, ...]:
    """A text's content words in order, numbers left out."""
    return tuple(t for t in tokenize(text) if not t.isdigit())


INVERTED_LABEL_RE = re.compile(r"^([^,]+),\s*([a-z]+)\b", re.I)
LABEL_QUALIFIER_RE = re.compile(r"\s*[,(].*$")
TOTAL_RE = re.compile(r"^\s*total\s+", re.I)


def label_forms(label: str) -> list[tuple[str, ...]]:
    """The ways a question says a row label: its words before any qualifier ("Change in
    foreign currency translation" of "..., net of tax"), without a leading "Total", and a
    statement's inverted label in spoken order ("SALES, Net of returns" is "net sales")."""
    main = TOTAL_RE.sub("", LABEL_QUALIFIER_RE.sub("", label))
    forms = [ordered_words(main)]
    inverted = INVERTED_LABEL_RE.match(label)
    if inverted:
        forms.append(ordered_words(f"{inverted[2]} {main}"))
    return [f for f in forms if f]


def says_label(words: Sequence[str], labels: Iterable[str]) -> bool:
    """Whether `words` (a question's, in order) say one of the labels word for word."""
    for label in labels:
        for form in label_forms(label):
            if any(
                tuple(words[k : k + len(form)]) == form for k in range(len(words) - len(form) + 1)
            ):
                return True
    return False


class BM25:
    """Okapi BM25 with postings in flat numpy arrays; a query touches only its terms' postings.

    b = 0.5 rather than the usual 0.75: table rows vary from two cells to nine, and full length
    normalisation buried the wide rows (measured on the dev questions and on the fixtures)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.5):
        self.k1, self.b = k1, b
        self.size = len(documents)
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        counts: list[int] = []
        lengths = np.zeros(self.size, dtype=np.float32)
        for doc, tokens in enumerate(documents):
            lengths[doc] = len(tokens)
            for term, count in Counter(tokens).items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                doc_ids.append(doc)
                counts.append(count)
        self.vocab = vocab
        terms = np.asarray(term_ids, dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        self.doc_ids = np.asarray(doc_ids, dtype=np.int32)[order]
        tf = np.asarray(counts, dtype=np.float32)[order]
        avgdl = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1 - b + b * lengths[self.doc_ids] / max(avgdl, 1e-9))
        self.weights = tf * (k1 + 1) / (tf + norm)
        df = np.bincount(terms, minlength=len(vocab)).astype(np.float32)
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        self.idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5)).astype(np.float32)

    def idf_of(self, term: str) -> float:
        """Inverse document frequency of a term (0 for one the index has never seen)."""
        tid = self.vocab.get(term)
        return float(self.idf[tid]) if tid is not None else 0.0

    def document_share(self, term: str) -> float:
        """The share of documents that contain a term."""
        tid = self.vocab.get(term)
        if tid is None or not self.size:
            return 0.0
        return float(self.indptr[tid + 1] - self.indptr[tid]) / self.size

    def scores(self, query: Iterable[tuple[str, float]]) -> np.ndarray:
        """BM25 score of every document for weighted query terms."""
        out = np.zeros(self.size, dtype=np.float32)
        for term, weight in query:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            out[self.doc_ids[lo:hi]] += weight * self.idf[tid] * self.weights[lo:hi]
        return out
