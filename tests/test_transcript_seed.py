"""The bilingual LexinFintech call, checked against the file itself."""

from __future__ import annotations

import re

from assistant.documents.text import collapse, is_cjk
from tests.conftest import TRANSCRIPT_SEED

LINES = TRANSCRIPT_SEED.read_text(encoding="utf-8").split("\n")
HEADER_RE = re.compile(r"^(?P<name>[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)+) - (?P<title>.+)$")


def header_lines() -> dict[int, str]:
    """1-based numbers of speaker header lines (written twice in this layout)."""
    found = {}
    for k, line in enumerate(LINES):
        if (
            (HEADER_RE.match(line) or line == "Operator")
            and k + 1 < len(LINES)
            and (LINES[k + 1] == line or LINES[k - 1] == line)
        ):
            found[k + 1] = line
    return found


def test_every_speaker_in_the_file_is_found_with_its_role(transcript_doc):
    names_in_file = {
        HEADER_RE.match(h)["name"] if h != "Operator" else h for h in header_lines().values()
    }
    roles = {s.name: s.role for s in transcript_doc.speakers}
    assert set(roles) == names_in_file
    assert roles == {
        "Operator": "operator",
        "Will Tan": "management",
        "Wenjie Xiao": "management",
        "Zhanwen Qiao": "management",
        "James Zheng": "management",
        "Zhuhan Wang": "analyst",
        "Alex Ye": "analyst",
        "Yada Li": "analyst",
    }
    titles = {s.name: s.title for s in transcript_doc.speakers}
    assert titles["Wenjie Xiao"] == "Chairman of the Board, Chief Executive Officer"
    assert titles["James Zheng"] == "Chief Financial Officer, Director"


def test_the_three_analysts_have_their_firms(transcript_doc):
    firms = {s.name: s.firm for s in transcript_doc.speakers if s.role == "analyst"}
    assert firms == {"Zhuhan Wang": "Goldman Sachs", "Alex Ye": "UBS", "Yada Li": "CICC"}


def test_qa_has_exactly_the_analysts_exchanges(transcript_doc):
    qa = [p for p in transcript_doc.paragraphs if p.section == "qa"]
    exchanges = sorted({p.exchange for p in qa if p.exchange is not None})
    assert exchanges == [1, 2, 3]
    askers = {}
    for p in qa:
        if p.speaker.role == "analyst":
            askers.setdefault(p.exchange, set()).add(p.speaker.name)
    assert askers == {1: {"Zhuhan Wang"}, 2: {"Alex Ye"}, 3: {"Yada Li"}}
    # answers sit in the exchange of the question they answer
    answer = next(p for p in qa if "net profit margin in the last four quarters" in p.text)
    assert (answer.speaker.name, answer.exchange) == ("James Zheng", 3)
    # the closing remarks belong to no exchange
    closing = next(p for p in qa if "conference is now concluded" in p.text)
    assert closing.exchange is None


def test_sections_split_at_the_question_and_answer_session(transcript_doc):
    prepared = [p for p in transcript_doc.paragraphs if p.section == "prepared_remarks"]
    qa = [p for p in transcript_doc.paragraphs if p.section == "qa"]
    assert max(p.lines[1] for p in prepared) == 136  # "This concludes our prepared remarks"
    assert min(p.lines[0] for p in qa) == 140  # operator opens the Q&A
    assert all(p.section for p in transcript_doc.paragraphs)


def test_every_english_paragraph_has_its_chinese_translation(transcript_doc):
    headers = header_lines()
    by_line = {p.lines[0]: p for p in transcript_doc.paragraphs}
    english = [
        k + 1
        for k, line in enumerate(LINES)
        if line.strip() and k > 0 and not is_cjk(line) and (k + 1) not in headers
    ]
    assert len(english) == len(transcript_doc.paragraphs) == 111
    for number in english:
        para = by_line[number]
        assert para.text == collapse(LINES[number - 1])
        assert para.translation == LINES[number].strip(), number
        assert para.translation_lines == (number + 1, number + 1)


def test_markers_are_flags_and_the_text_is_kept_verbatim(transcript_doc):
    paras = transcript_doc.paragraphs
    for marker, flag in (
        ("(technical difficulty)", "technical_difficulty"),
        ("(spoken in Chinese)", "spoken_in_chinese"),
    ):
        lines = {k + 1 for k, line in enumerate(LINES) if marker in line and not is_cjk(line)}
        flagged = {p.lines[0] for p in paras if flag in p.flags}
        assert lines and flagged == lines, marker
    # "(spoken by AI)" opens a turn read by a synthetic voice: all of that turn is flagged
    opening = {k + 1 for k, line in enumerate(LINES) if "(spoken by AI)" in line}
    assert opening == {20, 62}
    turns = {p.turn for p in paras if p.lines[0] in opening}
    flagged = {p.lines[0] for p in paras if "spoken_by_ai" in p.flags}
    assert flagged == {p.lines[0] for p in paras if p.turn in turns}
    assert len(flagged) == 32  # Jay Wenjie Xiao's and Arvin Qiao's prepared remarks
    gmv = next(p for p in paras if "[RMB52 billion]" in p.text)
    assert gmv.lines == (22, 22)
    assert "RMB52 billion" in gmv.uncertain
    assert "uncertain_transcription" in gmv.flags
    bracketed = {
        k + 1 for k, line in enumerate(LINES) if re.search(r"\[[^\]]+\]", line) and not is_cjk(line)
    }
    assert bracketed == {p.lines[0] for p in paras if p.uncertain}


def test_disclaimer_is_dropped_and_reported(transcript_doc):
    assert all("使用警語" not in (p.translation or "") + p.text for p in transcript_doc.paragraphs)
    assert any(":1:" in w and "notice" in w for w in transcript_doc.warnings)


def test_company_period_and_languages_are_inferred(transcript_doc):
    assert transcript_doc.company == "LexinFintech"
    assert transcript_doc.period == "Q4 2024"
    assert transcript_doc.doc_type == "transcript"
    assert transcript_doc.languages == ("en", "zh-Hant")
    assert transcript_doc.doc_id == "000_71abd0ac3770a833"
