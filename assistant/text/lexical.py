"""BM25 over chunk text and its translation, with a tokenizer that reads English and Chinese.

English words are lower-cased and lightly stemmed; numbers lose their thousands separators so
`9,189,524,787` matches `9189524787`; Chinese runs are folded to Simplified (users type either,
the seed is Traditional) and split into characters and character bigrams, since no offline
word segmenter is needed for BM25 to match Chinese phrases.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=65536)
def token_set(text: str) -> frozenset[str]:
    """A text's tokens as a set, remembered: the same sentences, cells and headers are read
    for question after question."""
    return frozenset(tokenize(text))


def ordered_words(text: str) -> tuple[str, ...]:
    """A text's content words in order, numbers left out."""
    return tuple(t for t in tokenize(text) if not t.isdigit())


INVERTED_LABEL_RE = re.compile(r"^([^,]+),\s*([a-z]+)\b", re.I)
LABEL_QUALIFIER_RE = re.compile(r"\s*[,(].*$")
TOTAL_RE = re.compile(r"^\s*total\s+", re.I)


ALTERNATIVE_RE = re.compile(
    r"^([^(,]+)\((?!(?:in|see|note|unaudited|as)\b)([A-Za-z][A-Za-z ]{1,30})\)", re.I
)


@lru_cache(maxsize=16384)
def label_forms(label: str) -> list[tuple[str, ...]]:
    """The ways a question says a row label: its words before any qualifier ("Change in
    foreign currency translation" of "..., net of tax"), without a leading "Total", a
    statement's inverted label in spoken order ("SALES, Net of returns" is "net sales"), and
    the label with its parenthesised alternative ("Operating income (loss)" is "operating
    loss", "Net cash provided by (used in)" is "net cash used in")."""
    main = TOTAL_RE.sub("", LABEL_QUALIFIER_RE.sub("", label))
    forms = [ordered_words(main)]
    inverted = INVERTED_LABEL_RE.match(label)
    if inverted:
        forms.append(ordered_words(f"{inverted[2]} {main}"))
    alternative = ALTERNATIVE_RE.match(TOTAL_RE.sub("", label))
    if alternative:
        before, instead = ordered_words(alternative[1]), ordered_words(alternative[2])
        if instead and len(before) > len(instead):
            kept = before[: len(before) - len(instead)]
            forms.append(kept + instead)
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


def chunk_lexical_text(chunk) -> str:
    """What BM25 reads of a chunk: who said it, its text as embedded, its heading and its
    translation."""
    parts = [
        chunk.said_by or "",
        chunk.embedding_text,
        chunk.heading or "",
        chunk.translation or "",
    ]
    return " ".join(p for p in parts if p)


def postings_of(
    documents: Sequence[Sequence[str]], vocab: dict[str, int], first_doc: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term id, document, count) for every distinct term of every document; new terms are
    added to `vocab`."""
    term_ids: list[int] = []
    doc_ids: list[int] = []
    counts: list[int] = []
    for doc, tokens in enumerate(documents, start=first_doc):
        for term, count in Counter(tokens).items():
            term_ids.append(vocab.setdefault(term, len(vocab)))
            doc_ids.append(doc)
            counts.append(count)
    return (
        np.asarray(term_ids, dtype=np.int64),
        np.asarray(doc_ids, dtype=np.int64),
        np.asarray(counts, dtype=np.float32),
    )


class BM25:
    """Okapi BM25 with postings in flat numpy arrays; a query touches only its terms' postings.

    b = 0.5 rather than the usual 0.75: table rows vary from two cells to nine, and full length
    normalisation buried the wide rows (measured on the dev questions and on the fixtures).

    The postings are saved with the index (.npy arrays and a JSON vocabulary, no pickle) and
    memory-mapped on load; a new snapshot derives its postings from the old ones and the new
    documents' tokens, so only new text is tokenized."""

    ARRAYS = ("doc_ids", "tf", "lengths", "indptr", "weights", "idf")

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.5):
        vocab: dict[str, int] = {}
        term_ids, doc_ids, counts = postings_of(documents, vocab, 0)
        lengths = np.asarray([len(tokens) for tokens in documents], dtype=np.float32)
        self._index(vocab, term_ids, doc_ids, counts, lengths, k1, b)

    @classmethod
    def _from_postings(cls, vocab, term_ids, doc_ids, counts, lengths, k1, b) -> BM25:
        bm25 = cls.__new__(cls)
        bm25._index(vocab, term_ids, doc_ids, counts, lengths, k1, b)
        return bm25

    def _index(
        self,
        vocab: dict[str, int],
        term_ids: np.ndarray,
        doc_ids: np.ndarray,
        counts: np.ndarray,
        lengths: np.ndarray,
        k1: float,
        b: float,
    ) -> None:
        self.k1, self.b = k1, b
        self.vocab = vocab
        self.size = len(lengths)
        self.lengths = np.asarray(lengths, dtype=np.float32)
        terms = np.asarray(term_ids, dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        self.doc_ids = np.asarray(doc_ids, dtype=np.int32)[order]
        self.tf = np.asarray(counts, dtype=np.float32)[order]
        avgdl = float(self.lengths.mean()) if self.size else 1.0
        norm = k1 * (1 - b + b * self.lengths[self.doc_ids] / max(avgdl, 1e-9))
        self.weights = (self.tf * (k1 + 1) / (self.tf + norm)).astype(np.float32)
        df = np.bincount(terms, minlength=len(vocab)).astype(np.float32)
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        self.idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5)).astype(np.float32)

    def derived(self, keep: np.ndarray, added: Sequence[Sequence[str]]) -> BM25:
        """The postings of the kept documents (a mask, order kept) followed by `added`."""
        keep = np.asarray(keep, dtype=bool)
        terms = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        kept = keep[self.doc_ids]
        renumber = np.cumsum(keep) - 1
        vocab = dict(self.vocab)
        new_terms, new_docs, new_counts = postings_of(added, vocab, int(keep.sum()))
        all_terms = np.concatenate([terms[kept], new_terms])
        # Terms only the removed documents had leave the vocabulary.
        used = np.unique(all_terms)
        renumber_terms = np.full(len(vocab), -1, dtype=np.int64)
        renumber_terms[used] = np.arange(len(used))
        vocab = {t: int(renumber_terms[k]) for t, k in vocab.items() if renumber_terms[k] >= 0}
        return BM25._from_postings(
            vocab,
            renumber_terms[all_terms],
            np.concatenate([renumber[self.doc_ids[kept]], new_docs]),
            np.concatenate([self.tf[kept], new_counts]),
            np.concatenate([self.lengths[keep], [len(t) for t in added]]).astype(np.float32),
            self.k1,
            self.b,
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"k1": self.k1, "b": self.b, "size": self.size, "terms": terms}
        (folder / "vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25:
        """The saved postings, memory-mapped: pages are read as queries touch them."""
        meta = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        bm25 = cls.__new__(cls)
        bm25.k1, bm25.b, bm25.size = float(meta["k1"]), float(meta["b"]), int(meta["size"])
        bm25.vocab = {term: k for k, term in enumerate(meta["terms"])}
        for name in cls.ARRAYS:
            setattr(bm25, name, np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False))
        if len(bm25.lengths) != bm25.size or len(bm25.indptr) != len(bm25.vocab) + 1:
            raise ValueError(f"{folder}: lexical index arrays do not agree")
        return bm25

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
