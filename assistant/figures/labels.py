"""What a figure measures, from the words around it: the subject of its clause or the name
after it, cut to a sensible label, and whether its clause says it rose or fell."""

from __future__ import annotations

import re

from assistant.text.periods import MONTHS

INCREASE_WORDS = (
    r"increase[ds]?|increasing|grew|grow(?:s|ing|th)?|rose|rise[sn]?|rising|up|higher|expand(?:ed|s)?|"
    r"gain(?:ed|s)?|climb(?:ed|s)?|jump(?:ed|s)?|surge[ds]?|accelerat(?:ed|es)|added"
)
DECREASE_WORDS = (
    r"decrease[ds]?|decreasing|decline[ds]?|declining|fell|fall(?:s|en|ing)?|down|lower|"
    r"drop(?:ped|s)?|reduc(?:e|ed|es|ing|tion)|shrank|contract(?:ed|ion)|cut|narrow(?:ed|s)?|"
    r"slow(?:ed|s)"
)
CHANGE_EN_RE = re.compile(
    rf"\b(?P<inc>{INCREASE_WORDS})\b|\b(?P<dec>{DECREASE_WORDS})\b|\b(?P<imp>improve[ds]?|improving|"
    r"improvement)\b|\b(?P<wor>worsen(?:ed|s)?|deteriorat(?:ed|es|ion))\b",
    re.I,
)
CLAUSE_BREAK_RE = re.compile(r"[;:,()。,;:]|\bwhile\b|\bwhich\b|\bwith\b|\bcompared\b", re.I)
LINK_TAIL_RE = re.compile(
    r"(?:\s+|^)(?:or|and|versus|vs\.?|compared to|compared with|than|"
    r"was|were|is|are|be|been|being|now|stood|stands|stand|reached|reaching|"
    r"came in|totaled|totalled|amounted|amounting|of|at|to|by|from|in|on|for|as|"
    r"approximately|about|around|roughly|nearly|almost|over|more than|in excess of|below|under|"
    r"up|down|negative|minus|ended|ending|closed|finished|"
    r"remains?|remained|sufficient|decreased|increased|declined|grew|rose|fell|dropped|"
    r"improved|expanded|representing|represents|represented|accounted for|hit|"
    r"recorded|reported|delivered|generated|achieved|maintained|kept|stayed|continued|"
    r"another|further|additional|a further|an additional|will|would|should|could|may|"
    # "reducing our starts guidance to a range of": the range is where the figure goes.
    r"a range|the range|range|"
    rf"growing|increasing|declining|decreasing|{INCREASE_WORDS}|{DECREASE_WORDS})\s*$",
    re.I,
)
LEADING_NOISE_RE = re.compile(
    r"^(?:(?:and|but|so|also|then|our|the|its|their|this|that|these|those|total|a|an|we|"
    r"while|whereas|with|of|as|in|on|for|during|overall|meanwhile|additionally|"
    r"furthermore|moreover|however)\s+)+",
    re.I,
)
PERIOD_WORDS_RE = re.compile(
    rf"^(?:q[1-4]|quarter|the quarter|year|fiscal|full|first|second|third|fourth|{MONTHS})\b",
    re.I,
)
METRIC_STOP = {
    "and",
    "or",
    "to",
    "in",
    "the",
    "year",
    "over",
    "from",
    "at",
    "by",
    "of",
    "for",
    "as",
    "with",
    "on",
    "per",
    "this",
    "that",
    "which",
}
LABEL_FILLER = frozenset(
    """least most back averaging average about around roughly nearly almost over under than
    more less compared versus from into onto upon also just only still even well then there
    here this that these those which what when where while with without within range ranged
    ranging between record that's it's there's here's what's we're we've we'll they're you're
    the and for but are was were has had have been being will would can could our its their
    his her you your not nor yet
    significantly slightly approximately roughly largely mostly primarily partially materially
    substantially modestly positive negative general generally
    thousand million billion trillion percent""".split()
)
CHANGE_WORD_RE = re.compile(rf"(?:{INCREASE_WORDS}|{DECREASE_WORDS})", re.I)
TRAILING_WORDS = LABEL_FILLER | {"to", "of", "in", "at", "by", "on", "as", "a", "an"}
MODIFIER_PREPOSITIONS = {"for", "of", "in", "across", "at"}
PRONOUNS = {"we", "it", "they", "this", "that", "which", "i", "you", "he", "she", "there"}
VERBS = {
    "expect",
    "expects",
    "expected",
    "expecting",
    "anticipating",
    "projecting",
    "guiding",
    "approved",
    "announced",
    "declared",
    "invested",
    "shipped",
    "repurchased",
    "reported",
    "recorded",
    "delivered",
    "deliver",
    "delivering",
    "achieve",
    "achieving",
    "generated",
    "resulting",
    "leading",
    "bringing",
    "achieved",
    "another",
    "now",
    "plan",
    "plans",
    "target",
    "targets",
    "see",
    "saw",
    "had",
    "has",
    "have",
}
# Verbs that name a thing when they close a noun phrase ("savings target", "capital plan").
NOUN_OR_VERB = {"plan", "plans", "target", "targets"}
CHANGE_PHRASES = {
    "year-on-year",
    "year over year",
    "year-over-year",
    "quarter-over-quarter",
    "quarter over quarter",
    "sequentially",
    "yoy",
    "qoq",
}
METRIC_MAX_WORDS = 8
METRIC_NAME_AFTER_RE = re.compile(
    r"^[\s-]*(?:days?\s+|months?\s+)?(?:delinquency|delinquent|dpd|fpd|past[- ]due|overdue|"
    r"ratio|rate|default|vintage|mob|\+)",
    re.I,
)
METRIC_NAME_BEFORE_RE = re.compile(r"\b(?:over|fpd|dpd|day|mob|m)\s*$", re.I)


# How far a sentence is looked for on either side of a figure; chunks are shorter than
# this, so it only bounds the work on text that never passed through the chunker.
SENTENCE_WINDOW = 2000


def sentence_bounds(text: str, position: int) -> tuple[int, int]:
    floor = max(0, position - SENTENCE_WINDOW)
    ceiling = min(len(text), position + SENTENCE_WINDOW)
    start = max(
        text.rfind(". ", floor, position),
        text.rfind("? ", floor, position),
        text.rfind("! ", floor, position),
    )
    start = floor if start < 0 else start + 2
    ends = [
        i
        for i in (text.find(". ", position, ceiling), text.find("? ", position, ceiling))
        if i >= 0
    ]
    return start, (min(ends) + 1 if ends else ceiling)


DATE_COMMA_RE = re.compile(rf"((?:{MONTHS})\.?\s+\d{{1,2}}),(\s+(?:19|20)\d{{2}})", re.I)


def clauses_before(text: str, start: int, sentence_start: int) -> list[str]:
    """The clauses of the sentence up to the figure; a date's comma does not split."""
    head = DATE_COMMA_RE.sub(lambda m: f"{m.group(1)} {m.group(2)}", text[sentence_start:start])
    parts: list[str] = []
    last = 0
    for m in CLAUSE_BREAK_RE.finditer(head):
        parts.append(head[last : m.start()])
        last = m.start() if m.group(0)[0].isalpha() else m.end()
    parts.append(head[last:])
    return parts


def subject_clause(clauses: list[str]) -> str | None:
    """When the figure's own clause has no noun, the subject is before an appositive
    ("our cash position, which includes cash, ..., was RMB4.1 billion")."""
    earlier = clauses[:-1]
    for k, clause in enumerate(earlier):
        if re.match(r"\s*(?:which|that|including|includes|such as)\b", clause, re.I) and k > 0:
            return earlier[k - 1]
    return earlier[-1] if earlier else None


PERIOD_PHRASE_RE = re.compile(
    rf"\b(?:as of|as at|at|in|for|during|of|from|by|on)?\s*(?:the\s+)?"
    rf"(?:year[- ]end|quarter[- ]end|"
    rf"end of the (?:quarter|year)|(?:first|second|third|fourth)[- ]quarter|q[1-4]|"
    rf"(?:full[- ]year|fiscal(?: year)?|fy)\s*(?:19|20)?\d{{2}}|"
    rf"(?:{MONTHS})\.?\s+\d{{1,2}},?\s*(?:(?:19|20)\d{{2}})?|(?:19|20)\d{{2}}|"
    rf"(?:the\s+)?(?:year|years|quarter|quarters) ended|(?:this|the|that)\s+(?:quarter|period)|"
    rf"(?:prior|previous|last|same)[- ](?:year|quarter|period)(?:'s)?(?:\s+(?:quarter|period))?"
    rf"(?:\s+(?:of\s+)?last\s+year)?)(?:\s+(?:19|20)\d{{2}})?",
    re.I,
)


def clean_metric(phrase: str) -> str | None:
    phrase = PERIOD_PHRASE_RE.sub(" ", phrase)
    phrase = re.sub(r"\b(?:from|between)\s+(?:to|and)\b", " ", phrase)  # figures taken out
    phrase = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", phrase)
    phrase = re.sub(r"[^\w&'’\- /]", " ", phrase)
    phrase = " ".join(phrase.split())
    previous = None
    while phrase and phrase != previous:
        previous = phrase
        phrase = LINK_TAIL_RE.sub("", phrase).strip()
        phrase = LEADING_NOISE_RE.sub("", phrase).strip()
    words = phrase.split()
    # "board approved a cash dividend" -> "cash dividend": keep what follows the last article
    # or verb, since the metric is the noun phrase nearest the number; when that is no name
    # ("organic revenue growth is expected to be in the range of"), the subject before it.
    for k in range(len(words) - 1, -1, -1):
        lowered = words[k].lower()
        if k > 0 and words[k - 1].lower() in MODIFIER_PREPOSITIONS:
            continue  # "same-store sales for our international business": one name
        if (
            lowered in NOUN_OR_VERB
            and 0 < k == len(words) - 1
            and words[k - 1].lower() not in PRONOUNS
        ):
            continue  # "our cumulative savings target of $850 million": a noun here
        if lowered in {"a", "an", "the", "our", "its", "their"} or (
            lowered in VERBS
            or (lowered.endswith("ed") and len(lowered) > 4 and k > 0)
            or (k > 0 and CHANGE_WORD_RE.fullmatch(lowered))
            or (k > 0 and SUBJECT_END_RE.match(lowered))
        ):
            after, subject = words[k + 1 :], subject_words(words[:k])
            if SUBJECT_END_RE.match(lowered) and subject and sensible_label(subject):
                words = subject  # "comparable sales were strong": the subject is the name
            else:
                words = after if after and sensible_label(after) else subject
            break
    words = LEADING_NOISE_RE.sub("", " ".join(words)).split()  # "increase [of in our] dividend"
    words = without_trailing_links(words)  # "revenue to range" -> "revenue"
    if not words or all(w.lower() in PRONOUNS for w in words):
        return None
    if words[0].lower() in PRONOUNS:
        return None
    # A long label is cut to its first words, and never left ending on a link word ("earnings
    # in [this challenging macro environment]").
    words = without_trailing_links(words[:METRIC_MAX_WORDS])
    if not sensible_label(words):
        return None
    if all(re.fullmatch(r"[\d.,%]+", w) for w in words) or (
        len(words) == 1 and words[0].lower() in METRIC_STOP | {"including", "addition", "solid"}
    ):
        return None
    return (
        " ".join(words).lower()
        if not any(w.isupper() and len(w) > 1 for w in words)
        else (" ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in words))
    )


def without_trailing_links(words: list[str]) -> list[str]:
    """The words up to the last one that can end a name ("life of an" -> "life")."""
    while words and words[-1].lower() in TRAILING_WORDS:
        words = words[:-1]
    return words


SUBJECT_END_RE = re.compile(
    r"^(?:is|are|was|were|be|been|will|would|should|could|has|have|had)$", re.I
)


def subject_words(words: list[str]) -> list[str]:
    """The words before the first finite verb, with trailing link words cut."""
    for k, word in enumerate(words):
        if SUBJECT_END_RE.match(word) or word.lower() in VERBS or CHANGE_WORD_RE.fullmatch(word):
            words = words[:k]
            break
    phrase = " ".join(words)
    previous = None
    while phrase and phrase != previous:
        previous = phrase
        phrase = LINK_TAIL_RE.sub("", phrase).strip()
        phrase = LEADING_NOISE_RE.sub("", phrase).strip()
    return phrase.split()


def sensible_label(words: list[str]) -> bool:
    """A label names something: it has a content word of three letters or more that is not a
    function word, a period word or a bound ("at least", "year averaging", "back in march")."""
    content = [
        w
        for w in words
        if len(w) >= 3
        and re.match(r"^[A-Za-z]", w)
        and w.lower() not in LABEL_FILLER
        and not PERIOD_WORDS_RE.match(w)
    ]
    return bool(content) and not re.match(r"^[-'’]", words[0])


def metric_after(text: str, end: int, unit: str) -> str | None:
    """`63 financial partners`, `RMB151 million in research`: the noun after the number."""
    tail = text[end : end + 80]
    m = re.match(
        r"\s*(?:in|on|for|of)\s+([A-Za-z][\w\-]*(?:\s(?:[A-Za-z][\w\-]*|\d{1,2}\b)){0,3}?)"
        r"(?=\s?[,.;]|\s+(?:and|to|as|from|in|during|compared|which|while|at|by|versus|vs|or|"
        r"than|up|down)\b|\s?$)",
        tail,
    )
    if m and not PERIOD_WORDS_RE.match(m.group(1)):
        return clean_metric(m.group(1))
    if unit != "count":
        return None
    m = re.match(r"\s*([a-z][a-z\-]+(?:\s+[a-z][a-z\-]+){0,3})", tail)
    if m:
        words = []
        for w in m.group(1).split():
            if w.lower() in METRIC_STOP or w.endswith("ed"):
                break
            words.append(w)
        return " ".join(words).lower() or None
    return None


RATE_AFTER_RE = re.compile(
    r"\s*((?:[A-Za-z][\w\-/]*\s+){0,3}?"
    r"(?:ratio|margin|rate|return|yield|share|payout|utilization|occupancy|growth|"
    r"ro(?:t?ce|e|a|ic)|notes|bonds|debentures))\b(?:\s+due\s+((?:19|20)\d{2})\b)?",
    re.I,
)


def rate_named_after(text: str, end: int) -> str | None:
    """A percentage before the rate it is ("a 13.4% CET1 capital ratio", "a 25% operating
    margin") or the coupon of the notes it names: the words up to the rate's name, none of
    them a link word."""
    m = RATE_AFTER_RE.match(text, end)
    if not m or any(w.lower() in METRIC_STOP for w in m[1].split()):
        return None
    name = clean_metric(m[1])
    # "its 5.450% Medium-Term Notes due 2053": the coupon of notes named by their maturity
    return f"{name} due {m[2]}" if name and m[2] else name


CHANGE_FILLER = (
    r"(?:\s+(?:by|approximately|about|around|roughly|nearly|almost|some|over|more than))*"
)
CHANGE_BEFORE_RE = re.compile(
    r"\b(?:increas\w*|decreas\w*|gr[eo]w\w*|rose|ris\w*|fell|declin\w*|improv\w*|"
    r"expand\w*|up|down|higher|lower|by)" + CHANGE_FILLER + r"(?:\s+[-+]?[\d.,]+%?\s+or)?\s*$",
    re.I,
)


def detect_change(clause: str) -> str | None:
    last = None
    for m in CHANGE_EN_RE.finditer(clause):
        last = m
    if last is None:
        return None
    if last.group("inc"):
        return "increase"
    if last.group("dec"):
        return "decrease"
    if last.group("imp"):
        return "improvement"
    return "deterioration"


# An amount followed by "of <what>" names itself ("$20.1 billion of revenues"), not "$5
# billion of which" or "of the quarter".
OF_AFTER_RE = re.compile(r"\s+of\s+(?!which\b|the\b|this\b|that\b|these\b|those\b|it\b)")
# A clause that breaks a whole into parts: each part is named by what follows it.
BREAKDOWN_RE = re.compile(
    r"\b(?:compris\w*|consist\w*|made up of|broken down|split (?:between|into)|of which)\b", re.I
)
