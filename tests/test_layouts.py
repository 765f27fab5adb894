"""The other public transcript layouts, plain notes, and text with no structure at all."""

from __future__ import annotations

from assistant.documents import parse_file, parse_text
from tests.conftest import FIXTURES


def roles(doc):
    return {s.name: (s.role, s.firm) for s in doc.speakers}


def test_news_site_layout():
    doc = parse_file(FIXTURES / "news_call.txt")
    assert doc.doc_type == "transcript"
    assert (doc.company, doc.period) == ("Northwind Robotics", "Q2 2025")
    assert roles(doc) == {
        "Operator": ("operator", None),
        "Dana Whitfield": ("management", None),
        "Maria Okafor": ("management", None),
        "Peter Lindqvist": ("management", None),
        "Samir Patel": ("analyst", "Morgan Stanley"),
        "Julia Chen": ("analyst", "Jefferies"),
    }
    assert doc.exchanges == 2
    backlog = next(p for p in doc.paragraphs if "Backlog reached $2.3 billion" in p.text)
    assert (backlog.speaker.name, backlog.section, backlog.exchange) == ("Maria Okafor", "qa", 1)
    follow_up = next(p for p in doc.paragraphs if "follow-up on pricing" in p.text)
    assert follow_up.exchange == 1
    guidance = next(p for p in doc.paragraphs if "full year 2025" in p.text)
    assert (guidance.speaker.name, guidance.section) == ("Peter Lindqvist", "prepared_remarks")
    assert "operator_instructions" in doc.paragraphs[3].flags
    assert not doc.paragraphs[3].uncertain


def test_wire_service_layout():
    doc = parse_file(FIXTURES / "wire_call.txt")
    assert doc.doc_type == "transcript"
    assert (doc.company, doc.period) == ("Helix Payments", "Q4 2024")
    got = roles(doc)
    assert got["Ken Ito"] == ("analyst", "Barclays")
    assert got["Rachel Moss"] == ("analyst", "Wells Fargo Securities")
    assert got["Laura Benton"][0] == "management"
    assert got["Marcus Reid"][0] == "management"
    title = {s.name: s.title for s in doc.speakers}
    assert title["Marcus Reid"] == "Chief Financial Officer"
    assert doc.exchanges == 2
    losses = next(p for p in doc.paragraphs if "Transaction losses were" in p.text)
    assert (losses.speaker.name, losses.section, losses.exchange) == ("Marcus Reid", "qa", 2)
    assert losses.lines == (77, 77)
    # speaker header lines never leak into paragraph text
    assert not any("Helix Payments Inc - Chief" in p.text for p in doc.paragraphs)


def test_markdown_notes():
    doc = parse_file(FIXTURES / "notes.md")
    assert doc.doc_type == "notes"
    assert doc.title == "Analyst notes: Helix Payments Q4 2024"
    assert doc.period == "Q4 2024"
    bullets = [p for p in doc.paragraphs if p.heading == "Key numbers"]
    assert [p.text for p in bullets][1] == "- Take rate 2.31%, down 4 bps from Q3."
    assert bullets[1].lines == (6, 6)


def test_unknown_structure_degrades_to_paragraphs_and_says_so():
    text = "Some remarks about the quarter.\nThey continue here.\n\nA second thought.\n"
    doc = parse_text(text, "memo.txt")
    assert doc.doc_type == "notes"
    assert [p.text for p in doc.paragraphs] == [
        "Some remarks about the quarter. They continue here.",
        "A second thought.",
    ]
    assert doc.recognised[0] == "no transcript or table layout recognised"


def test_transcript_flag_with_no_speakers_is_reported():
    from assistant.documents import Metadata

    doc = parse_text("Just a line of text.\n", "x.txt", Metadata(doc_type="transcript"))
    assert any("no speaker lines recognised" in w for w in doc.warnings)
    assert doc.paragraphs[0].text == "Just a line of text."


def test_a_sentence_with_a_dash_is_not_a_speaker():
    text = (
        "Operator\nWelcome to the Acme Q1 2025 call.\n"
        "Jane Roe - Chief Executive Officer\n"
        "Revenue - as we said - grew 5% this quarter, which is a good result.\n"
        "Costs were flat.\n"
    )
    doc = parse_text(text, "acme.txt")
    assert [s.name for s in doc.speakers] == ["Operator", "Jane Roe"]
    assert doc.paragraphs[-2].text.startswith("Revenue - as we said")
