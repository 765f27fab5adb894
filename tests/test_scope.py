"""Question scope against a catalog of indexed documents (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.search.catalog import Catalog
from assistant.search.scope import resolve_scope
from assistant.text.lexical import STOPWORDS


@dataclass(frozen=True)
class DocumentFacts:
    """The fields of an indexed document that scope reads."""

    doc_id: str
    company: str | None
    ticker: str | None
    aliases: tuple[str, ...]
    period: str | None


DOCS = [
    DocumentFacts("WTS_q2_2021", "WTS", "WTS", ("WTS",), "Q2 2021"),
    DocumentFacts("WTS_q3_2021", "WTS", "WTS", ("WTS",), "Q3 2021"),
    DocumentFacts(
        "prologis-q3-2022",
        "Prologis",
        None,
        ("Prologis, Inc.", "Prologis"),
        "Q3 2022",
    ),
    DocumentFacts(
        "are-q3-2022",
        "Alexandria Real Estate Equities",
        "ARE",
        ("Alexandria Real Estate Equities, Inc.", "Alexandria Real Estate Equities", "Alexandria"),
        "Q3 2022",
    ),
    DocumentFacts("A_q4_2020", "A", "A", ("A",), "Q4 2020"),
    DocumentFacts("notes", None, None, (), None),
]
CATALOG = Catalog(DOCS)
INDEXED_WORDS = {"revenue", "occupancy", "eps", "ffo", "core", "net", "income", "are"}


def scope(question: str, filters=None, guidance=False):
    return resolve_scope(
        question,
        CATALOG,
        filters,
        lambda w: w in STOPWORDS or w in INDEXED_WORDS,
        lambda w: w in INDEXED_WORDS,
        guidance,
    )


@pytest.mark.parametrize(
    ("question", "docs"),
    [
        ("What was WTS's revenue in Q2 2021?", ("WTS_q2_2021",)),
        ("what was wts revenue in q3 2021", ("WTS_q3_2021",)),
        ("What was Prologis's occupancy in the third quarter of 2022?", ("prologis-q3-2022",)),
        ("Prologis, Inc. core FFO?", ("prologis-q3-2022",)),
        ("What did Alexandria report in Q3 2022?", ("are-q3-2022",)),
        ("What was ARE's occupancy?", ("are-q3-2022",)),
        ("What was A's revenue in Q4 2020?", ("A_q4_2020",)),
        ("What revenue does A expect for the first quarter?", ("A_q4_2020",)),
        ("How much cash did A return to shareholders?", ("A_q4_2020",)),
        ("What was WTS revenue last quarter?", ("WTS_q3_2021",)),
    ],
)
def test_companies_and_periods_resolve_to_documents(question, docs):
    found = scope(question)
    assert found.inferred and found.doc_ids == docs and not found.missing


def test_ordinary_words_are_not_tickers():
    # "are" is Alexandria's ticker in lower case, and "A" is Agilent's: neither is a name here.
    found = scope("What are the risks in a downturn?")
    assert found.doc_ids is None and not found.companies
    for question in (
        "A dividend was paid?",
        "What is a Class A share worth?",
        "Is a buyback planned?",
    ):
        assert not scope(question).companies, question


def test_a_company_that_is_not_indexed_is_missing_and_names_close_ones():
    found = scope("What was Prologiss's occupancy?")
    assert found.doc_ids == () and "Prologiss" in found.missing and "Prologis" in found.missing
    found = scope("What was Tesla's revenue in Q3 2022?")
    assert found.doc_ids == () and "Tesla" in found.missing
    assert scope("What was XYZQ revenue?").missing  # a ticker-like word never indexed


def test_a_period_the_company_does_not_cover_is_reported():
    found = scope("What was WTS's revenue in Q4 2021?")
    assert found.period_uncovered and found.companies == ("WTS",)
    assert found.covered_periods == ("Q2 2021", "Q3 2021")
    # the company's documents stay in scope, to show what they do state
    assert set(found.doc_ids) == {"WTS_q2_2021", "WTS_q3_2021"}


def test_guidance_questions_keep_the_company_but_not_the_target_period():
    found = scope("What FY2022 revenue did WTS guide to?", guidance=True)
    assert set(found.doc_ids) == {"WTS_q2_2021", "WTS_q3_2021"}


def test_a_call_named_by_its_quarter_is_the_scope_even_for_guidance():
    found = scope("What 2022 revenue guidance did WTS give on its Q3 2021 call?", guidance=True)
    assert found.doc_ids == ("WTS_q3_2021",)
    # Without "call", the quarter is the asked figure's, and guidance keeps every call.
    found = scope("What revenue did WTS guide to for Q3 2022?", guidance=True)
    assert set(found.doc_ids) == {"WTS_q2_2021", "WTS_q3_2021"}


def test_filters_win_over_the_question():
    found = scope("What was Prologis's occupancy?", {"company": "WTS"})
    assert found.source == "filter" and found.companies == ("WTS",)


def test_a_period_without_a_company_scopes_to_documents_of_that_period():
    found = scope("What was occupancy in Q3 2022?")
    assert set(found.doc_ids) == {"prologis-q3-2022", "are-q3-2022"}
    assert found.describe() == "Q3 2022"


@pytest.mark.parametrize(
    ("question", "units"),
    [
        ("How much can the company flex its harvest up or down from year to year?", {"%"}),
        ("How much could prices move down or up next year?", {"%"}),
        ("What were total company comparable sales in Q4?", {"%"}),
        ("What was the total potential contract value?", {"USD"}),  # a contract, not contraction
        ("How did gross margin contract?", {"%"}),
        ("What was the net debt to EBITDA leverage?", {"x"}),
        ("How many homes did it sell?", {"count"}),
    ],
)
def test_the_unit_a_question_expects(question, units):
    from assistant.search.query import expected_units

    assert units <= expected_units(question)
    if units == {"USD"}:
        assert "%" not in expected_units(question)


@dataclass(frozen=True)
class FilingFacts(DocumentFacts):
    covers: tuple[str, ...] = ()


REGISTRY = Catalog(
    [
        FilingFacts(
            "jpm-q2", "JPMorgan Chase", None, ("JPMorgan Chase & Co.", "JPMorgan"), "Q2 2024"
        ),
        FilingFacts("jpm-q3", "JPMorganChase", None, ("JPMorganChase",), "Q3 2024"),
        FilingFacts("mcd-10k", "McDONALD’S", "MCD", ("McDONALD’S CORPORATION",), "FY2022"),
        FilingFacts("mcd-q1", "McDonald's", None, ("McDonald's Corporation",), "Q1 2023"),
        FilingFacts(
            "intc-10k", "Intel", "INTC", ("Intel Corporation",), "FY2020", ("FY2018", "FY2019")
        ),
        FilingFacts("bxp", "BXP", "BXP", ("BXP, Inc.",), "Q3 2022"),
        FilingFacts("prologis", "Prologis", "PLD", ("Prologis, Inc.",), "Q3 2022"),
    ]
)


def registry_scope(question: str):
    return resolve_scope(
        question, REGISTRY, None, lambda w: w in STOPWORDS, lambda w: w in INDEXED_WORDS
    )


def test_two_spellings_of_one_company_are_one_company():
    names = {c.name: c.doc_ids for c in REGISTRY.companies.values()}
    assert names["JPMorgan Chase"] == ("jpm-q2", "jpm-q3")
    assert names["McDonald's"] == ("mcd-10k", "mcd-q1")  # the readable spelling is shown
    for question in (
        "How did JPMorgan's CET1 ratio change over 2024?",
        "How did JPMorganChase's CET1 ratio change over 2024?",
        "How did jpmorgan chase's CET1 ratio change over 2024?",
    ):
        assert set(registry_scope(question).doc_ids or ()) == {"jpm-q2", "jpm-q3"}, question
    assert registry_scope("What was McDonald's net income in 2022?").doc_ids == ("mcd-10k",)
    assert registry_scope("What was MCD's net income in Q1 2023?").doc_ids == ("mcd-q1",)


def test_an_unknown_company_is_named_with_the_nearest_and_never_dropped():
    found = registry_scope("What was Boston Properties' FFO per share in Q3 2022?")
    assert found.doc_ids == () and found.unknown == ("Boston Properties",)
    assert found.missing and "Boston Properties" in found.missing
    assert "Indexed companies include" in found.missing


def test_a_prior_year_is_answered_from_a_later_filing_that_states_it():
    found = registry_scope("What was Intel's operating income in 2018?")
    assert found.doc_ids == ("intc-10k",) and not found.period_uncovered
    missing = registry_scope("What was Intel's operating income in 2016?")
    assert missing.period_uncovered and missing.covered_periods == ("FY2020",)
