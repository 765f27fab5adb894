"""The figure ledger: every figure extracted from the library, one row each, with the company
and ticker of its document, a metric key that one metric's different names share, its
qualifiers, period and kind, its value as written and where it was said. It is derived from a
snapshot (the figures are already stored beside their chunks), so the same rows come out of
the CLI, the HTTP API and, later, answers across periods."""

from __future__ import annotations

import csv
import io
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache

from assistant.figures import Figure
from assistant.library import Store
from assistant.search.figure_choice import figure_context
from assistant.search.query import qualifiers_of
from assistant.text.lexical import STOPWORDS
from assistant.text.periods import parse_period
from assistant.vocabulary import (
    LOSS_NAMES,
    METRIC_CHANGING_WORDS,
    METRIC_KEYS,
    METRIC_LEADING_WORDS,
    METRIC_NAMES,
    NOT_METRIC_WORDS,
    RATE_KEYS,
)


@dataclass(frozen=True)
class LedgerRow:
    company: str | None
    ticker: str | None
    period: str | None
    metric: str | None  # the key ("eps_diluted_adjusted"), None for a label that names nothing
    label: str | None  # as the source says it
    qualifiers: str  # "adjusted diluted", from the figure's own clause
    kind: str  # actual, guidance, prior
    value: float
    high: float | None
    unit: str
    change: str | None  # increase, decrease: the figure is a change, not a level
    text: str  # as written ("$1.2 billion")
    doc_id: str
    chunk_id: str
    lines: str
    page: str | None

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]


SUFFIXED = ("diluted", "basic", "adjusted")
MAX_OWN_WORDS = 4  # qualifiers a key carries, in this order


WORD_RE = re.compile(r"[a-z0-9&]+")


def metric_words(text: str) -> tuple[str, ...]:
    """A metric name's words, lower case, plurals made singular. Not the search tokenizer:
    its stems join verbs to nouns ("sold" is "sales" there), which a metric name must not."""
    words = WORD_RE.findall(text.lower().replace("-", " "))
    return tuple(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


@lru_cache(maxsize=1)
def _forms() -> list[tuple[tuple[str, ...], str]]:
    """(the words of a phrase, its key), longest phrase first; a loss's names included."""
    forms = [(metric_words(p), key) for key, phrases in METRIC_KEYS.items() for p in phrases]
    forms += [(metric_words(p), key) for p, key in LOSS_NAMES.items()]
    return sorted((f for f in forms if f[0]), key=lambda f: -len(f[0]))


LOSS_FORMS = frozenset(metric_words(p) for p in LOSS_NAMES)
PLAIN_FORMS = frozenset(form for form, _ in _forms())  # every name of a metric, as said


def starts_of(words: tuple[str, ...], form: tuple[str, ...]) -> list[int]:
    """Where `form` is said, word for word, in `words`."""
    return [k for k in range(len(words) - len(form) + 1) if words[k : k + len(form)] == form]


def names_loss(label: str | None) -> bool:
    """Whether the label names a loss ("net loss per share"), whose value is negative."""
    words = metric_words(label or "")
    return any(starts_of(words, form) for form in LOSS_FORMS)


def plainly_named(row: LedgerRow) -> bool:
    """The label is just a name of the metric ("revenues", not "revenues north of")."""
    return metric_words(row.label or "") in PLAIN_FORMS


def with_qualifiers(base: str, text: str) -> str:
    """The key with the qualifiers `text` states: adjusted always, diluted and basic for EPS."""
    stated = qualifiers_of(text)
    suffixes = [q for q in SUFFIXED if q in stated and (q == "adjusted" or base == "eps")]
    return "_".join([base, *suffixes])


NOT_METRIC_TOKENS = frozenset(w for word in NOT_METRIC_WORDS for w in metric_words(word))
LEADING_TOKENS = frozenset(w for word in METRIC_LEADING_WORDS for w in metric_words(word))
CHANGING_TOKENS = frozenset(w for word in METRIC_CHANGING_WORDS for w in metric_words(word))


@lru_cache(maxsize=65536)
def metric_key(label: str | None, clause: str = "") -> str | None:
    """The ledger key of a metric label, with the qualifiers of the figure's clause: "diluted
    EPS" and "earnings per diluted share" are both `eps_diluted`. A label the vocabulary does
    not know keeps its own words ("system_sales"); one of filler words only gets None."""
    if not label:
        return None
    words = metric_words(label)
    base = None
    for form, key in _forms():
        starts = starts_of(words, form)
        # Before the name, only words that keep its meaning ("adjusted", "total"); after it,
        # none that make it another measure ("margin").
        if any(
            all(w in LEADING_TOKENS for w in words[:k])
            and not CHANGING_TOKENS & set(words[k + len(form) :])
            for k in starts
        ):
            base = key
            break
    if base is None:
        # A label of its own is kept when it is a short noun phrase, not a clause.
        content = [w for w in words if w not in STOPWORDS and not w.isdigit()]
        if len(content) > MAX_OWN_WORDS or all(w in NOT_METRIC_TOKENS for w in content):
            return None
        base = "_".join(re.findall(r"[a-z0-9]+", label.lower()))
        if not base:
            return None
    return with_qualifiers(base, f"{label} {clause}")


def named_metric(text: str) -> str | None:
    """The vocabulary metric a text names (its longest name), with the qualifiers it states:
    "adjusted diluted EPS" is eps_diluted_adjusted."""
    words = metric_words(text)
    # The forms come longest first, so the first said is the longest name.
    key = next((key for form, key in _forms() if starts_of(words, form)), None)
    return None if key is None else with_qualifiers(key, text)


def vocabulary_base(key: str) -> tuple[str, list[str]] | None:
    """The vocabulary key a ledger key is made of, and the qualifiers after it
    ("eps_diluted_adjusted" is eps with diluted, adjusted); None for a label's own words
    ("ebitda_guidance"). The longest key first: "ebitda_margin" is not EBITDA."""
    for base in VOCABULARY_BY_LENGTH:
        if key == base or key.startswith(f"{base}_"):
            qualifiers = key[len(base) + 1 :].split("_") if key != base else []
            if set(qualifiers) <= set(SUFFIXED):
                return base, qualifiers
    return None


VOCABULARY_BY_LENGTH = sorted(METRIC_KEYS, key=len, reverse=True)


def readable_metric(key: str) -> str:
    """A key as an answer writes it: "eps_diluted_adjusted" is "adjusted diluted EPS"."""
    found = vocabulary_base(key)
    if found is None:
        return key.replace("_", " ")
    base, qualifiers = found
    return " ".join([*reversed(qualifiers), METRIC_NAMES.get(base, base.replace("_", " "))])


def base_key(metric: str) -> str:
    """The key without the qualifiers a ledger selection also takes ("eps_diluted" -> eps)."""
    return metric.split("_")[0] if metric.startswith("eps") else metric.removesuffix("_adjusted")


def rows_of(store: Store) -> list[LedgerRow]:
    """The ledger of a snapshot, built once per snapshot."""
    return _built(store)[0]


def chunk_rows(store: Store) -> dict[str, int]:
    """Each chunk id's row in the snapshot, for the passage a ledger row cites."""
    return _built(store)[1]


def _built(store: Store) -> tuple[list[LedgerRow], dict[str, int]]:
    with _LOCK:
        found = _BUILT.get(store)
        if found is None:
            rows = {c.chunk_id: k for k, c in enumerate(store.chunks)}
            found = _BUILT[store] = (_build(store), rows)
        return found


_LOCK = threading.Lock()
_BUILT: weakref.WeakKeyDictionary[Store, tuple[list[LedgerRow], dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)


def _build(store: Store) -> list[LedgerRow]:
    rows: list[LedgerRow] = []
    for chunk, figures in zip(store.chunks, store.figures, strict=True):
        record = store.documents.get(chunk.doc_id)
        for figure in figures:
            label = label_of(figure)
            clause = clause_of(chunk.text, figures, figure)
            stated = qualifiers_of(f"{label or ''} {clause}")
            # A loss stated as an amount is the metric's negative value; a rate or a change
            # of a loss ("net loss narrowed 20%") is left as it is.
            loss = names_loss(label) and figure.unit not in ("%", "bps") and not figure.change
            rows.append(
                LedgerRow(
                    company=record.company if record else None,
                    ticker=record.ticker if record else None,
                    period=figure.period,
                    # A label that names nothing ("a preliminary 13.5%"): the metric its own
                    # clause names ("Our CET1 ratio ticked up to ...").
                    metric=of_its_unit(metric_key(label, clause) or named_metric(clause), figure),
                    label=label,
                    qualifiers=" ".join(sorted(q for q in stated if q != "per_share")),
                    kind=figure.kind,
                    value=-abs(figure.value) if loss else figure.value,
                    high=(-abs(figure.high) if loss else figure.high) if figure.high else None,
                    unit=figure.unit,
                    change=figure.change,
                    text=figure.text,
                    doc_id=chunk.doc_id,
                    chunk_id=chunk.chunk_id,
                    lines=f"{chunk.lines[0]}-{chunk.lines[1]}",
                    page=chunk.page_label,
                )
            )
    return rows


RATE_UNITS = frozenset({"%", "bps"})


def of_its_unit(key: str | None, figure: Figure) -> str | None:
    """The key, when the figure is in the metric's unit: a rate's in percent or basis points,
    an amount's in money or a count, or a percentage by which the amount changed ("revenue
    grew 22%"); else no key. Keys of a label's own words are not checked."""
    if key is None:
        return None
    found = vocabulary_base(key)
    if found is None:
        return key
    base = found[0]
    if base in RATE_KEYS:
        return key if figure.unit in RATE_UNITS else None
    if figure.unit in RATE_UNITS:
        return key if figure.change else None
    return key if figure.unit != "x" else None


def label_of(figure: Figure) -> str | None:
    """What the figure measures, as said: a table row's label, else the sentence's phrase."""
    if figure.row_path:
        return figure.row_path[-1]
    return figure.metric


def clause_of(text: str, figures: Sequence[Figure], figure: Figure) -> str:
    if figure.row_path or figure.source != "text":
        return " ".join((*figure.row_path, *figure.column_path))
    return figure_context(text, figures, figure)


def select(
    rows: Iterable[LedgerRow],
    company: str | None = None,
    metric: str | None = None,
    period: str | None = None,
    kind: str | None = None,
) -> list[LedgerRow]:
    """Rows of a company (name, ticker or part of the name, any case), a metric (a key, or a
    name that maps to one, or words of the label) and a period ("Q3 2021", "FY2021"), sorted by
    company, metric and period."""
    wanted_period = parse_period(period) if period else None
    wanted = metric_key(metric) if metric else None
    known = metric in METRIC_KEYS or (wanted or "").split("_")[0] in KEY_HEADS
    out = []
    for row in rows:
        if company and not names_company(row, company):
            continue
        if metric and not names_metric(row, metric, wanted, known):
            continue
        if period and (parse_period(row.period) != wanted_period or wanted_period is None):
            continue
        if kind and row.kind != kind:
            continue
        out.append(row)
    return sorted(out, key=lambda r: (r.company or "", r.metric or "", period_order(r.period)))


KEY_HEADS = frozenset(key.split("_")[0] for key in METRIC_KEYS)


def names_metric(row: LedgerRow, asked: str, wanted: str | None, known: bool) -> bool:
    """A metric of the vocabulary matches by key, its qualified forms too ("eps" takes
    eps_diluted); any other name matches the words of the row's label."""
    if known:
        key = asked if asked in METRIC_KEYS else wanted
        return bool(row.metric and (row.metric == key or row.metric.startswith(f"{key}_")))
    return bool(row.label and asked.lower() in row.label.lower())


def names_company(row: LedgerRow, asked: str) -> bool:
    asked = asked.strip().lower()
    if row.ticker and row.ticker.lower() == asked:
        return True
    return bool(row.company and asked in row.company.lower())


def period_order(label: str | None) -> float:
    parsed = parse_period(label)
    return parsed.ordinal() if parsed and parsed.year else float("inf")


def to_csv(rows: Iterable[LedgerRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LedgerRow.columns(), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in asdict(row).items()})
    return out.getvalue()


def to_dicts(rows: Iterable[LedgerRow]) -> list[dict]:
    return [asdict(row) for row in rows]
