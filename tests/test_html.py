"""HTML filings: EDGAR R pages, a 10-Q, a table cut from it and an earnings press release (read
from ../shared/corpus/html). Every expected cell below was checked by hand in the HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.documents import parse_file
from assistant.documents.source import decode_source
from assistant.errors import ParseError
from assistant.figures import document_figures

HTML = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "html"
needs_corpus = pytest.mark.skipif(not HTML.is_dir(), reason=f"no development HTML at {HTML}")

# (file, row path end, column path part, cell text, signed value, nil)
CELLS = [
    ("aapl-R4.html", ("Net income",), "Sep. 28, 2024", "$ 93,736", 93736, False),
    ("aapl-R4.html", ("Net income",), "Sep. 30, 2023", "$ 96,995", 96995, False),
    ("aapl-R4.html", ("Net income",), "Sep. 24, 2022", "$ 99,803", 99803, False),
    (
        "aapl-R4.html",
        ("Change in foreign currency translation, net of tax",),
        "Sep. 28, 2024",
        "395",
        395,
        False,
    ),
    (
        "aapl-R4.html",
        ("Change in foreign currency translation, net of tax",),
        "Sep. 30, 2023",
        "(765)",
        -765,
        False,
    ),
    (
        "aapl-R4.html",
        ("Change in foreign currency translation, net of tax",),
        "Sep. 24, 2022",
        "(1,511)",
        -1511,
        False,
    ),
    (
        "aapl-R4.html",
        ("Change in fair value of derivative instruments",),
        "Sep. 24, 2022",
        "3,212",
        3212,
        False,
    ),
    ("aapl-R4.html", ("Total comprehensive income",), "Sep. 28, 2024", "$ 98,016", 98016, False),
    (
        "OracleServicesTable.html",
        ("Revenues", "Cloud services and license support"),
        "2024",
        "$10,519",
        10519,
        False,
    ),
    ("OracleServicesTable.html", ("Revenues", "Hardware"), "2023", "714", 714, False),
    ("OracleServicesTable.html", ("Earnings per share", "Diluted"), "2023", "$0.86", 0.86, False),
    (
        "OracleServicesTable.html",
        ("Weighted average common shares outstanding", "Diluted"),
        "2024",
        "2,851",
        2851,
        False,
    ),
    (
        "OracleServicesTable.html",
        ("(Provision for) benefit from income taxes",),
        "2024",
        "(240)",
        -240,
        False,
    ),
    ("OracleServicesTable.html", ("Net income",), "2024", "$2,929", 2929, False),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("SALES, Net of returns and allowances",),
        "November 2, 2024",
        "$293,618",
        293618,
        False,
    ),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("EARNINGS PER SHARE", "Basic"),
        "November 2, 2024",
        "$0.89",
        0.89,
        False,
    ),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("Diluted weighted average shares",),
        "November 2, 2024",
        "50,297",
        50297,
        False,
    ),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("CURRENT ASSETS", "Cash and cash equivalents"),
        "February 3, 2024 (1)",
        "$268,213",
        268213,
        False,
    ),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("Less accumulated depreciation and amortization",),
        "November 2, 2024",
        "(365,241)",
        -365241,
        False,
    ),
    (
        "BuckleInc.8-K.EX99.1.html",
        ("CURRENT ASSETS", "Inventory"),
        "October 28, 2023",
        "152,289",
        152289,
        False,
    ),
    (
        "Oracle.10-Q.html",
        ("Current assets", "Cash and cash equivalents"),
        "August 31, 2024",
        "$10,616",
        10616,
        False,
    ),
    (
        "Oracle.10-Q.html",
        ("Current assets", "Cash and cash equivalents"),
        "May 31, 2024",
        "$10,454",
        10454,
        False,
    ),
    (
        "Oracle.10-Q.html",
        ("Current assets", "Marketable securities"),
        "August 31, 2024",
        "295",
        295,
        False,
    ),
    (
        "Oracle.10-Q.html",
        ("Other comprehensive income, net of tax", "Other, net"),
        "2024",
        "—",
        0.0,
        True,
    ),
    ("Oracle.10-Q.html", ("Assets", "Money market funds"), "Level 2", "$—", 0.0, True),
]


@pytest.fixture(scope="module")
def parsed():
    if not HTML.is_dir():
        pytest.skip(f"no development HTML at {HTML}")
    return {p.name: parse_file(p) for p in sorted(HTML.glob("*.html"))}


def find_cell(doc, row_end, column_part, text):
    for table in doc.tables:
        for row in table.rows:
            if tuple(row.row_path[-len(row_end) :]) != row_end:
                continue
            for cell in row.cells:
                if column_part in cell.column_path and cell.text == text:
                    return table, row, cell
    return None


@needs_corpus
@pytest.mark.parametrize(("name", "row_end", "column", "text", "value", "nil"), CELLS)
def test_hand_checked_cells(parsed, name, row_end, column, text, value, nil):
    found = find_cell(parsed[name], row_end, column, text)
    assert found is not None, (name, row_end, column, text)
    _, _, cell = found
    assert cell.value == pytest.approx(value) and cell.nil is nil


@needs_corpus
def test_headers_become_multi_level_column_paths_and_captions(parsed):
    r4 = parsed["aapl-R4.html"].tables[0]
    assert r4.caption.startswith("CONSOLIDATED STATEMENTS OF COMPREHENSIVE INCOME")
    paths = [row.row_path for row in r4.rows]
    # An R page has no indentation: a heading leads its rows until their total closes it.
    assert (
        "Change in unrealized gains/losses on marketable debt securities, net of tax",
        "Total change in unrealized gains/losses on marketable debt securities",
    ) in paths
    assert ("Total comprehensive income",) in paths
    assert r4.columns[0] == ("12 Months Ended", "Sep. 28, 2024")
    buckle = parsed["BuckleInc.8-K.EX99.1.html"].tables[0]
    assert ("Thirty-Nine Weeks Ended", "October 28, 2023") in buckle.columns
    assert "Amounts in Thousands" in buckle.caption


@needs_corpus
def test_scale_applies_to_amounts_but_not_per_share_values(parsed):
    def figure_for(name, row_end, column):
        doc = parsed[name]
        for chunk, figures in zip(
            chunk_document(doc),
            document_figures(chunk_document(doc), doc.period),
            strict=True,
        ):
            if chunk.kind == "table_row" and chunk.row_path[-len(row_end) :] == row_end:
                return next(f for f in figures if column in f.column_path)
        raise AssertionError(row_end)

    net = figure_for("aapl-R4.html", ("Net income",), "Sep. 28, 2024")
    assert net.value == 93_736_000_000 and net.unit == "USD" and net.scale == "millions"
    eps = figure_for("OracleServicesTable.html", ("Earnings per share", "Diluted"), "2024")
    assert eps.value == pytest.approx(1.03) and eps.scale is None and eps.unit == "USD"
    shares = figure_for(
        "BuckleInc.8-K.EX99.1.html", ("Diluted weighted average shares",), "November 2, 2024"
    )
    assert shares.value == 50_297_000 and shares.unit == "count"
    receivables = figure_for("BuckleInc.8-K.EX99.1.html", ("Receivables",), "November 2, 2024")
    assert receivables.unit == "USD"  # the table's $ reaches rows printed without it
    # A "Diluted" row under "Weighted average common shares outstanding" counts shares.
    diluted = figure_for(
        "OracleServicesTable.html",
        ("Weighted average common shares outstanding", "Diluted"),
        "2024",
    )
    assert diluted.value == 2_851_000_000 and diluted.unit == "count"
    # An opening balance is the previous period's close.
    opening = figure_for(
        "Oracle.10-Q.html", ("Cash and cash equivalents at beginning of period",), "2024"
    )
    closing = figure_for(
        "Oracle.10-Q.html", ("Cash and cash equivalents at end of period",), "2024"
    )
    assert (opening.kind, closing.kind) == ("prior", "actual")


@needs_corpus
def test_a_rows_text_states_the_scale_its_values_are_in(parsed):
    doc = parsed["BuckleInc.8-K.EX99.1.html"]
    rows = {c.row_path: c.text for c in chunk_document(doc) if c.kind == "table_row"}
    assert "NET INCOME ($, in thousands)" in rows[("NET INCOME",)]
    per_share = rows[("EARNINGS PER SHARE", "Diluted")]
    assert "EARNINGS PER SHARE › Diluted ($)" in per_share  # never scaled, so never "in thousands"


@needs_corpus
def test_a_filing_reads_its_narrative_under_item_headings(parsed):
    doc = parsed["Oracle.10-Q.html"]
    assert doc.doc_type == "filing" and doc.company == "Oracle"
    estimates = next(p for p in doc.paragraphs if "from five years to six years" in p.text)
    assert estimates.heading == "Use of Estimates"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "dei:" not in text and "us-gaap:" not in text  # hidden inline XBRL facts skipped
    release = parsed["BuckleInc.8-K.EX99.1.html"]
    assert any("$44.2 million" in p.text for p in release.paragraphs)
    # The quarter the release reports ("third quarter of fiscal 2024"), not the earlier year
    # it mentions first ("the 53rd week in fiscal 2023").
    assert (release.company, release.period) == ("BUCKLE", "Q3 2024")


def test_html_without_text_is_one_clear_error():
    page = b"<html><head><script>var x = 1;</script></head><body><img src='a.png'></body></html>"
    with pytest.raises(ParseError, match="no text found"):
        decode_source(page, "empty.html")


def test_html_past_the_text_limit_is_refused():
    row = "<p>Revenue grew 5% to $4.2 million in the quarter on higher volumes.</p>\n"
    page = ("<html><body>" + row * 65_000 + "</body></html>").encode()
    with pytest.raises(ParseError, match="characters; the limit is"):
        decode_source(page, "long.html")


def test_a_50_mb_html_file_is_refused_before_it_is_parsed():
    page = b"<html><body>" + b"<p>x</p>" * (51 * 1024 * 1024 // 8) + b"</body></html>"
    with pytest.raises(ParseError, match="the limit is 50 MB"):
        decode_source(page, "huge.html")


def test_html_is_recognised_by_content_whatever_its_name():
    page = (
        b"<!DOCTYPE html><html><body><h2>Item 2. Results</h2>"
        b"<p>Revenue was $5 million.</p></body></html>"
    )
    src = decode_source(page, "release.txt")
    assert src.blocks and src.lines == ["Item 2. Results", "Revenue was $5 million."]


@pytest.fixture(scope="module")
def statements_index(tmp_path_factory, encoder):
    """A real index of the press release, the Oracle table and the Apple R page."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    path = tmp_path_factory.mktemp("statements")
    assistant = Assistant(Settings(index_dir=path), encoder)
    names = ("BuckleInc.8-K.EX99.1.html", "OracleServicesTable.html", "aapl-R4.html")
    assistant.build([HTML / name for name in names])
    return assistant


@needs_corpus
@pytest.mark.parametrize(
    ("question", "value", "unit"),
    [
        # The row the question names, not the one sharing its words ("OTHER INCOME, Net").
        (
            "What were Buckle's net sales for the thirteen weeks ended November 2, 2024?",
            (293_618_000, 293_600_000),
            "USD",
        ),
        # "39-week" is the "Thirty-Nine Weeks Ended" column, and the sentence saying it is
        # quoted over a cell of another row.
        (
            "What was Buckle's net income for the 39-week fiscal period ended November 2, 2024?",
            (118_270_000, 118_300_000),
            "USD",
        ),
        # A "Diluted" row under weighted average shares is a share count. (The Oracle table
        # and the R page name no company: the questions name none either.)
        (
            "How many diluted weighted average common shares were outstanding in the three "
            "months ended August 31, 2024?",
            (2_851_000_000,),
            "count",
        ),
        (
            "What was the change in foreign currency translation, net of tax, for the 12 "
            "months ended September 24, 2022?",
            (-1_511_000_000,),
            "USD",
        ),
    ],
)
def test_the_top_figure_is_the_row_and_column_asked(statements_index, question, value, unit):
    answer = statements_index.ask(question)
    top = answer.figures[0].figure
    assert top.unit == unit and any(top.value == pytest.approx(v, rel=0.005) for v in value), (
        answer.answer,
        top,
    )


@needs_corpus
def test_a_dated_question_finds_the_statement_with_that_date(statements_index):
    # Oracle's table has a "Net income" row too, for the three months ended August 31, 2024;
    # the R page's columns are "Sep. 28, 2024", said "September 28, 2024" in the question.
    answer = statements_index.ask("What was net income for the 12 months ended September 28, 2024?")
    assert answer.citations[0].doc_id == "aapl-R4"
    assert answer.figures[0].figure.value == 93_736_000_000
