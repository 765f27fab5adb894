"""The companies and documents a question can name: each company under its name, aliases and
ticker (grouped whatever their spelling), each document's company and periods, and the
nearest names for a question that names none of them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from assistant.text.periods import parse_period
from assistant.vocabulary import NOT_COMPANY_WORDS

POSSESSIVE = r"(?:'s|’s|'|’)?"
TICKER_TOKEN_RE = re.compile(r"(?<![\w$])([A-Za-z]{1,5}(?:\.[A-Z])?)(?:'s|’s)?(?![\w])")
# A capital letter after these words mid-sentence names something ("does A expect", "did A
# report"): the article would be lower case there.
LETTER_NAME_BEFORE_RE = re.compile(
    r"\b(?:does|did|do|will|would|can|could|should|has|had|have|is|was|were|are)\s+$"
)
SENTENCE_START_RE = re.compile(r"(?:^|[.?!]\s+)$")


@dataclass(frozen=True)
class CompanyEntry:
    key: str
    name: str
    ticker: str | None
    aliases: tuple[str, ...]
    doc_ids: tuple[str, ...]


class DocumentFacts(Protocol):
    """What scope needs of an indexed document (a store's DocumentRecord has it)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def company(self) -> str | None: ...
    @property
    def ticker(self) -> str | None: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def period(self) -> str | None: ...


def named_by(wanted: str, forms: Iterable[str | None]) -> bool:
    """Whether a company filter value is one of a company's names (case-insensitive)."""
    return wanted.strip().lower() in {f.lower() for f in forms if f}


class Catalog:
    """The companies of an index and the forms that name them; built once per snapshot."""

    def __init__(self, docs: Iterable[DocumentFacts]) -> None:
        docs = list(docs)
        self.companies: dict[str, CompanyEntry] = {}
        for key, members in company_groups(docs).items():
            names = [m.company for m in members if m.company]
            aliases: list[str] = []
            for m in members:
                for form in (m.company, *m.aliases):
                    if form and form not in aliases:
                        aliases.append(form)
            ticker = next((m.ticker for m in members if m.ticker), None)
            self.companies[key] = CompanyEntry(
                key=key,
                name=display_of(names) if names else (ticker or key),
                ticker=ticker,
                aliases=tuple(aliases),
                doc_ids=tuple(m.doc_id for m in members),
            )
        self.by_ticker = {c.ticker.upper(): c for c in self.companies.values() if c.ticker}
        self.doc_periods = {d.doc_id: parse_period(d.period) for d in docs}
        # Periods each document states figures for besides its own (comparative columns).
        self.doc_stated = {
            d.doc_id: [p for label in getattr(d, "covers", ()) if (p := parse_period(label))]
            for d in docs
        }
        # Compiled once per snapshot, longest alias first, not once per question.
        self.alias_patterns = [
            (alias, alias_pattern(alias), c)
            for alias, c in sorted(
                (
                    (alias, c)
                    for c in self.companies.values()
                    for alias in c.aliases
                    if len(alias) >= 3 and alias.lower() not in NOT_COMPANY_WORDS
                ),
                key=lambda item: -len(item[0]),
            )
        ]

    def find(self, question: str, is_ordinary_word) -> tuple[list[CompanyEntry], list[str]]:
        """Companies the question names, and the spans of text that named them."""
        found: list[CompanyEntry] = []
        spans: list[tuple[int, int]] = []
        for alias, pattern, company in self.alias_patterns:
            single = len(alias.split()) == 1
            for m in pattern.finditer(question):
                if any(s < m.end() and m.start() < e for s, e in spans):
                    continue
                if (
                    single
                    and SENTENCE_START_RE.search(question[: m.start()])
                    and not (m.group(0).endswith(("'s", "’s")) or alias[1:2].isupper())
                ):
                    continue  # "Medical office demand ..." at a sentence start
                spans.append(m.span())
                if company not in found:
                    found.append(company)
        for m in TICKER_TOKEN_RE.finditer(question):
            if any(s < m.end() and m.start() < e for s, e in spans):
                continue
            token = m.group(1)
            company = self.by_ticker.get(token.upper())
            if company is None:
                continue
            possessive = m.group(0) != token
            if token.isupper():
                if (
                    len(token) == 1
                    and not possessive
                    and not LETTER_NAME_BEFORE_RE.search(question[: m.start()])
                ):
                    continue  # "A" is an article unless "A's" or "does A expect"
            elif len(token) < 3 or is_ordinary_word(token.lower()):
                continue
            spans.append(m.span())
            if company not in found:
                found.append(company)
        return found, [question[s:e] for s, e in spans]

    def nearest_companies(self, name: str, n: int = 3) -> list[str]:
        names = {c.name: c for c in self.companies.values()}
        forms = {alias.lower(): c.name for c in self.companies.values() for alias in c.aliases}
        forms.update({(c.ticker or "").lower(): c.name for c in self.companies.values()})
        close = difflib.get_close_matches(name.lower(), list(forms), n=n * 2, cutoff=0.6)
        out = list(dict.fromkeys(forms[c] for c in close))
        return out[:n] or sorted(names)[:n]


def alias_pattern(alias: str) -> re.Pattern[str]:
    """A one-word alias that is also a word must be written as it is spelt ("Medical", not
    "medical"); longer ones, acronyms and names no word is spelt like ("eBay",
    "McDONALD’S") in any case. Apostrophes are either kind, and the words of a name may be
    run together or spaced ("JPMorgan Chase", "JPMorganChase")."""
    single = len(alias.split()) == 1
    distinctive = alias.isupper() or any(c.isupper() for c in alias[1:])
    flags = 0 if single and not distinctive else re.I
    words = [re.sub("['’]", "['’]", re.escape(w)) for w in alias.split()]
    body = r"\s*".join(words)
    return re.compile(rf"(?<![\w]){body}{POSSESSIVE}(?![\w])", flags)


def name_key(name: str) -> str:
    """A name as the registry compares it: case, spacing, "&"/"and", apostrophes, legal
    suffixes and possessives aside ("JPMorganChase" and "JPMorgan Chase & Co." agree)."""
    from assistant.documents.identity import display_name

    short = display_name(name.replace("’", "'"))
    return re.sub(r"[^a-z0-9]+", "", short.lower().replace("&", "and"))


def company_groups(docs: list[DocumentFacts]) -> dict[str, list[DocumentFacts]]:
    """Documents of one company together: they share a ticker, or a name or alias reads the
    same once case, spacing and suffixes are set aside."""
    parent = list(range(len(docs)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    seen: dict[str, int] = {}
    for k, doc in enumerate(docs):
        names = [name_key(doc.company)] if doc.company else []
        names += [key for alias in doc.aliases if len(key := name_key(alias)) >= 4]
        keys = [f"t:{doc.ticker.upper()}"] if doc.ticker else []
        keys += [f"n:{name}" for name in names if name]
        for key in keys:
            if key in seen:
                parent[root(k)] = root(seen[key])
            else:
                seen[key] = k
    groups: dict[int, list[DocumentFacts]] = {}
    for k, doc in enumerate(docs):
        if doc.ticker or doc.company:
            groups.setdefault(root(k), []).append(doc)
    return {company_key(members[0]): members for members in groups.values()}


def display_of(names: list[str]) -> str:
    """The name a company is shown by: the spelling most of its documents use, readable
    capitals first ("McDonald's" over "McDONALD’S")."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: (not re.search(r"[a-z][A-Z]{3,}", n), counts[n]))


def company_key(doc: DocumentFacts) -> str:
    if doc.ticker:
        return doc.ticker.upper()
    if doc.company:
        return re.sub(r"[^a-z0-9]+", " ", doc.company.lower()).strip()
    return ""
