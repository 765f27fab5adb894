"""Chunks follow speakers, keep their provenance, and keep stable ids."""

from __future__ import annotations

from assistant.chunking import ChunkingParams, chunk_document
from assistant.documents import parse_file, parse_text
from tests.conftest import FILING_SEED, FIXTURES, TRANSCRIPT_SEED

LINES = TRANSCRIPT_SEED.read_text(encoding="utf-8").split("\n")


def test_transcript_chunks_never_cross_speakers(transcript_doc):
    chunks = chunk_document(transcript_doc)
    by_line = {p.lines[0]: p for p in transcript_doc.paragraphs}
    for chunk in chunks:
        owners = {
            by_line[n].speaker.name
            for n in range(chunk.lines[0], chunk.lines[1] + 1)
            if n in by_line
        }
        assert owners == {chunk.speaker}, chunk.chunk_id


def test_transcript_chunks_carry_speaker_section_exchange_lines_and_translation(transcript_doc):
    chunks = chunk_document(transcript_doc)
    revenue = next(c for c in chunks if "Revenue was RMB3.7 billion" in c.text)
    assert revenue.speaker == "Wenjie Xiao"
    assert revenue.role == "management"
    assert revenue.section == "prepared_remarks"
    assert revenue.lines == (22, 23)
    assert "營業收入為37億元人民幣" in revenue.translation
    assert revenue.uncertain == ("RMB52 billion",)
    answer = next(c for c in chunks if "net profit margin in the last four quarters" in c.text)
    assert (answer.speaker, answer.section, answer.exchange) == ("James Zheng", "qa", 3)
    question = next(c for c in chunks if c.role == "analyst" and c.exchange == 2)
    assert question.firm == "UBS"


def test_the_encoder_reads_what_was_said_and_bm25_also_who_said_it(transcript_doc):
    from assistant.text.lexical import chunk_lexical_text, tokenize

    revenue = next(c for c in chunk_document(transcript_doc) if "RMB3.7 billion" in c.text)
    assert revenue.embedding_text == revenue.text
    assert set(tokenize(revenue.said_by)) <= set(tokenize(chunk_lexical_text(revenue)))


def test_marker_only_paragraphs_make_no_chunk(transcript_doc):
    chunks = chunk_document(transcript_doc)
    assert not any(c.text == "(spoken in Chinese)" for c in chunks)


def test_chunk_text_is_the_source_text(transcript_doc):
    from assistant.chunking import is_marker_only
    from assistant.documents.text import collapse, is_cjk

    for chunk in chunk_document(transcript_doc):
        english = [
            collapse(line)
            for line in LINES[chunk.lines[0] - 1 : chunk.lines[1]]
            if line.strip() and not is_cjk(line) and not is_marker_only(line)
        ]
        assert chunk.text == " ".join(english), chunk.chunk_id


def test_long_turns_split_at_paragraph_and_sentence_boundaries(transcript_doc):
    params = ChunkingParams(max_chars=300, min_chars=100)
    chunks = chunk_document(transcript_doc, params)
    assert all(len(c.text) <= 300 or ". " not in c.text for c in chunks)
    assert len(chunks) > len(chunk_document(transcript_doc))


def test_table_rows_read_alone(filing_doc):
    chunks = chunk_document(filing_doc)
    rows = [c for c in chunks if c.kind == "table_row"]
    assert len(rows) == 51
    row = next(c for c in rows if "643,651,955" in c.text)
    assert "as of December 31, 2023" in row.text  # caption
    assert "Loans principal, interest and financing service fee receivables (RMB)" in row.text
    assert "31 - 90 days past due: 643,651,955" in row.text
    assert row.lines == (1545, 1580)
    charge = next(c for c in rows if "(46,300,172)" in c.text)
    assert charge.row_path == ("Charge-offs",)
    assert (
        "Allowance for credit losses on loans individually evaluated › Subtotal: (46,300,172)"
        in (charge.text)
    )
    cell = next(c for c in charge.cells if c.text == "(46,300,172)")
    assert cell.value == -46300172
    assert cell.column_path[-1] == "Subtotal"


def test_ids_are_stable_and_unique_across_rebuilds():
    for path in (TRANSCRIPT_SEED, FILING_SEED, FIXTURES / "news_call.txt"):
        first = [c.chunk_id for c in chunk_document(parse_file(path))]
        second = [c.chunk_id for c in chunk_document(parse_file(path))]
        assert first == second
        assert len(set(first)) == len(first)
        assert all(i.startswith(path.stem) for i in first)


def test_content_hash_changes_only_with_content():
    a = chunk_document(
        parse_text("Operator\nHello there.\nJane Roe - CFO\nRevenue rose.\n", "a.txt")
    )
    b = chunk_document(
        parse_text("Operator\nHello there.\nJane Roe - CFO\nRevenue fell.\n", "a.txt")
    )
    assert a[0].content_hash == b[0].content_hash
    assert a[1].content_hash != b[1].content_hash


def test_no_passage_grows_with_the_document():
    """A document on one line, a sentence without end, text without spaces: passages stay
    within the size limit, so an answer quoting one stays small and figure extraction stays
    linear in the document."""
    params = ChunkingParams()
    one_line = "Revenue grew 5% to $4.2 million. " * 3000
    no_end = "revenue grew and margin widened and stores opened " * 2000
    no_spaces = "營業收入同比增長" * 2000
    for text in (one_line, no_end, no_spaces):
        doc = parse_text(text, "long.txt")
        chunks = chunk_document(doc, params)
        assert len(chunks) > 10
        assert max(len(c.text) for c in chunks) <= params.max_chars
        assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_a_figures_sentence_is_looked_for_near_it_only():
    from assistant.figures import SENTENCE_WINDOW, sentence_bounds

    text = "x" * 400_000 + " revenue was $5 million " + "y" * 400_000
    start, end = sentence_bounds(text, 400_010)
    assert 400_010 - start <= SENTENCE_WINDOW and end - 400_010 <= SENTENCE_WINDOW


def test_a_quote_starts_after_the_short_remark_joined_to_its_sentence():
    from assistant.chunking import without_short_opening

    said = "Thanks, Laura. Net revenue was $612 million, an increase of 19% year over year."
    assert without_short_opening(said).startswith("Net revenue was $612 million")
    reply = "Sure. Yes, our plan would be to sprinkle that in across next year."
    assert (
        without_short_opening(reply)
        == "Yes, our plan would be to sprinkle that in across next year."
    )
    # A short opening that states a figure, an abbreviation, or a remark with nothing after
    # it is kept as it is.
    for kept in (
        "Q4 was $3 billion. Up 5% from a year ago.",
        "Mr. Smith said revenue rose 5%.",
        "Yes. Okay.",
    ):
        assert without_short_opening(kept) == kept


def test_an_answer_does_not_quote_the_thanks_before_its_figure(tmp_path, assistant_on):
    assistant = assistant_on(tmp_path / "index")
    assistant.build([FIXTURES / "wire_call.txt"])
    answer = assistant.ask("What was Helix Payments' net revenue?")
    assert answer.found and "$612 million" in answer.answer
    assert "Thanks, Laura" not in answer.answer
    first = answer.answer.split(" [", 1)[0]
    assert first in answer.citations[0].text or any(first in c.text for c in answer.citations)
