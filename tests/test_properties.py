"""Property tests: no input makes a parser raise anything but ParseError, and every span
points inside the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.documents import Metadata, Paragraph, Table, parse_text
from assistant.errors import ParseError

PIECES = [
    "Operator",
    "Jane Roe - Chief Executive Officer",
    "Bob Smith -- Big Bank -- Analyst",
    "Prepared Remarks:",
    "QUESTIONS AND ANSWERS",
    "CORPORATE PARTICIPANTS",
    "Acme Inc - CFO",
    "|",
    "|RMB",
    "|(12,345",
    "|)",
    "|-",
    "|December 31,",
    "2023",
    "|Total",
    "past due",
    "|- Individually evaluated",
    "|Home equity loans:",
    "|(a)",
    "|1,234,567",
    "營業收入為37億元人民幣。",
    "(spoken by AI)",
    "[RMB52 billion]",
    "Revenue was RMB3.7 billion.",
    "# Heading",
    "- bullet",
    "",
    "   ",
    "----------",
    "The table below presents the figures.",
]
line = st.one_of(st.sampled_from(PIECES), st.text(max_size=40))
documents = st.lists(line, min_size=1, max_size=60).map("\n".join)


def check_spans(doc) -> None:
    n = doc.line_count
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            assert 1 <= block.lines[0] <= block.lines[1] <= n
            if block.translation_lines:
                assert 1 <= block.translation_lines[0] <= block.translation_lines[1] <= n
        elif isinstance(block, Table):
            assert 1 <= block.lines[0] <= block.lines[1] <= n
            for row in block.rows:
                assert 1 <= row.lines[0] <= row.lines[1] <= n
                assert all(row.lines[0] <= c.line <= row.lines[1] for c in row.cells)
    for chunk in chunk_document(doc):
        assert 1 <= chunk.lines[0] <= chunk.lines[1] <= n


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from([None, "transcript", "filing", "notes"]))
def test_parsers_never_raise_and_spans_lie_inside_the_file(text, doc_type):
    try:
        doc = parse_text(text, "fuzz.txt", Metadata(doc_type=doc_type))
    except ParseError:
        return
    check_spans(doc)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_document_or_a_parse_error(raw):
    from assistant.documents import parse_source
    from assistant.documents.source import decode_source

    try:
        doc = parse_source(decode_source(raw, "bytes.txt"))
    except ParseError as error:
        assert "bytes.txt" in str(error)
        return
    check_spans(doc)
