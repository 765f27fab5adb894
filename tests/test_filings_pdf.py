"""Filings read as filings: the kind of a PDF, its SEC cover, statement tables rebuilt from
word positions, the periods a filing states, and companies as one registry.

Real 10-K, 10-Q, 8-K and earnings-release PDFs from ../shared/corpus/filings-pdf."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.cover import fiscal_quarter, read_cover, readable_case
from assistant.documents.pdf_layout import LayoutLine, Word
from assistant.documents.pdf_tables import split_row

pytestmark = pytest.mark.slow  # reads real 10-K, 10-Q and 8-K PDFs

FILINGS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "filings-pdf"
needs_filings = pytest.mark.skipif(not FILINGS.exists(), reason="../shared/corpus is absent")


@pytest.fixture(scope="module")
def ebay_10k():
    from assistant.documents import parse_file

    if not FILINGS.exists():
        pytest.skip("../shared/corpus is absent")
    return parse_file(FILINGS / "EBAY_2022_10K.pdf")


@needs_filings
def test_a_10k_cover_gives_registrant_form_and_fiscal_year(ebay_10k):
    assert ebay_10k.doc_type == "filing"
    assert (ebay_10k.company, ebay_10k.period, ebay_10k.ticker) == ("eBay", "FY2022", "EBAY")
    assert "eBay Inc." in ebay_10k.aliases
    summary = " ".join(ebay_10k.recognised)
    assert "read as a report" in summary and "SEC cover page (Form 10-K)" in summary
    assert "period ended 2022-12-31" in summary


@needs_filings
def test_a_10q_is_its_fiscal_quarter_and_an_8k_its_event():
    from assistant.documents import parse_file

    quarterly = parse_file(FILINGS / "SALESFORCE_2023Q3_10Q.pdf")
    # The quarter ended October 31, 2022 is the third of the year ending January 31, 2023.
    assert (quarterly.company, quarterly.period, quarterly.ticker) == (
        "Salesforce",
        "Q3 2023",
        "CRM",
    )
    current = parse_file(FILINGS / "EBAY_2023Q1_8K.pdf")
    assert current.company == "eBay" and current.date == "2023-02-07"
    assert any("read as a current report" in r for r in current.recognised)


@needs_filings
def test_a_release_names_its_company_behind_the_dateline():
    from assistant.documents import parse_file

    release = parse_file(FILINGS / "INTEL_2023Q1_EARNINGS.pdf")
    assert (release.company, release.period, release.doc_type) == ("Intel", "Q1 2023", "filing")
    assert any("read as a release" in r for r in release.recognised)


@needs_filings
def test_a_cash_flow_row_cites_its_page_with_scale_and_sign(ebay_10k):
    from assistant.chunking import chunk_document
    from assistant.figures import document_figures

    chunks = chunk_document(ebay_10k)
    row = next(
        c
        for c in chunks
        if c.kind == "table_row"
        and c.row_path[-1:] == ("Purchases of property and equipment",)
        and "CASH FLOWS" in (c.heading or "").upper()
    )
    assert row.pages == (62, 62)
    assert row.row_path[0] == "Cash flows from investing activities"
    figures = document_figures([row], ebay_10k.period)[0]
    by_period = {f.period: f for f in figures}
    first = by_period["Year Ended December 31, 2022"]
    assert (first.value, first.unit, first.scale) == (-449_000_000.0, "USD", "millions")
    assert by_period["Year Ended December 31, 2020"].value == -463_000_000.0


@needs_filings
def test_per_share_rows_are_not_scaled(ebay_10k):
    table = next(t for t in ebay_10k.tables if t.caption == "CONSOLIDATED STATEMENT OF INCOME")
    eps = next(r for r in table.rows if r.label == "Net income (loss) per share - diluted")
    assert [c.value for c in eps.cells] == [-2.27, 20.54, 7.89]
    assert table.scale == "millions"
    from assistant.chunking import row_scale

    assert row_scale(table, eps) is None


@needs_filings
def test_calls_set_as_pdf_stay_calls():
    from assistant.documents import parse_file

    call = parse_file(FILINGS.parent / "pdf" / "ubs-2024-q1.pdf")
    assert call.doc_type == "transcript" and call.speakers


def line_of(*cells: tuple[str, float]) -> LayoutLine:
    """A line of words at the given left edges, 8 points high, 5 points a character."""
    words = []
    for text, x0 in cells:
        for k, part in enumerate(text.split(" ")):
            start = x0 + sum(len(p) * 5 + 2 for p in text.split(" ")[:k])
            words.append(Word(part, start, start + 5 * len(part), 108, 100))
    return LayoutLine(words=tuple(words), page=1)


def test_a_row_splits_into_label_and_signed_values():
    row = split_row(line_of(("Net income (loss)", 20), ("$ (1,269)", 300), ("$ 13,608", 380)), 7)
    assert row.is_data and row.label == "Net income (loss)"
    assert [(v.text, v.currency) for v in row.values] == [("(1,269)", "$"), ("13,608", "$")]


def test_a_number_inside_prose_is_not_a_column():
    prose = line_of(("We employed about 12,300 people at the end of the year in 2022", 20))
    assert not split_row(prose, 1).values
    years = split_row(line_of(("2022", 300), ("2021", 380)), 2)
    assert years.is_header and not years.is_data


def test_fiscal_quarters_follow_the_fiscal_year_end():
    assert fiscal_quarter(2022, 10, 1) == "Q3 2023"  # Salesforce: year ends January 31
    assert fiscal_quarter(2023, 8, 5) == "Q1 2024"  # FedEx: year ends May 31
    assert fiscal_quarter(2022, 9, 12) == "Q3 2022"
    assert fiscal_quarter(2022, 12, 12) == "Q4 2022"


def test_a_cover_set_as_a_table_names_the_first_registrant():
    lines = [
        "SECURITIES AND EXCHANGE COMMISSION",
        "FORM 10-K",
        "For the Fis cal Year Ended December 31, 2015",
        "Commission Exact Name of Registrant State or Other Jurisdiction of IRS Employer",
        "1-12609 PG&E CORPORATION California 94-3234914",
        "1-2348 PACIFIC GAS AND ELECTRIC COMPANY California 94-0742640",
        "Common stock, no par value PCG The New York Stock Exchange",
        "nonredeemable PCG-PA NYSE American LLC",
    ]
    cover = read_cover(lines)
    assert cover is not None
    assert (cover.form, cover.registrant, cover.period) == ("10-K", "PG&E Corporation", "FY2015")
    assert cover.tickers == ("PCG",)
    assert readable_case("INTEL CORPORATION") == "Intel Corporation"
    assert read_cover(["Exhibit 99.1", "McDonald's reports first quarter results"]) is None


@pytest.fixture(scope="module")
def release_index(tmp_path_factory, encoder):
    """A real index of one earnings release: the Q1 2023 quarter beside Q1 2022's column."""
    import shutil

    from assistant.service import Assistant
    from assistant.settings import Settings

    if not FILINGS.exists():
        pytest.skip("../shared/corpus is absent")
    folder = tmp_path_factory.mktemp("release")
    shutil.copy(FILINGS / "MCDONALDS_2023Q1_EARNINGS.pdf", folder)
    assistant = Assistant(Settings(index_dir=tmp_path_factory.mktemp("release-index")), encoder)
    assistant.build([folder])
    return assistant


def test_a_prior_year_is_answered_from_the_comparative_column(release_index):
    record = release_index.retriever().store.documents["MCDONALDS_2023Q1_EARNINGS"]
    assert record.period == "Q1 2023" and "Q1 2022" in record.covers
    result = release_index.ask("What was McDonald's net income in the first quarter of 2022?")
    assert result.found
    top = result.figures[0].figure
    assert (top.value, top.unit) == (1_104_400_000.0, "USD")
    assert "2022" in (top.period or "")


def test_an_unknown_company_gets_the_nearest_and_no_figures(release_index):
    result = release_index.ask("What was Burger King's net income in the first quarter of 2023?")
    assert not result.found and not result.figures
    assert "Burger King" in result.answer and "McDonald's" in result.answer


def test_unmapped_ligatures_become_the_word_the_tokenizer_knows():
    from assistant.documents.ligatures import restore

    marked = "Cash \ufffeows O\ufffecer signi\ufffecant \ufffelings long\ufffeterm"
    assert restore(marked) == "Cash flows Officer significant filings long\ufffeterm"


def test_an_excluding_opening_qualifies_the_main_clause():
    from assistant.figures import english_figures
    from assistant.search.figure_choice import figure_context
    from assistant.search.query import qualifiers_of

    text = (
        "Diluted earnings per share was $2.45. Excluding $0.18 per share of restructuring "
        "charges, diluted earnings per share was $2.63, an increase of 15%."
    )
    figures = english_figures(text, "Q1 2023")
    by_text = {f.text: f for f in figures}
    assert "adjusted" in qualifiers_of(figure_context(text, figures, by_text["$2.63"]))
    assert "adjusted" not in qualifiers_of(figure_context(text, figures, by_text["$2.45"]))
