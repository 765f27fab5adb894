"""Periods are read by one module for documents, questions and figures."""

from __future__ import annotations

import pytest

from assistant.text.periods import (
    Period,
    asked_periods,
    find_period,
    parse_period,
    period_keys,
    periods_in,
)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Q3 2021", Period(2021, 3)),
        ("q4 2024", Period(2024, 4)),
        ("3Q21", Period(2021, 3)),
        ("FY2023", Period(2023)),
        ("FY24", Period(2024)),
        ("2022", Period(2022)),
        ("H1 2025", Period(2025, half=1)),
        ("third quarter of 2022", Period(2022, 3)),
        ("not a period", None),
        (None, None),
    ],
)
def test_labels_parse(label, expected):
    assert parse_period(label) == expected


@pytest.mark.parametrize(
    ("question", "periods"),
    [
        ("What was WTS's revenue in Q2 2021?", [Period(2021, 2)]),
        ("Net income in the third quarter of 2022?", [Period(2022, 3)]),
        ("What did they guide to for fiscal 2021?", [Period(2021)]),
        ("FY24 outlook?", [Period(2024)]),
        ("and in Q3?", [Period(None, 3)]),
        ("Revenue in 4Q23", [Period(2023, 4)]),
        # a period that is only a point of comparison is not the period asked
        ("How has competition changed since Getty's Q2 2022 call?", []),
        ("Q3 2022 margin compared with Q2 2022?", [Period(2022, 3)]),
    ],
)
def test_questions_name_periods(question, periods):
    assert list(asked_periods(question).explicit) == periods


def test_relative_periods_are_kept_for_the_catalog_to_resolve():
    assert asked_periods("What was revenue last quarter?").relative == "latest_quarter"
    assert asked_periods("What was revenue in the previous quarter?").relative == (
        "previous_quarter"
    )
    # a comparison with last quarter does not ask for last quarter
    assert asked_periods("How did margin move compared with last quarter?").relative is None
    assert asked_periods("What is the full year outlook?").full_year


def test_a_quarter_document_covers_its_quarter_and_its_year():
    q3 = Period(2022, 3)
    assert q3.covers(Period(2022, 3))
    assert q3.covers(Period(2022))
    assert not q3.covers(Period(2022, 2))
    assert not q3.covers(Period(2021, 3))
    assert Period(2022, 3).covers(Period(2022, half=2))


def test_figures_and_documents_read_the_same_periods():
    text = "Revenue for the third quarter of 2022 rose, and FY2023 guidance is unchanged."
    assert [label for _, label in periods_in(text)] == ["Q3 2022", "FY2023"]
    assert find_period("Welcome to the Prologis Third Quarter 2022 Earnings Call")[0] == ("Q3 2022")
    # a number after "quarter" is not a year unless it reads as one
    assert [label for _, label in periods_in("in the third quarter 10 stores opened")] == ["Q3"]


@pytest.mark.parametrize(
    "text",
    ["Q2 fiscal 2024", "Q2 fiscal year 2024", "Q2 FY24", "Q2 FY '24", "2Q fiscal 2024", "2Q FY24"],
)
def test_a_quarter_of_a_fiscal_year_is_one_period(text):
    # not the quarter of the document's year and the whole fiscal year besides
    assert [label for _, label in periods_in(f"Revenue in {text} rose.", "2023")] == ["Q2 2024"]
    assert asked_periods(f"What was revenue in {text}?").explicit == (Period(2024, 2),)


def test_a_passage_reads_its_quarters_against_the_calls_own_period():
    q4_call, q1_call = Period(2021, 4), Period(2022, 1)
    assert period_keys("Sales for the fourth quarter grew 10%.", q4_call) == {"Q4 2021", "2021"}
    assert period_keys("This quarter, sales grew 10%.", q4_call) == {"Q4 2021", "2021"}
    # on a Q1 2022 call, "the fourth quarter" is the one just ended or the next one
    assert {"Q4 2021", "Q4 2022"} <= period_keys("The fourth quarter was strong.", q1_call)
    assert "Q1 2022" not in period_keys("The fourth quarter was strong.", q1_call)
    assert period_keys("For fiscal 2021, revenue grew.", q4_call) == {"FY2021", "2021"}


def test_a_half_or_a_short_quarter_said_without_its_year_is_read_against_the_call():
    q3_call = Period(2022, 3)
    # "3Q" and "4Q" alone are quarters, as "3Q22" is
    assert [label for _, label in periods_in("the volumes you lost in 3Q and 4Q")] == ["Q3", "Q4"]
    assert "Q3 2022" in period_keys("the volumes you lost in 3Q", q3_call)
    assert [label for _, label in periods_in("a 10Q filing")] == []
    # on a Q3 call, "the first half" is this year's or next year's; never a yearless label
    keys = period_keys("could we see more in the first half of the year?", q3_call)
    assert {"H1 2022", "H1 2023"} <= keys
    assert "H1" not in keys
    assert period_keys("the second half looks better", q3_call) >= {"H2 2022"}


def test_a_period_that_names_the_call_is_not_the_figures_period():
    from assistant.search.query import question_periods

    # guidance given on the Q4 2020 call is for the first quarter (of 2021)
    asked = question_periods(
        "What revenue does A expect for the first quarter after its Q4 2020 call?"
    )
    assert asked == {"Q1"}
    assert question_periods("What 2022 AFFO guidance did Getty give on its Q3 2022 call?") == {
        "2022"
    }
    # a period that only names the call is still the one asked
    assert question_periods("What was revenue on the Q3 2022 call?") == {"Q3 2022", "2022"}
    # ... unless the question asks for the whole year: the call's fiscal year
    asked = question_periods(
        "How much net income did Citi deliver for the full year, according to its Q4 2023 call?"
    )
    assert asked == {"FY2023", "2023"}
    assert question_periods("What was the annual recurring revenue on the Q4 2023 call?") == {
        "Q4 2023",
        "2023",
    }


def test_a_quarters_figure_is_not_the_whole_year_asked():
    from assistant.figures.model import Figure
    from assistant.search.figure_features import names_asked_period

    def figure(period: str, stated: bool = True) -> Figure:
        return Figure(8.7, "%", "8.7%", (0, 4), period=period, period_stated=stated)

    full_year = frozenset({"FY2024", "2024"})
    assert names_asked_period(figure("2024"), full_year)
    assert names_asked_period(figure("FY2024"), full_year)
    assert not names_asked_period(figure("Q2 2024", stated=False), full_year)
    assert not names_asked_period(figure("H1 2024"), full_year)
    assert names_asked_period(figure("Q2 2024"), frozenset({"Q2 2024", "2024"}))


def test_a_day_has_one_spelling_whatever_the_month_abbreviation():
    from assistant.text.periods import canonical_date, period_keys

    assert canonical_date("Sep. 28, 2024") == "September 28, 2024"
    assert canonical_date("Sept 28 2024") == "September 28, 2024"
    assert canonical_date("December 31, 2023") == "December 31, 2023"
    assert "September 28, 2024" in period_keys("12 Months Ended | Sep. 28, 2024: $ 93,736")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reported net profit for the first half was 2.9 billion", ["H1 2024"]),
        ("our margin in the second half improved", ["H2 2024"]),
        ("in the first half of 2023 we", ["H1 2023"]),
        ("we expect it to recover in the second half of next year", []),
        ("compared with the first half of last year", []),
    ],
)
def test_a_half_without_a_year_is_the_documents_year(text, expected):
    from assistant.text.periods import periods_in

    assert [label for _, label in periods_in(text, "2024")] == expected
