"""Every word list, one home per kind: finance shorthand expanded in questions (`expansion`),
company-name words (`companies`), the metric vocabulary of the ledger and of figure labels
(`metrics`), and the words of questions themselves (`questions`). A list's words are written
as the tokenizer that compares them writes them (checked in tests/test_vocabulary.py)."""

from __future__ import annotations

from assistant.vocabulary.companies import FINANCE_ACRONYMS, LEGAL_SUFFIXES, NOT_COMPANY_WORDS
from assistant.vocabulary.expansion import GROUPS, ExpandedQuery, expand
from assistant.vocabulary.metrics import (
    LOSS_NAMES,
    METRIC_CHANGING_WORDS,
    METRIC_KEYS,
    METRIC_LEADING_WORDS,
    METRIC_NAMES,
    MONEY_METRIC_TOKENS,
    NOT_METRIC_WORDS,
    QUALIFIER_GROUPS,
    RATE_KEYS,
)
from assistant.vocabulary.questions import (
    CALENDAR_WORDS,
    CJK_QUESTION_PAIRS,
    GUIDANCE_RE,
    QUESTION_TOKENS,
    QUESTION_WORDS,
    may_guide,
)

__all__ = [
    "CALENDAR_WORDS",
    "CJK_QUESTION_PAIRS",
    "FINANCE_ACRONYMS",
    "GROUPS",
    "GUIDANCE_RE",
    "LEGAL_SUFFIXES",
    "LOSS_NAMES",
    "METRIC_CHANGING_WORDS",
    "METRIC_KEYS",
    "METRIC_LEADING_WORDS",
    "METRIC_NAMES",
    "MONEY_METRIC_TOKENS",
    "NOT_COMPANY_WORDS",
    "NOT_METRIC_WORDS",
    "QUALIFIER_GROUPS",
    "QUESTION_TOKENS",
    "QUESTION_WORDS",
    "RATE_KEYS",
    "ExpandedQuery",
    "expand",
    "may_guide",
]
