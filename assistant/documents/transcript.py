"""Earnings-call transcripts: speakers, roles, sections, exchanges and paired translations.

Three public layouts are read: a bilingual one (`Name - Title` written twice, each English
paragraph followed by its Chinese translation), the news-site one (`Name -- Title`,
"Prepared Remarks:" / "Questions and Answers:") and the wire-service one (a name line followed
by a `Company - Title` line, PRESENTATION / QUESTIONS AND ANSWERS headings).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from assistant.documents.model import Paragraph, Role, Section, Speaker
from assistant.documents.reading import SourceText
from assistant.documents.text import collapse, is_cjk

SEPARATOR_RE = re.compile(r"^\s*[-=_*~]{3,}\s*$")
DASH_RE = re.compile(r"^(?P<name>\S.{0,70}?)\s+(?:--|-|–|—)\s+(?P<rest>\S.{0,160})$")
NAME_TOKEN_RE = re.compile(
    r"^(?:\[?[A-Z][\w'’.\-]*\]?,?|[A-Z]\.|de|da|van|von|der|del|bin|al|la|le)$"
)
OPERATOR_RE = re.compile(r"^\s*(operator|moderator|coordinator|conference operator)\s*:?\s*$", re.I)
MARKER_RE = re.compile(
    r"[(\[](spoken by AI|technical difficulty|technical difficulties|spoken in Chinese|"
    r"spoken in [A-Z][a-z]+|Operator Instructions|inaudible|indiscernible|crosstalk|"
    r"foreign language|audio gap|break in audio|laughter)[)\]]",
    re.I,
)
UNCERTAIN_RE = re.compile(r"\[([^\[\]]{1,80})\]")

HEADINGS: dict[str, str] = {
    "prepared remarks": "prepared_remarks",
    "presentation": "prepared_remarks",
    "management remarks": "prepared_remarks",
    "opening remarks": "prepared_remarks",
    "questions and answers": "qa",
    "questions & answers": "qa",
    "question and answer": "qa",
    "question-and-answer": "qa",
    "question-and-answer session": "qa",
    "question and answer session": "qa",
    "q&a": "qa",
    "q&a session": "qa",
    "questions and answer session": "qa",
    "participants": "participants",
    "call participants": "participants",
    "corporate participants": "participants:management",
    "company participants": "participants:management",
    "executives": "participants:management",
    "conference call participants": "participants:analyst",
    "analysts": "participants:analyst",
    "other participants": "participants:analyst",
    "host": "participants:management",
    "hosts": "participants:management",
    "speakers": "participants:management",
}
# "Analyst Q&A (CEO and CFO)", "Question and Answer Section": Q&A headings with a tail.
QA_HEADING_RE = re.compile(
    r"^(?:analyst\s+)?(?:q\s?&\s?a|questions?\s*(?:and|&)\s*answers?)(?:\s+session|\s+section)?"
    r"(?:\s*\([^)]{0,40}\))?$",
    re.I,
)
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
SENTENCE_END = (".", "?", "!", ":", '"', "”", ")", "]", "。", "?", "!")


def heading_kind(line: str) -> str | None:
    key = collapse(line).strip(":#* ").lower()
    if key in HEADINGS:
        return HEADINGS[key]
    return "qa" if QA_HEADING_RE.match(key) else None


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
SLIDE_RE = re.compile(r"^(?:slide|page|chart|exhibit)s?\s+\d", re.I)
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


def measured_wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped transcript was wrapped at, or None when lines are unwrapped
    (one paragraph or one sentence per line)."""
    lengths = sorted(len(line.rstrip()) for line in lines if len(line.strip()) > 20)
    if len(lengths) < 20:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    if width > 240:
        return None
    near = sum(1 for n in lengths if width - 30 <= n <= width + 10)
    return width if near >= 0.3 * len(lengths) else None


@dataclass
class Turn:
    speaker: Speaker
    paragraphs: list[Paragraph] = field(default_factory=list)
    section: Section | None = None


@dataclass
class TranscriptParse:
    paragraphs: list[Paragraph]
    speakers: list[Speaker]
    warnings: list[str]
    recognised: list[str]
    languages: tuple[str, ...]
    turns: int


def paragraph_flags(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    flags = []
    for match in MARKER_RE.finditer(text):
        slug = re.sub(r"\W+", "_", match.group(1).lower()).strip("_")
        if slug not in flags:
            flags.append(slug)
    uncertain = tuple(
        m.group(1) for m in UNCERTAIN_RE.finditer(text) if not MARKER_RE.fullmatch(m.group(0))
    )
    if uncertain:
        flags.append("uncertain_transcription")
    return tuple(flags), uncertain


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


class Header(NamedTuple):
    """A speaker line: the name, title parts, lines it takes, the text after it on the same
    line (`NAME: text`), and the firm of an analyst printed as `Name, Firm`."""

    name: str
    titles: list[str]
    used: int
    rest: str = ""
    firm: str | None = None


class _Reader:
    """One pass over the lines; keeps the state of the turn and paragraph being read."""

    def __init__(self, src: SourceText) -> None:
        self.src = src
        self.lines = src.lines
        self.warnings: list[str] = []
        self.turns: list[Turn] = []
        self.preamble: list[Paragraph] = []
        self.participants: dict[str, Speaker] = {}
        self.section: Section | None = None
        self.explicit_sections = False
        self.mode: str = "body"  # or "participants:<role>"
        self.wrap_width = measured_wrap_width(self.lines)
        self.title_lines: dict[str, str] = {}
        self.previous_raw = ""
        # paragraph being built: [text, start, end, translation, t_start, t_end]
        self.current: list | None = None
        self.name_lines = name_lines(self.lines)
        self.register_titled_names()

    def register_titled_names(self) -> None:
        """Names given with a title in the opening lines ("Speeches by Sergio P. Ermotti,
        Group Chief Executive Officer, and ...") are management."""
        opening = collapse(" ".join(self.lines[:40]))
        for match in TITLED_NAME_RE.finditer(opening):
            if person_name(match["name"]):
                self.register(match["name"], [match["title"]], "management")

    # paragraphs -------------------------------------------------------------
    def flush(self) -> None:
        if self.current is None:
            return
        text, start, end, translation, t_start, t_end = self.current
        self.current = None
        flags, uncertain = paragraph_flags(text)
        turn = self.turns[-1] if self.turns else None
        para = Paragraph(
            text=text,
            lines=(start, end),
            speaker=turn.speaker if turn else None,
            section=self.section,
            turn=len(self.turns) - 1 if turn else None,
            translation=translation,
            translation_lines=(t_start, t_end) if translation else None,
            flags=flags,
            uncertain=uncertain,
        )
        (turn.paragraphs if turn else self.preamble).append(para)

    def add_text(self, line: str, number: int) -> None:
        text = line.strip()
        if is_cjk(text):
            if self.current is not None and not is_cjk(self.current[0]):
                cur = self.current
                if cur[3] is None:
                    cur[3], cur[4] = text, number
                else:
                    cur[3] += text
                cur[5] = number
                return
            if self.current is None and not self.turns and not self.preamble:
                self.warnings.append(
                    f"{self.src.path}:{number}: dropped a Chinese notice line before the call text"
                )
                return
        cur = self.current
        if (
            cur is not None
            and cur[3] is None
            and not is_cjk(cur[0])
            and self.continues(text, number)
        ):
            cur[0] = f"{cur[0]} {text}"
            cur[2] = number
            self.previous_raw = line
            return
        self.previous_raw = line
        self.flush()
        self.current = [text, number, number, None, None, None]

    def continues(self, text: str, number: int) -> bool:
        """Whether `text` continues the paragraph being built: a lower-case start after an
        unfinished sentence, or, in a hard-wrapped file, a line whose first word would not
        have fitted on the previous line."""
        assert self.current is not None
        previous = self.current[0]
        if not previous.endswith(SENTENCE_END) and (text[:1].islower() or text[:1].isdigit()):
            return True
        if self.src.pages and not previous.endswith(SENTENCE_END) and self.current[2] == number - 1:
            return True  # PDF lines wrap prose: an unfinished sentence goes on
        if self.wrap_width is None or self.current[2] != number - 1:
            return False
        previous_width = len(self.previous_raw.rstrip())
        if not previous.endswith(SENTENCE_END) and previous_width >= 0.75 * self.wrap_width:
            return True  # a long line that stops mid-sentence was wrapped ("in the | Northwest")
        first_word = text.split()[0] if text.split() else ""
        return previous_width + 1 + len(first_word) > self.wrap_width

    # speakers ---------------------------------------------------------------
    def register(self, name: str, title_parts: list[str], listed_as: str | None) -> Speaker:
        name = clean_name(name)
        known = self.participants.get(name.lower())
        firm = None
        title = None
        if len(title_parts) >= 2:
            firm, title = title_parts[0], " - ".join(title_parts[1:])
        elif title_parts:
            title = title_parts[0]
        if known:
            return known
        role = classify_role(name, title, listed_as, firm)
        if role == "analyst" and firm is None and title and title.lower() != "analyst":
            # "Goldman Sachs - Analyst" style titles carry the firm before the word Analyst.
            firm_match = re.match(r"^(.*?)[,\s-]+analyst$", title, re.I)
            if firm_match and firm_match.group(1):
                firm, title = firm_match.group(1).strip(), "Analyst"
        speaker = Speaker(name=name, title=title, role=role, firm=firm)
        self.participants[name.lower()] = speaker
        return speaker

    def wrapped_title(self, i: int, title_line: str) -> bool:
        """A participant's long title wraps onto the next line of the list."""
        line = collapse(self.lines[i])
        if not line or heading_kind(line) or SEPARATOR_RE.match(line) or self.speaker_at(i):
            return False
        width = self.wrap_width or 100
        return len(title_line.rstrip()) >= 0.7 * width and len(line.split()) <= 8

    def title_goes_on(self, i: int, title_line: str) -> bool:
        """A turn header's long title wraps onto the next line ("... Head of Real Estate
        Research & Senior | Research Analyst"): a few capitalised words naming a job, not the
        first words of the turn."""
        line = collapse(self.lines[i])
        width = self.wrap_width or 100
        return (
            len(title_line.rstrip()) >= 0.5 * width
            and len(line.split()) <= 6
            and bool(TITLE_WORDS_RE.fullmatch(line))
            and bool(JOB_WORD_RE.search(line))
            and not self.speaker_at(i)
        )

    def start_turn(self, speaker: Speaker) -> None:
        self.flush()
        self.turns.append(Turn(speaker=speaker, section=self.section))

    def speaker_at(self, i: int) -> Header | None:
        """A speaker header at line index i."""
        line = collapse(self.lines[i])
        if not line:
            return None
        nxt = collapse(self.lines[i + 1]) if i + 1 < len(self.lines) else ""
        if OPERATOR_RE.match(line):
            return Header("Operator", [], 1)
        colon = colon_speaker(line)
        if colon is not None:
            name, rest = colon
            if name.lower() in ("operator", "moderator"):
                return Header("Operator", [], 1, rest)
            if len(name.split()) >= 2 or self.known(name):
                return Header(name, [], 1, rest)
        known = self.known(line)
        if (known or (is_name(line) and len(line.split()) >= 2)) and (found := company_title(nxt)):
            return Header(line, list(found), 2)
        if (parts := dash_parts(line)) is not None:
            name, titles = parts
            if len(name.split()) >= 2 or self.known(name) or nxt == line:
                return Header(name, titles, 1)
        if (unnamed := UNNAMED_SPEAKER_RE.fullmatch(line)) is not None:
            return Header(line, [unnamed["title"].title()], 1)  # "Unidentified Analyst"
        if (
            self.mode == "body"
            and is_name(line)
            and len(line.split()) >= 2
            and FIRM_ONLY_RE.match(nxt)
            and not heading_kind(nxt)
            and i + 2 < len(self.lines)
            and collapse(self.lines[i + 2])
        ):
            return Header(line, [], 2, firm=nxt)  # "Craig Mailman | CITI"
        if line.lower() in self.participants and not line.endswith("."):
            return Header(line, [], 1)
        if self.mode == "body" and line in self.name_lines:
            firm = self.name_lines[line]
            if firm is None:
                return Header(line, [], 1)
            match = NAME_FIRM_RE.match(line)
            assert match is not None
            return Header(match["name"].strip(), [], 1, firm=firm)
        return None

    def known(self, name: str) -> bool:
        return clean_name(name).lower() in self.participants

    # the pass -----------------------------------------------------------------
    def read(self) -> None:
        lines = self.lines
        i = 0
        while i < len(lines):
            raw = lines[i]
            number = i + 1
            line = collapse(raw)
            if not line or SEPARATOR_RE.match(line):
                self.flush()
                i += 1
                continue
            kind = heading_kind(line)
            if kind is not None:
                self.flush()
                if kind.startswith("participants"):
                    self.mode = kind
                else:
                    self.mode = "body"
                    self.section = kind  # type: ignore[assignment]
                    self.explicit_sections = True
                i += 1
                continue
            if self.mode.startswith("participants"):
                listed_as = self.mode.split(":")[1] if ":" in self.mode else None
                found = self.speaker_at(i)
                if found and found.name != "Operator":
                    name, titles, used = found.name, found.titles, found.used
                    if found.firm and not titles:
                        titles = [found.firm]  # in a list: "Name, Title"
                    speaker = self.register(name, titles, listed_as)
                    i += used
                    if (
                        used == 2
                        and i < len(lines)
                        and (
                            self.wrapped_title(i, lines[i - 1])
                            or self.title_goes_on(i, lines[i - 1])
                        )
                    ):
                        title = f"{speaker.title or ''} {collapse(lines[i])}".strip()
                        self.participants[speaker.name.lower()] = replace(speaker, title=title)
                        i += 1
                    continue
                comma = NAME_FIRM_RE.match(line)
                if comma and person_name(comma["name"].strip()):
                    # "Jane Fraser, Citi Chief Executive Officer" or "Flora Bocahut, Jefferies"
                    name, rest = comma["name"].strip(), comma["firm"].strip()
                    if listed_as == "analyst":
                        speaker = self.register(name, [], listed_as)
                        self.participants[speaker.name.lower()] = replace(speaker, firm=rest)
                    else:
                        self.register(name, [rest], listed_as)
                    i += 1
                    continue
                if is_name(line):
                    speaker = self.register(line, [], listed_as)
                    i += 1
                    nxt = collapse(lines[i]) if i < len(lines) else ""
                    if nxt and FIRM_ONLY_RE.match(nxt) and not heading_kind(nxt):
                        self.title_lines[speaker.name.lower()] = nxt
                        if speaker.firm is None:
                            self.participants[speaker.name.lower()] = replace(speaker, firm=nxt)
                        i += 1
                    continue
                self.mode = "body"
            found = self.speaker_at(i)
            if found:
                name, titles, used = found.name, found.titles, found.used
                speaker = self.register(name, titles, "analyst" if found.firm else None)
                if found.firm and speaker.firm is None:
                    speaker = replace(speaker, firm=found.firm)
                    self.participants[speaker.name.lower()] = speaker
                i += used
                if used == 2 and i < len(lines) and self.title_goes_on(i, lines[i - 1]):
                    title = f"{speaker.title or ''} {collapse(lines[i])}".strip()
                    speaker = replace(speaker, title=title)
                    i += 1
                self.start_turn(speaker)
                if found.rest:
                    self.add_text(found.rest, number)
                # fold the repeated header lines of the bilingual layout
                while i + used - 1 < len(lines) and all(
                    collapse(lines[i + k]) == collapse(lines[i - used + k]) for k in range(used)
                ):
                    i += used
                continue
            self.add_text(raw, number)
            i += 1
        self.flush()


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


UNKNOWN_SPEAKER_SHARE = 0.2


def partly_recognised(src: SourceText, turns, speakers: dict[str, Speaker]) -> list[str]:
    """A layout read only in part says so: turns whose speaker has no known role (not in a
    participants list, not the operator, no title), or a call told mostly by the operator."""
    if not turns:
        return []
    unknown = [t for t in turns if speakers[t.speaker.name].role == "unknown"]
    out = []
    if len(unknown) / len(turns) > UNKNOWN_SPEAKER_SHARE:
        names = ", ".join(dict.fromkeys(t.speaker.name for t in unknown[:20]))
        out.append(
            f"{src.path}: {len(unknown)} of {len(turns)} turns have a speaker of unknown role "
            f"({names}); the layout was only partly recognised"
        )
    total = sum(len(t.paragraphs) for t in turns)
    operator = sum(len(t.paragraphs) for t in turns if speakers[t.speaker.name].role == "operator")
    if total >= 4 and operator / total > 0.5:
        out.append(
            f"{src.path}: {operator} of {total} paragraphs are the operator's; speaker lines "
            "were probably not recognised"
        )
    return out


def parse_transcript(src: SourceText) -> TranscriptParse:
    reader = _Reader(src)
    reader.read()
    turns = reader.turns

    # Roles of speakers first seen without a title: an operator introduction makes an analyst.
    operator_so_far: list[str] = []
    speakers: dict[str, Speaker] = {}
    for turn in turns:
        speaker = speakers.get(turn.speaker.name, turn.speaker)
        said = plain(speaker.name)
        if speaker.role == "unknown" and any(said in plain(t) for t in operator_so_far[-3:]):
            # Introduced by the operator: an analyst, unless the introduction gives a
            # management title ("over to Jason Fooks, Senior Vice President of IR").
            introduced_as = find_firm(speaker.name, operator_so_far[-3:])
            if introduced_as and MANAGEMENT_WORDS.search(introduced_as):
                speaker = replace(speaker, role="management", title=introduced_as)
            else:
                speaker = replace(speaker, role="analyst")
        if speaker.role == "analyst" and speaker.firm is None:
            firm = find_firm(speaker.name, operator_so_far)
            if firm:
                speaker = replace(speaker, firm=firm)
        speakers[speaker.name] = speaker
        if speaker.role == "operator":
            operator_so_far.extend(p.text for p in turn.paragraphs)

    # Sections: explicit headings win; otherwise Q&A opens with the first analyst's turn,
    # together with the operator turn that introduces it.
    first_analyst = next(
        (k for k, t in enumerate(turns) if speakers[t.speaker.name].role == "analyst"), None
    )
    qa_start = None
    qa_heading = any(t.section == "qa" for t in turns)
    if not qa_heading and first_analyst is not None:
        qa_start = first_analyst
        if first_analyst > 0 and speakers[turns[first_analyst - 1].speaker.name].role == "operator":
            qa_start -= 1

    paragraphs: list[Paragraph] = list(reader.preamble)
    exchange = 0
    exchange_analyst: str | None = None
    for k, turn in enumerate(turns):
        speaker = speakers[turn.speaker.name]
        if qa_heading:
            # Turns before the first heading are the prepared remarks.
            section = turn.section or "prepared_remarks"
        elif qa_start is not None and k >= qa_start:
            section = "qa"  # no Q&A heading: it opens with the first analyst
        else:
            section = turn.section or "prepared_remarks"
        current: int | None = None
        if section == "qa":
            following = speakers[turns[k + 1].speaker.name] if k + 1 < len(turns) else None
            if speaker.role == "operator":
                # The operator closes an exchange; introducing an analyst opens the next one.
                exchange_analyst = None
                if following is not None and following.role == "analyst":
                    exchange += 1
                    exchange_analyst = following.name
                    current = exchange
            elif speaker.role == "analyst":
                if exchange_analyst != speaker.name:
                    exchange += 1
                    exchange_analyst = speaker.name
                current = exchange
            elif exchange_analyst is not None:
                current = exchange
        # "(spoken by AI)" opens a turn read by a synthetic voice: the whole turn is flagged.
        ai_voiced = any("spoken_by_ai" in p.flags for p in turn.paragraphs)
        for para in turn.paragraphs:
            flags = para.flags
            if ai_voiced and "spoken_by_ai" not in flags:
                flags = (*flags, "spoken_by_ai")
            paragraphs.append(
                replace(para, speaker=speaker, section=section, exchange=current, flags=flags)
            )

    languages = ("en", "zh-Hant") if any(p.translation for p in paragraphs) else ("en",)
    reader.warnings.extend(partly_recognised(src, turns, speakers))
    recognised = [f"{len(turns)} speaker turns", f"{len(speakers)} speakers"]
    if qa_heading:
        recognised.append("section headings")
    elif qa_start is not None:
        recognised.append("Q&A start inferred from the first analyst")
    translated = sum(1 for p in paragraphs if p.translation)
    if translated:
        recognised.append(f"{translated} paragraphs with Chinese translation")
    return TranscriptParse(
        paragraphs=paragraphs,
        speakers=list(speakers.values()),
        warnings=reader.warnings,
        recognised=recognised,
        languages=languages,
        turns=len(turns),
    )


def count_speaker_lines(src: SourceText) -> int:
    """How many lines read as speaker headers; used to tell a transcript from plain notes."""
    reader = _Reader(src)
    count = 0
    for i in range(len(src.lines)):
        line = collapse(src.lines[i])
        if line and reader.speaker_at(i):
            count += 1
    return count
