"""Who speaks in a call: a person's name and title as the layouts write them (`Name - Title`,
`Name -- Title`, a name line over a `Company - Title` line, `Name:`), their firm, and their
role (management, analyst, operator)."""

from __future__ import annotations

import re
from collections import Counter

from assistant.documents.model import Role
from assistant.documents.text import collapse
from assistant.documents.transcript_lines import SLIDE_RE

DASH_RE = re.compile(r"^(?P<name>\S.{0,70}?)\s+(?:--|-|–|—)\s+(?P<rest>\S.{0,160})$")
NAME_TOKEN_RE = re.compile(
    r"^(?:\[?[A-Z][\w'’.\-]*\]?,?|[A-Z]\.|de|da|van|von|der|del|bin|al|la|le)$"
)
OPERATOR_RE = re.compile(r"^\s*(operator|moderator|coordinator|conference operator)\s*:?\s*$", re.I)
# `JANE FRASER: Thank you, Jenn, ...`: an upper-case name and a colon open the turn.
COLON_SPEAKER_RE = re.compile(
    r"^(?P<name>[A-Z][A-Z.'’\-]+(?:\s[A-Z][A-Z.'’\-]*){0,3}):\s*(?P<rest>\S.*)?$"
)
# `Flora Bocahut, Jefferies` or `Benjamin Goy; Deutsche Bank`: an analyst and the firm.
NAME_FIRM_RE = re.compile(r"^(?P<name>[^,;:]{3,40}?)\s*[,;]\s*(?P<firm>[A-Z][^.?!:]{1,50})$")
# Capitalised words that make a heading, not a person ("Global Wealth Management").
NOT_NAME_WORDS = {
    "management",
    "wealth",
    "banking",
    "bank",
    "group",
    "results",
    "quarter",
    "capital",
    "markets",
    "investment",
    "asset",
    "assets",
    "global",
    "financial",
    "operating",
    "revenue",
    "outlook",
    "summary",
    "highlights",
    "overview",
    "remarks",
    "session",
    "presentation",
    "review",
    "conference",
    "call",
    "earnings",
    "transcript",
    "slide",
    "page",
    "key",
    "messages",
    "corporate",
    "personal",
    "business",
    "income",
    "net",
    "total",
    "core",
}
# "Speeches by Sergio P. Ermotti, Group Chief Executive Officer, and Sarah Youngwood, ...".
TITLED_NAME_RE = re.compile(
    r"(?:\bby|\band|,)\s+(?P<name>[A-Z][\w.'’\-]+(?:\s[A-Z][\w.'’\-]+){1,3}),\s+"
    r"(?P<title>(?:Group\s+|Global\s+)?(?:Chief|President|Head|Chair)[\w ]{2,60}?"
    r"(?:Officer|President|Relations|Chairman|Chair))\b"
)

MANAGEMENT_WORDS = re.compile(
    r"\b(chief|officer|ceo|cfo|coo|cro|cto|president|chair|chairman|chairwoman|director|head|"
    r"investor relations|ir|vice|vp|svp|evp|treasurer|controller|founder|secretary|manager|"
    r"executive|partner|general counsel|spokesperson|company representative)\b",
    re.I,
)
ANALYST_WORDS = re.compile(r"\banalyst\b|\bresearch\b", re.I)


def person_name(text: str) -> bool:
    """A person's name as a line of its own: two to four name words, none of them a word
    that makes a heading."""
    tokens = text.split()
    return (
        2 <= len(tokens) <= 4
        and not text.isupper()  # name lines are in title case; "ORACLE CORPORATION" is not one
        and is_name(text)
        and not any(t.lower().strip(".,") in NOT_NAME_WORDS for t in tokens)
        and not MANAGEMENT_WORDS.search(text)
        and not ANALYST_WORDS.search(text)
    )


def colon_speaker(line: str) -> tuple[str, str] | None:
    """`MARK MASON: text` as (name, text); the name in title case."""
    match = COLON_SPEAKER_RE.match(line)
    if not match or len(match["name"]) > 40:
        return None
    name = match["name"].title()
    if name.lower() not in ("operator",) and not any(len(t) > 1 for t in name.split()):
        return None
    return name, (match["rest"] or "").strip()


def name_lines(lines: list[str]) -> dict[str, str | None]:
    """Speaker lines of layouts that print only a name (management) or `Name, Firm`
    (analysts) above each turn: a name counts when it heads two turns or more, or carries a
    firm where several others do. Maps each such line to the analyst's firm (None for a
    bare name)."""
    bare: Counter[str] = Counter()
    with_firm: dict[str, str] = {}
    for raw in lines:
        line = collapse(raw)
        if not line or len(line) > 70:
            continue
        match = NAME_FIRM_RE.match(line)
        if match and person_name(match["name"]) and len(match["firm"].split()) <= 6:
            with_firm[line] = match["firm"].strip()
        elif person_name(line):
            bare[line] += 1
    found: dict[str, str | None] = {line: None for line, n in bare.items() if n >= 2}
    if len(with_firm) >= 3:
        found.update(with_firm)
    return found


def is_name(text: str) -> bool:
    tokens = text.split()
    if not 1 <= len(tokens) <= 6 or (
        text.endswith((".", "?", "!", ",")) and not text.endswith(("Jr.", "Sr."))
    ):
        return False
    return all(NAME_TOKEN_RE.match(t) for t in tokens)


def clean_name(name: str) -> str:
    return collapse(name.replace("[", "").replace("]", "")).rstrip(",")


def dash_parts(line: str) -> tuple[str, list[str]] | None:
    """Split `Name - Title` (or `Name -- Firm -- Title`) when it reads as a speaker line."""
    stripped = collapse(line)
    if len(stripped) > 180:
        return None
    match = DASH_RE.match(stripped)
    if not match:
        return None
    name, rest = match["name"], match["rest"]
    if not is_name(name) or rest.endswith(("?", "!")) or len(rest.split()) > 16:
        return None
    if rest[:1].islower():
        return None
    parts = [p.strip() for p in re.split(r"\s+(?:--|–|—)\s+", rest) if p.strip()]
    return name, parts


COMPANY_TITLE_RE = re.compile(
    r"^(?P<company>[a-z]?[A-Z0-9][^?!]{1,120}?)\s+(?:-|–|—)\s+(?P<title>\S.{0,200})$"
)
FIRM_ONLY_RE = re.compile(r"^[A-Z][A-Z&.\- ]{1,30}$")
ANALYST_FIRM_WORDS = re.compile(
    r"\b(research|securities|capital markets|equities|investment bank|advisors|asset management|"
    r"brokerage|equity research)\b",
    re.I,
)


def company_title(line: str) -> tuple[str, str] | None:
    """A wire-service `Company - Title` line ("Prologis, Inc. - CFO"), legal forms included."""
    stripped = collapse(line)
    match = COMPANY_TITLE_RE.match(stripped)
    if not match or len(match["company"].split()) > 14:
        return None
    if SLIDE_RE.match(match["company"]):
        return None  # "Slide 3 – Key Messages" heads remarks, it is not an employer
    title = match["title"]
    if title.endswith(("?", "!")) or title[:1].islower() or len(title.split()) > 24:
        return None
    return match["company"].strip(), title.strip()


def classify_role(
    name: str, title: str | None, listed_as: str | None, firm: str | None = None
) -> Role:
    if OPERATOR_RE.match(name):
        return "operator"
    if listed_as in ("analyst", "management"):
        return listed_as  # type: ignore[return-value]
    if title and ANALYST_WORDS.search(title):
        return "analyst"
    if firm and ANALYST_FIRM_WORDS.search(firm):
        return "analyst"
    if title and MANAGEMENT_WORDS.search(title):
        return "management"
    return "unknown"


UNNAMED_SPEAKER_RE = re.compile(
    r"(?:unidentified|unknown)\s+(?P<title>analyst|participant|speaker|caller|"
    r"(?:company\s+)?representative|company speaker|executive)",
    re.I,
)
# The end of a wrapped title: capitalised words ("Research Analyst", "Head of Equity Research").
TITLE_WORDS_RE = re.compile(r"[A-Z][\w&.'’/-]*(?:\s+(?:[A-Z][\w&.'’/-]*|of|and|&|the|for))*")
JOB_WORD_RE = re.compile(
    r"\b(?:analyst|research|director|officer|president|head|manager|partner|chair\w*|"
    r"treasurer|secretary|relations|strategist|associate|principal|counsel|controller|"
    r"economist|CEO|CFO|COO|VP|MD)\b",
    re.I,
)


INTRO_FIRM_RE = (
    r"\W*(?:,|\s+with|\s+from|\s+of|\s+at)\s+(?:the\s+)?"
    r"(?P<firm>[A-Z][\w&.'’\- ]*?)(?:[.,;]|\s+Please|\s*$)"
)


def plain(text: str) -> str:
    """For comparing names: case and apostrophe style aside ("O’CONNOR", "O'Connor")."""
    return text.lower().replace("’", "'")


def find_firm(name: str, operator_texts: list[str]) -> str | None:
    pattern = re.compile(r"\[?(?i:" + re.escape(plain(name)) + r")\]?" + INTRO_FIRM_RE)
    for text in reversed(operator_texts):
        match = pattern.search(text.replace("’", "'"))
        if match:
            return match["firm"].strip()
    return None
