"""The words of questions rather than of what they ask about: question and calendar words,
guidance words, and the Chinese question pairs."""

from __future__ import annotations

import re

from assistant.text.lexical import tokenize

# Words that mark a figure as an expectation rather than a result (questions and sentences
# alike); "will be $1.2 billion" and "we see" are forward-looking too.
GUIDANCE_WORDS: tuple[str, ...] = (
    "guidance",
    "guide",
    "guiding",
    "guided",
    "outlook",
    "expect",
    "expects",
    "expected",
    "expecting",
    "anticipate",
    "anticipates",
    "anticipated",
    "anticipating",
    "forecast",
    "forecasts",
    "forecasting",
    "we project",
    "projected",
    "projecting",
    "target",
    "targets",
    "targeting",
    "targeted",
    "we see",
    "now see",
    "estimate",
    "we estimate",
    "estimated to",
    "will be",
    "will result",
    "will incur",
    "will come in",
    "will range",
    "aspire",
    "aspires",
    "aspiration",
)
GUIDANCE_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in GUIDANCE_WORDS) + r")\b|\bguid\w*", re.I
)
# GUIDANCE_RE's words as a text's lower-cased letters, joined by single spaces, say them.
GUIDANCE_SAID = tuple(f" {w} " for w in GUIDANCE_WORDS)
LETTERS_RE = re.compile(r"[a-z]+")


def may_guide(text: str) -> bool:
    """False only when GUIDANCE_RE cannot match: substring tests, a fraction of the pattern's
    time on the four passages in five that say none of its words."""
    lowered = text.lower()
    if "guid" in lowered:
        return True
    spaced = f" {' '.join(LETTERS_RE.findall(lowered))} "
    return any(said in spaced for said in GUIDANCE_SAID)


# Question words: what a question asks with, never what it asks about.
QUESTION_WORDS = frozenset(
    {
        "what",
        "how",
        "when",
        "why",
        "which",
        "who",
        "where",
        "much",
        "many",
        "did",
        "does",
        "was",
        "were",
        "is",
        "are",
        "the",
        "a",
        "an",
        "of",
        "in",
        "for",
        "to",
        "and",
        "on",
        "at",
        "by",
        "company",
        "their",
        "its",
        "it",
        "they",
        "we",
        "our",
        "do",
        "there",
        "has",
        "have",
        "about",
        "tell",
        "me",
        "say",
        "said",
        "give",
        "show",
        "amount",
        "figure",
        "number",
    }
)
# Words that say when, not what: a question's two-word term never includes one ("year over
# year", "full year", "fourth quarter" name no metric). In the form phrases.phrase_word
# leaves them (no plural "s").
CALENDAR_WORDS = frozenset(
    """year quarter month week day annual annually quarterly fiscal full half over yoy ended
    end period sequential sequentially first second third fourth last next prior current
    date today""".split()
)

# The same words as the tokenizer leaves them, for sets of tokens ("figure" is "figur").
QUESTION_TOKENS = frozenset(t for word in QUESTION_WORDS for t in tokenize(word))

CJK_QUESTION_PAIRS = frozenset(
    "多少 是多 是什 什么 什麼 么的 的是 为什 為什 如何 怎么 怎麼 哪些 有多 了多 少?".split()
)
