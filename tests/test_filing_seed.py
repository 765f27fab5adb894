"""CNFinance Note 5: each looked-up cell was checked by hand against the flattened file."""

from __future__ import annotations

import pytest

from assistant.documents import Table
from tests.conftest import FILING_SEED

LINES = FILING_SEED.read_text(encoding="utf-8").split("\n")
COLL = "Allowance for credit losses on loans collectively evaluated"
INDIV = "Allowance for credit losses on loans individually evaluated"
LOANS = "Loans principal, interest and financing service fee receivables"
NET = "Net loans principal, interest and financing service fee receivables"


def find_table(doc, caption: str, column: str) -> Table:
    matches = [
        t
        for t in doc.tables
        if caption in t.caption and any(column in part for c in t.columns for part in c)
    ]
    assert len(matches) >= 1, (caption, column)
    return matches[0]


CASES = [
    # caption contains, a column the table has, row path suffix, column path, text, value
    (
        "Loans principal",
        "December 31, 2023",
        ("Home equity loans",),
        ("December 31, 2023",),
        "9,189,524,787",
        9189524787,
    ),
    (
        "Loans principal",
        "December 31, 2022",
        ("Home equity loans", "Allowance for credit losses", "Individually evaluated"),
        ("December 31, 2022",),
        "(12,247,836)",
        -12247836,
    ),
    (
        "Loans principal",
        "December 31, 2023",
        ("Home equity loans", "Allowance for credit losses", "Subtotal"),
        ("December 31, 2023",),
        "(725,830,687)",
        -725830687,
    ),
    (
        "Loans principal",
        "December 31, 2023",
        ("Corporate loans", LOANS),
        ("December 31, 2023",),
        "626,229,041",
        626229041,
    ),
    (
        "Loans principal",
        "December 31, 2022",
        ("Corporate loans", "Allowance for credit losses"),
        ("December 31, 2022",),
        "(24,693,114)",
        -24693114,
    ),
    (
        "Loans principal",
        "December 31, 2023",
        ("Corporate loans", f"{NET} of corporate loan"),
        ("December 31, 2023",),
        "570,264,632",
        570264632,
    ),
    (
        "Loans principal",
        "Second lien",
        (LOANS,),
        ("December 31, 2023", "Second lien"),
        "5,712,315,808",
        5712315808,
    ),
    (
        "Loans principal",
        "Second lien",
        ("Allowance for credit losses", "Individually evaluated"),
        ("December 31, 2022", "First lien"),
        "(3,836,350)",
        -3836350,
    ),
    (
        "Loans principal",
        "Second lien",
        ("Allowance for credit losses", "Collectively evaluated"),
        ("December 31, 2023", "Subtotal"),
        "(685,916,740)",
        -685916740,
    ),
    (
        "Loans principal",
        "Second lien",
        (NET,),
        ("December 31, 2022", "Second lien"),
        "5,184,286,524",
        5184286524,
    ),
    (
        "components of allowances",
        "December 31, 2023",
        ("Charge-offs",),
        ("December 31, 2023", INDIV, "Subtotal"),
        "(46,300,172)",
        -46300172,
    ),
    (
        "components of allowances",
        "December 31, 2023",
        ("Charge-offs",),
        ("December 31, 2023", INDIV, "Second lien"),
        "(25,852,778)",
        -25852778,
    ),
    (
        "components of allowances",
        "December 31, 2023",
        ("Provision for credit losses",),
        ("December 31, 2023", "Total"),
        "37,993,481",
        37993481,
    ),
    (
        "components of allowances",
        "December 31, 2023",
        ("As of December 31",),
        ("December 31, 2023", "Total"),
        "725,830,687",
        725830687,
    ),
    (
        "components of allowances",
        "December 31, 2023",
        ("Recorded investment",),
        ("December 31, 2023", INDIV, "First lien"),
        "48,141,278",
        48141278,
    ),
    (
        "components of allowances",
        "December 31, 2022",
        ("Decrease in guaranteed recoverable assets",),
        ("December 31, 2022", "Total"),
        "(347,620,170)",
        -347620170,
    ),
    (
        "aging of allowance",
        "91 - 180 days past due",
        ("Second lien",),
        ("91 - 180 days past due",),
        "26,814,193",
        26814193,
    ),
    (
        "delinquency",
        "31 - 90 days past due",
        (LOANS,),
        ("31 - 90 days past due",),
        "643,651,955",
        643651955,
    ),
    (
        "Non-accrual loans summary",
        "Unpaid principal balance",
        ("As of December 31, 2023", "Second lien"),
        ("Related allowance for credit losses",),
        "26,814,193",
        26814193,
    ),
    (
        "Non-accrual loans summary",
        "Unpaid principal balance",
        ("As of December 31, 2022", "First lien"),
        ("Unpaid principal balance",),
        "32,981,329",
        32981329,
    ),
    (
        "Average recorded investment",
        "Year ended December 31, 2023",
        ("Non-accrual loans",),
        ("Year ended December 31, 2023", "Interest and fees income recognized"),
        "253,851,282",
        253851282,
    ),
    (
        "Average recorded investment",
        "Year ended December 31, 2022",
        ("Second lien",),
        ("Year ended December 31, 2022", "Average recorded investment"),
        "78,248,017",
        78248017,
    ),
]


@pytest.mark.parametrize(("caption", "column", "row_path", "column_path", "text", "value"), CASES)
def test_cell_lookup(filing_doc, caption, column, row_path, column_path, text, value):
    table = find_table(filing_doc, caption, column)
    cell = table.cell(row_path, column_path)
    assert cell is not None, (row_path, column_path)
    assert cell.text == text
    assert cell.value == value
    assert cell.currency == "RMB"
    assert LINES[cell.line - 1] == "|" + text.rstrip(")")


def test_nil_cells_are_zero_and_marked(filing_doc):
    table = find_table(filing_doc, "components of allowances", "December 31, 2023")
    cell = table.cell(("Recoveries",), ("December 31, 2023", COLL, "First lien"))
    assert (cell.text, cell.value, cell.nil) == ("-", 0.0, True)
    older = find_table(filing_doc, "components of allowances", "December 31, 2022")
    cell = older.cell(("Charge-offs",), ("December 31, 2022", COLL, "Second lien"))
    assert (cell.text, cell.value, cell.nil) == ("-", 0.0, True)


def test_delinquency_tables_are_told_apart_by_their_captions(filing_doc):
    delinquency = [
        t for t in filing_doc.tables if "provides information on delinquency" in t.caption
    ]
    assert len(delinquency) == 2
    assert "December 31, 2023" in delinquency[0].caption
    assert "December 31, 2022" in delinquency[1].caption
    cell = delinquency[1].cell((LOANS,), ("31 - 90 days past due",))
    assert cell.value == 750610120


def test_multi_line_headers_are_joined(filing_doc):
    first = filing_doc.tables[0]
    assert first.columns == (("December 31, 2022",), ("December 31, 2023",))  # lines 9-10, 13-14
    delinquency = find_table(filing_doc, "delinquency", "Total non-accrual")
    assert delinquency.columns[0] == ("Total current",)  # "|Total" + "current"
    assert len(delinquency.columns) == 9


def test_tables_and_narrative_are_recognised(filing_doc):
    assert len(filing_doc.tables) == 10
    assert sum(len(t.rows) for t in filing_doc.tables) == 51
    prose = " ".join(p.text for p in filing_doc.paragraphs)
    assert "placed on non-accrual status when payments are 90 days contractually past" in prose
    assert "RMB725 million, a decrease from RMB739 million" in prose
    first = next(p for p in filing_doc.paragraphs if "RMB725 million" in p.text)
    assert first.lines == (428, 433)
    assert first.heading == "(i) Allowance for credit losses"


def test_metadata_comes_from_the_sidecar(filing_doc):
    assert filing_doc.company == "CNFinance Holdings"
    assert filing_doc.period == "FY2023"
    assert filing_doc.doc_type == "filing"
    assert filing_doc.warnings == ()
