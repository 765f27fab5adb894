"""A transcript read line by line into turns: headings and sections, a speaker's lines
carried over page and wrap breaks, markers ([inaudible], spoken by AI) and the paragraphs of
each turn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from assistant.documents.model import Paragraph, Section, Speaker
from assistant.documents.reading import SourceText
from assistant.documents.speakers import (
    FIRM_ONLY_RE,
    JOB_WORD_RE,
    NAME_FIRM_RE,
    OPERATOR_RE,
    TITLE_WORDS_RE,
    TITLED_NAME_RE,
    UNNAMED_SPEAKER_RE,
    classify_role,
    clean_name,
    colon_speaker,
    company_title,
    dash_parts,
    is_name,
    name_lines,
    person_name,
)
from assistant.documents.text import collapse, is_cjk
from assistant.documents.transcript_lines import (
    SENTENCE_END,
    SEPARATOR_RE,
    heading_kind,
    measured_wrap_width,
    paragraph_flags,
)


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


class Header(NamedTuple):
    """A speaker line: the name, title parts, lines it takes, the text after it on the same
    line (`NAME: text`), and the firm of an analyst printed as `Name, Firm`."""

    name: str
    titles: list[str]
    used: int
    rest: str = ""
    firm: str | None = None


class TurnReader:
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
                after = self.read_participant(i, line)
                if after is not None:
                    i = after
                    continue
                self.mode = "body"
            found = self.speaker_at(i)
            if found:
                i = self.open_turn(i, found, number)
                continue
            self.add_text(raw, number)
            i += 1
        self.flush()

    def read_participant(self, i: int, line: str) -> int | None:
        """A line of a participants list read as a speaker: the index of the line after it,
        or None when the line is no participant (the list has ended)."""
        lines = self.lines
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
                and (self.wrapped_title(i, lines[i - 1]) or self.title_goes_on(i, lines[i - 1]))
            ):
                title = f"{speaker.title or ''} {collapse(lines[i])}".strip()
                self.participants[speaker.name.lower()] = replace(speaker, title=title)
                i += 1
            return i
        comma = NAME_FIRM_RE.match(line)
        if comma and person_name(comma["name"].strip()):
            # "Jane Fraser, Citi Chief Executive Officer" or "Flora Bocahut, Jefferies"
            name, rest = comma["name"].strip(), comma["firm"].strip()
            if listed_as == "analyst":
                speaker = self.register(name, [], listed_as)
                self.participants[speaker.name.lower()] = replace(speaker, firm=rest)
            else:
                self.register(name, [rest], listed_as)
            return i + 1
        if is_name(line):
            speaker = self.register(line, [], listed_as)
            i += 1
            nxt = collapse(lines[i]) if i < len(lines) else ""
            if nxt and FIRM_ONLY_RE.match(nxt) and not heading_kind(nxt):
                self.title_lines[speaker.name.lower()] = nxt
                if speaker.firm is None:
                    self.participants[speaker.name.lower()] = replace(speaker, firm=nxt)
                i += 1
            return i
        return None

    def open_turn(self, i: int, found, number: int) -> int:
        """A speaker's header line(s) at `i` open a turn: the index of the line after them."""
        lines = self.lines
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
        return i
