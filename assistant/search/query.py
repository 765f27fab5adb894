"""What a question asks, worked out once: the resolved text (follow-ups rewritten), its
scope (companies, periods, documents), expanded terms, the query vector, the periods, units,
qualifiers and intents that rank figures. Retrieval and answering both read this object; neither
recomputes it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np

from assistant.documents.text import is_cjk
from assistant.errors import BadFilter
from assistant.search.phrases import question_pairs
from assistant.search.scope import Scope
from assistant.text.lexical import ordered_words, tokenize
from assistant.text.periods import period_spans, periods_in, without_periods, zh_periods_in
from assistant.vocabulary import (
    GUIDANCE_RE,
    QUALIFIER_GROUPS,
    QUESTION_TOKENS,
    ExpandedQuery,
    expand,
)

MONEY = {"CNY", "USD", "HKD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD"}


MAX_HISTORY = 5  # earlier turns a follow-up is read against


@dataclass(frozen=True)
class Turn:
    """One earlier question of the conversation, for follow-ups."""

    question: str
    filters: dict[str, str] | None = None


SECTION_ALIASES = {
    "qa": "qa",
    "q&a": "qa",
    "questions and answers": "qa",
    "questions": "qa",
    "prepared_remarks": "prepared_remarks",
    "prepared remarks": "prepared_remarks",
    "prepared": "prepared_remarks",
    "presentation": "prepared_remarks",
}


@dataclass(frozen=True)
class Filters:
    doc_id: str | None = None
    company: str | None = None
    period: str | None = None
    doc_type: str | None = None
    speaker: str | None = None
    role: str | None = None
    section: str | None = None

    @classmethod
    def from_mapping(cls, raw: dict[str, str] | None) -> Filters:
        if not raw:
            return cls()
        aliases = {"document": "doc_id", "doc": "doc_id", "type": "doc_type"}
        known = {f.name for f in fields(cls)}
        values: dict[str, str] = {}
        for key, value in raw.items():
            name = aliases.get(key, key)
            if name not in known:
                raise BadFilter(
                    f"unknown filter {key!r}",
                    hint=f"valid filters: {', '.join(sorted(known | set(aliases)))}",
                )
            if value is not None and str(value).strip():
                values[name] = str(value).strip()
        if "section" in values:
            section = SECTION_ALIASES.get(values["section"].lower())
            if section is None:
                raise BadFilter(
                    f"unknown section {values['section']!r}", hint="use prepared_remarks or qa"
                )
            values["section"] = section
        return cls(**values)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Query:
    question: str  # as asked (checked, white space collapsed)
    text: str  # what is searched: a follow-up rewritten as a full question
    filters: dict[str, str]
    scope: Scope
    expanded: ExpandedQuery
    dense_text: str
    lexical_terms: tuple[tuple[str, float], ...]  # BM25 terms: expanded, names left out
    vector: np.ndarray | None = field(repr=False, compare=False, default=None)
    periods: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    qualifiers: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()  # content words in order, for labels said word for word
    phrases: tuple[tuple[str, str], ...] = ()  # two-word terms, sought word for word
    change_intent: bool = False
    guidance_intent: bool = False
    asks_for_analyst: bool = False  # "which analyst asked ...": the answer is a question
    chinese: bool = False

    def full_years_asked(self) -> set[str]:
        """The years asked as whole years ("2024" of FY2024); none when guidance is asked,
        which every call of the year gives."""
        if self.guidance_intent:
            return set()
        return {p[2:] for p in self.periods if p.startswith("FY")}


FOLLOW_UP_RE = re.compile(
    r"^\s*(?:and|also|what about|how about|what of|same for|now for|then)\b[\s,]*", re.I
)
WH_START_RE = re.compile(
    r"^\s*(?:what|how|when|which|who|whom|why|where|is|are|was|were|did|does|do|can|could|"
    r"will|would|should|tell|list|show|give)\b",
    re.I,
)
ASKER_RE = re.compile(r"\b(?:which|what) analysts?\b|\bwho (?:asked|raised|questioned)\b", re.I)
CHANGE_INTENT_RE = re.compile(
    r"\b(grow|grew|growth|increase[ds]?|decline[ds]?|decrease[ds]?|change[ds]?|move[ds]?|rise|"
    r"rose|fall|fell|drop(?:ped)?|improve[ds]?|by how much|year[- ]over[- ]year|yoy|"
    r"expand(?:ed)?|contract(?:ed)?|widen(?:ed)?|narrow(?:ed)?|"
    r"quarter[- ]over[- ]quarter|qoq|sequential)\b|增長|增长|下降|變化|变化|成長",
    re.I,
)


# Question analysis --------------------------------------------------------------------------


def expected_units(question: str) -> set[str]:
    """The units an answer to `question` is likely to be in."""
    q = question.lower()
    if re.search(r"\bbps\b|basis points?|基點|基点", q):
        return {"bps"}
    if re.search(r"how long|how many (?:months|days)|duration|多久|多長", q):
        return {"months", "days"}
    if re.search(r"\bcoverage\b|\bleverage\b|\bmultiple\b|\bturns\b|to ebitda", q):
        # "interest coverage" is 3.2x; a "provision coverage ratio" is 255%
        return {"x", "%"} if re.search(r"\bratio\b", q) else {"x"}
    if re.match(
        r"\s*how much (?!(?:did|does|do|has|have|had|was|were|is|are|will|would|can|could|"
        r"should|might|may|must)\b)"
        r"(?!(?:\w+ ){0,2}(?:growth|increase|decrease|decline|change|improvement)\b)\w",
        q,
    ):
        return set(MONEY) | {"count"}  # "How much capital investment is load growth driving?"
    percent = re.search(
        r"by how much|what share|share of|as a share|what proportion|proportion of|"
        r"what percentage|as a percentage|percent|%|\bratio\b|\brate\b|"
        r"\breturn on\b|\bro(?:t?ce|e|a|ic|tc?e|te)\b|"
        r"margin|\bapr\b|yield|how did .* (?:change|move|grow|develop)|growth\b|grow\b|"
        r"expanded|expansion|contracted|contraction|"
        r"\b(?:did|does|do|will|to)\s+(?:\w+\s+){0,3}(?:expand|contract)\b|"
        r"widen|narrow|comparable|\bcomps?\b|\bup or down\b|\bdown or up\b|"
        r"same[- ]store|\bcoupons?\b|"
        r"increase|decline|decrease|佔比|占比|比例|率|百分",
        q,
    )
    if percent:
        if re.search(r"^\s*what (?:was|were|is|are)\b.*\band how\b", q):
            return {"%", "bps"} | MONEY  # "What was net income and how did it move?"
        return {"%", "bps"}
    if re.search(r"how many|number of|count|headcount|多少家|多少個|多少个|幾家|几家", q):
        return {"count"}
    return set(MONEY) | {"count"} if re.search(r"how much|多少|金額|金额", q) else set(MONEY)


def content_terms(question: str) -> set[str]:
    return {t for t in tokenize(question) if t not in QUESTION_TOKENS and not t.isdigit()}


def question_periods(question: str) -> set[str]:
    """Period labels a question asks figures for, with their years ("Q4 2024", "2024"). A
    period that names the call ("guidance given on its Q3 2022 call") chose the document; the
    figure asked for may be of another period, so it does not count here unless the question
    names no other."""
    spans = period_spans(question)
    figures = [p for _, end, p in spans if not CALL_AFTER_RE.match(question[end:])]
    calls = [p for _, _, p in spans]
    if not figures and calls and WHOLE_YEAR_RE.search(question):
        # "for the full year, according to its Q4 2023 call": the call's fiscal year.
        calls = [f"FY{p[-4:]}" for p in calls if p[-4:].isdigit()]
    found = set(figures or calls)
    found |= {p for _, p in zh_periods_in(question, None)}
    years = {p[-4:] for p in found if p[-4:].isdigit()}
    return found | years


def resolve_follow_up(question: str, history: Sequence[Turn]) -> tuple[str, Turn | None]:
    """Rewrite an elliptical follow-up as a full question using the previous one:
    "and in Q3?" after "What was Q4 net income?" asks "What was net income in Q3?";
    "what about first lien?" after "... the second lien allowance ..." asks about first lien.
    """
    if not history:
        return question, None
    previous = history[-1]
    elliptical = len(content_terms(question)) <= 2 and not WH_START_RE.match(question)
    if not (FOLLOW_UP_RE.match(question) or elliptical):
        return question, None
    rest = FOLLOW_UP_RE.sub("", question).strip(" ?")
    rest = re.sub(r"^(?:in|for|at|on|of|the)\s+", "", rest, flags=re.I)
    base = previous.question.strip()
    if periods_in(rest) or zh_periods_in(rest, None):
        return for_period(base, rest), previous
    words = rest.split()
    if 1 <= len(words) <= 4:
        # Replace the phrase of the same length that ends with the same head word.
        pattern = r"\b" + r"\s+".join([r"[\w-]+"] * (len(words) - 1) + [re.escape(words[-1])])
        replaced, count = re.subn(pattern + r"\b", lambda _: rest, base, count=1, flags=re.I)
        if count:
            return " ".join(replaced.split()), previous
    return " ".join(f"{base.rstrip(' ?')} {rest}?".split()), previous


PERIOD_WORDS_RE = re.compile(
    r"\b(?:in\s+|for\s+)?(?:the\s+)?(?:Q[1-4](?:\s+(?:19|20)\d{2})?|"
    r"(?:first|second|third|fourth)[- ]quarter(?:\s+(?:of\s+)?(?:19|20)\d{2})?|"
    r"FY\s?\d{2,4}|full[- ]year(?:\s+(?:19|20)\d{2})?|(?:19|20)\d{2})\b",
    re.I,
)


# A Chinese question's period: "2024年第四季度", "第四季", "2024年".
ZH_PERIOD_WORDS_RE = re.compile(r"(?:(?:19|20)\d{2}年)?第[一二三四]季度?|(?:19|20)\d{2}年度?")


def for_period(question: str, period: str) -> str:
    """The same question asked of another period: its own period words give way ("第四季度"
    too: a Chinese question takes the new period in front)."""
    base = PERIOD_WORDS_RE.sub(" ", question)
    if is_cjk(question):
        base = ZH_PERIOD_WORDS_RE.sub("", base)
        return " ".join(f"{period} {base}".split())
    return " ".join(f"{base.rstrip(' ?')} in {period}?".split())


QUALIFIER_PATTERNS = {
    key: re.compile("|".join(rf"(?<![\w-]){re.escape(p)}(?![\w-])" for p in phrases))
    for key, phrases in QUALIFIER_GROUPS.items()
}


@lru_cache(maxsize=65536)  # the same sentences are read for many questions
def qualifiers_of(text: str) -> frozenset[str]:
    """The figure qualifiers a text names (adjusted, GAAP, diluted, per share, ...)."""
    lowered = text.lower()
    found = {key for key, pattern in QUALIFIER_PATTERNS.items() if pattern.search(lowered)}
    if re.search(r"non[- ]gaap", lowered):
        found.discard("gaap")
    return frozenset(found)


def understand(retriever, question: str, filters=None, history: Sequence[Turn] = ()) -> Query:
    """The one analysis of a question that retrieval and answering share."""
    question = retriever.check_question(question)
    # Only the last turns, each cut to a question's length: an earlier message of any size
    # must not break the next one.
    limit = retriever.max_question_chars
    history = [
        Turn(" ".join(t.question.split())[:limit], t.filters) for t in history[-MAX_HISTORY:]
    ]
    text, previous = resolve_follow_up(question, history)
    filters = filters or Filters()
    if not filters.active and previous is not None and previous.filters:
        filters = Filters.from_mapping(previous.filters)
    if previous is not None:
        text = carry_company(retriever, question, text, previous)
    expanded = expand(text)
    guidance = bool(GUIDANCE_RE.search(text))
    scope = retriever.scope_of(text, filters, guidance)
    dense_text = retriever.dense_query(without_names(text, scope.named), expanded)
    content = searched_content(text, scope)
    vector = retriever.encoder.embed_query(dense_text) if dense_text else None
    return Query(
        question=question,
        text=text,
        filters={k: v for k, v in vars(filters).items() if v},
        scope=scope,
        expanded=expanded,
        dense_text=dense_text,
        lexical_terms=lexical_terms(content, scope, text, expanded),
        phrases=question_pairs(content),
        vector=vector,
        periods=frozenset(question_periods(text)),
        units=frozenset(expected_units(text)),
        terms=frozenset(content_terms(text) | {t for t, w in expanded.terms if w < 1.0}),
        qualifiers=qualifiers_of(text),
        words=ordered_words(without_names(text, scope.named)),
        change_intent=bool(CHANGE_INTENT_RE.search(text)),
        guidance_intent=guidance,
        asks_for_analyst=bool(ASKER_RE.search(text)),
        chinese=is_cjk(text),
    )


def searched_content(text: str, scope: Scope) -> str:
    """What BM25 looks for once the scope chose the documents: the question without the words
    that named the company and, when the documents are of the asked period, without the period
    and the call it names ("on its Q3 2022 call"); inside the scoped calls these only favour
    passages that repeat a name or a date. (The encoder keeps the period: "fourth quarter
    sales were" is closer to a Q4 question than "full-year sales were".)"""
    content = without_names(text, scope.named)
    if scope.active and scope.periods and not scope.period_uncovered:
        content = CALL_REFERENCE_RE.sub(" ", without_periods(content))
    return " ".join(content.split())


CALL_AFTER_RE = re.compile(r"\s+(?:earnings\s+)?(?:conference\s+)?call\b", re.I)
# A whole year asked of the call a question names ("for the full year, according to its Q4
# 2023 call"). Unlike text.periods.FULL_YEAR_RE it leaves out "annual", which beside a named
# call more often names a metric (annual recurring revenue) than the period.
WHOLE_YEAR_RE = re.compile(
    r"\b(?:full[- ]year|whole year|(?:for|over) the (?:full |whole |fiscal )?year)\b", re.I
)
CALL_REFERENCE_RE = re.compile(
    r"\b(?:on|in|during|at)\s+(?:its|the|their|this)\s+(?:earnings\s+)?(?:conference\s+)?call\b",
    re.I,
)


def lexical_terms(
    content: str, scope: Scope, text: str, expanded: ExpandedQuery
) -> tuple[tuple[str, float], ...]:
    """BM25 terms for the question's content (`expanded` is `text`'s expansion, reused when
    the content is the whole text); a lone letter (the "s" of "HD's") says nothing, nor do the
    tokens of the names that chose the documents."""
    dropped = {t for name in scope.named for t in tokenize(name)}
    terms = expanded.terms if content == text else expand(content).terms
    return tuple(
        (term, weight)
        for term, weight in terms
        if term not in dropped and not (len(term) == 1 and term.isascii() and term.isalpha())
    )


def without_names(text: str, names: Sequence[str]) -> str:
    """The question without the words that named its company: scope already chose the
    documents, and a ticker or name only adds noise to the vector."""
    for name in names:
        text = re.sub(re.escape(name) + r"(?:'s|’s)?", " ", text)
    return " ".join(text.split())


def carry_company(retriever, question: str, text: str, previous: Turn) -> str:
    """ "what about Citi?" after a question on another company asks the same of Citi: the
    company the follow-up names replaces the one the earlier question named."""
    now, now_named = retriever.catalog.find(question, retriever.is_ordinary_word)
    before, before_named = retriever.catalog.find(previous.question, retriever.is_ordinary_word)
    if not now or not before_named or {c.key for c in now} == {c.key for c in before}:
        return text
    replaced = previous.question
    for name in before_named:
        replaced = replaced.replace(name, now_named[0])
    periods = periods_in(question) or zh_periods_in(question, None)
    if periods:
        return for_period(replaced, periods[0][1])
    return " ".join(replaced.split())
