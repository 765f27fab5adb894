"""Document identity (company, ticker, aliases, period, date) and the wire-service reader on
real calls: every turn's speaker is a listed participant or the operator, with the right role."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.documents import Metadata, parse_file, parse_text
from assistant.documents.identity import aliases_for, display_name
from assistant.documents.transcript_lines import SENTENCE_END
from tests.conftest import FIXTURES, ROOT

CALLS = ROOT.parent / "shared" / "corpus" / "calls"
ECTSUM = ROOT.parent / "shared" / "corpus" / "ectsum-train"
needs_calls = pytest.mark.skipif(not CALLS.exists(), reason="../shared/corpus is absent")


def test_display_names_drop_legal_forms_and_possessives():
    assert display_name("Prologis, Inc.") == "Prologis"
    assert display_name("Crown Castle's") == "Crown Castle"
    assert display_name("Weyerhaeuser Company") == "Weyerhaeuser"
    assert display_name("SL Green Realty Corp.") == "SL Green Realty"
    assert aliases_for(["Alexandria Real Estate Equities, Inc."]) == (
        "Alexandria Real Estate Equities, Inc.",
        "Alexandria Real Estate Equities",
        "Alexandria",
    )
    assert not any("'" in a or "’" in a for a in aliases_for(["CubeSmart's"]))


def test_exchange_ticker_date_and_welcome_are_read():
    text = (
        "Acme Widgets Inc. (NASDAQ: ACMW) Q2 2025 Earnings Call\n"
        "July 30, 2025\n\n"
        "Operator\n"
        "Good day, and welcome to the Acme Widgets Second Quarter 2025 Earnings Call.\n\n"
        "Jane Roe - Chief Executive Officer\n"
        "Thank you. Revenue grew 12% to $1.2 billion.\n"
    )
    doc = parse_text(text, "acme.txt")
    assert (doc.company, doc.ticker, doc.period, doc.date) == (
        "Acme Widgets",
        "ACMW",
        "Q2 2025",
        "2025-07-30",
    )


def test_flags_and_sidecar_win_over_the_text(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text((FIXTURES / "wire_call.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "call.txt.meta.json").write_text(
        '{"ticker": "hlx", "aliases": ["Helix"], "period": "Q1 2025"}', encoding="utf-8"
    )
    doc = parse_file(path, Metadata(company="Helix Payments Group"))
    assert doc.company == "Helix Payments Group"
    assert doc.ticker == "HLX" and doc.period == "Q1 2025"
    assert "Helix" in doc.aliases


def listed_participants(path: Path) -> dict[str, str]:
    """Name -> 'management' or 'analyst', read straight from the file's two lists."""
    text = path.read_text(encoding="utf-8")
    head = text.split("\nPRESENTATION\n")[0]
    out: dict[str, str] = {}
    role = None
    lines = head.splitlines()
    for k, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "CORPORATE PARTICIPANTS":
            role = "management"
        elif stripped == "CONFERENCE CALL PARTICIPANTS":
            role = "analyst"
        elif stripped and role and (k == 0 or not lines[k - 1].strip()):
            out[stripped] = role  # each block starts after a line holding one space
    return out


@needs_calls
@pytest.mark.parametrize("path", sorted(CALLS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_turn_has_a_listed_speaker_with_the_right_role(path):
    listed = listed_participants(path)
    doc = parse_file(path)
    assert doc.company and doc.period == "Q3 2022", (doc.company, doc.period)
    assert not re.search(r"'s$|’s$", doc.company)
    for para in doc.paragraphs:
        speaker = para.speaker
        if speaker is None:
            continue
        if speaker.role == "operator":
            continue
        # no speaker's name and title line glued into a passage
        assert f"\n{speaker.name}\n" not in para.text
        if speaker.name.startswith("Unidentified"):  # "Unidentified Analyst": the file's word
            unnamed = "analyst" if speaker.name.endswith("Analyst") else "management"
            assert speaker.role == unnamed, (speaker.name, speaker.role)
            continue
        assert speaker.name in listed, (speaker.name, para.lines)
        assert speaker.role == listed[speaker.name], (speaker.name, speaker.role)
    # a header line is never a passage of the turn before ("Unidentified Analyst", the
    # wrapped end of a title, a firm under a name): every passage of a call ends a sentence,
    # bar the closing disclaimer's heading
    unfinished = [
        p.text for p in doc.paragraphs if not p.text.rstrip().endswith((*SENTENCE_END, "…"))
    ]
    assert set(unfinished) <= {"DISCLAIMER"}, unfinished[:5]


@needs_calls
def test_hard_wrapped_lines_are_joined_into_paragraphs():
    doc = parse_file(CALLS / "prologis-q3-2022.txt")
    texts = [p.text for p in doc.paragraphs]
    assert any(
        "Our annual guidance for Promotes was $0.60, with most of the revenue to be earned in"
        " the third quarter." in t
        for t in texts
    )
    # a short last line ends its paragraph: the next paragraph starts on its own
    assert any(
        t.startswith("This morning, we reported excellent third quarter results") for t in texts
    )


@needs_calls
def test_the_sidecar_ticker_names_ectsum_calls():
    path = ECTSUM / "AAP_q3_2021.txt"
    if not path.exists():
        pytest.skip("ectsum-train is absent")
    doc = parse_file(path)
    assert (doc.ticker, doc.period, doc.company) == ("AAP", "Q3 2021", "AAP")


def test_doc_ids_are_stable_and_distinct_for_any_file_name():
    from assistant.documents import doc_id_for

    assert doc_id_for("lexin-q4.md") == "lexin-q4"  # plain names keep the ids they had
    assert doc_id_for("Société Générale Q3.txt") == "Societe-Generale-Q3"
    names = ["第一季度.txt", "第二季度.txt", "..txt", "...txt", "业绩 Q4.txt", "业绩 Q3.txt"]
    ids = [doc_id_for(n) for n in names]
    assert len(set(ids)) == len(ids) and "document" not in ids
    assert ids == [doc_id_for(n) for n in names]  # stable
    long_a, long_b = doc_id_for("a" * 300 + "1.txt"), doc_id_for("a" * 300 + "2.txt")
    assert long_a != long_b and len(long_a) <= 100
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", i) for i in [*ids, long_a])
