"""Earnings-call transcripts: speakers, roles, sections, exchanges and paired translations.

Three public layouts are read: a bilingual one (`Name - Title` written twice, each English
paragraph followed by its Chinese translation), the news-site one (`Name -- Title`,
"Prepared Remarks:" / "Questions and Answers:") and the wire-service one (a name line followed
by a `Company - Title` line, PRESENTATION / QUESTIONS AND ANSWERS headings). Names and roles
are read in `speakers`, turns in `transcript_turns`.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.documents.model import Paragraph, Speaker
from assistant.documents.reading import SourceText
from assistant.documents.speakers import MANAGEMENT_WORDS, find_firm, plain
from assistant.documents.text import collapse
from assistant.documents.transcript_turns import TranscriptParse, Turn, TurnReader

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
    reader = TurnReader(src)
    reader.read()
    turns = reader.turns
    speakers = speakers_with_roles(turns)
    qa_heading, qa_start = qa_opening(turns, speakers)
    paragraphs = [*reader.preamble, *turn_paragraphs(turns, speakers, qa_heading, qa_start)]
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


def speakers_with_roles(turns: list[Turn]) -> dict[str, Speaker]:
    """Each speaker by name, with the role of one first seen without a title: an operator's
    introduction makes an analyst (with the firm it names), or management when it gives a
    management title."""
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
    return speakers


def qa_opening(turns: list[Turn], speakers: dict[str, Speaker]) -> tuple[bool, int | None]:
    """Whether headings mark the Q&A, and else the turn it opens with: the first analyst's,
    together with the operator turn that introduces it."""
    if any(t.section == "qa" for t in turns):
        return True, None
    first_analyst = next(
        (k for k, t in enumerate(turns) if speakers[t.speaker.name].role == "analyst"), None
    )
    if first_analyst is None:
        return False, None
    qa_start = first_analyst
    if first_analyst > 0 and speakers[turns[first_analyst - 1].speaker.name].role == "operator":
        qa_start -= 1
    return False, qa_start


def turn_paragraphs(
    turns: list[Turn], speakers: dict[str, Speaker], qa_heading: bool, qa_start: int | None
) -> list[Paragraph]:
    """Each turn's paragraphs with its speaker, section and exchange: in the Q&A an analyst
    opens an exchange, the operator closes it, and introducing an analyst opens the next."""
    paragraphs: list[Paragraph] = []
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
    return paragraphs


def count_speaker_lines(src: SourceText) -> int:
    """How many lines read as speaker headers; used to tell a transcript from plain notes."""
    reader = TurnReader(src)
    count = 0
    for i in range(len(src.lines)):
        line = collapse(src.lines[i])
        if line and reader.speaker_at(i):
            count += 1
    return count
