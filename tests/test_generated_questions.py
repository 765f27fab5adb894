"""Questions generated from ECTSum's summaries: bullets as the summaries write them, and a
real validation call, each question kept only when its call states its figure for its
metric."""

from __future__ import annotations

import json

import pytest

from benchmarks.generate_questions import (
    bullet_figure,
    generate_for_call,
    head_word,
    metric_phrase,
    question_for,
    said_period,
)
from tests.conftest import ROOT

VAL = ROOT.parent / "shared" / "corpus" / "ectsum-val"


@pytest.mark.parametrize(
    ("bullet", "ticker", "phrase", "value"),
    [
        ("q3 adjusted earnings per share $5.36.", "X", "adjusted earnings per share", 5.36),
        ("allete inc - qtrly earnings per share $1.18.", "ALE", "earnings per share", 1.18),
        (
            "q3 sales $865 million versus refinitiv ibes estimate of $878.5 million.",
            "CRI",
            "sales",
            865e6,
        ),
        (
            "capital expenditures are estimated to be in range of $50 million to $55 million.",
            "SSD",
            "capital expenditures",
            50e6,
        ),
        (
            "for q4 2020 expect adjusted diluted earnings per share in range of $0.98 to $1.00.",
            "APH",
            "adjusted diluted earnings per share",
            0.98,
        ),
        ("q3 revenue rose 16 percent to $4.6 billion.", "MMC", "revenue", 16.0),
    ],
)
def test_a_bullet_gives_its_figure_and_the_name_of_what_it_measures(bullet, ticker, phrase, value):
    figure = bullet_figure(bullet, "Q3 2021")
    assert figure is not None and figure.value == pytest.approx(value)
    assert metric_phrase(bullet, figure.span[0], ticker) == phrase


def test_the_head_noun_and_the_period_a_bullet_names():
    assert head_word("revenues from continuing operations") == "revenu"
    assert head_word("adjusted earnings per share") == "earn"
    assert said_period("for q4 2020 expect", "Q3 2020") == "Q4 2020"
    assert said_period("sees fy 2021", "Q3 2021") == "full-year 2021"
    assert said_period("q3", "Q3 2021") is None  # the call's own quarter


@pytest.mark.skipif(not VAL.is_dir(), reason=f"no validation calls at {VAL}")
def test_a_call_gives_questions_only_for_figures_it_states_for_their_metric():
    call = VAL / "MMC_q3_2021.txt"
    generated = generate_for_call(call, VAL / "summaries" / call.name)
    text = call.read_text(encoding="utf-8")
    bullets = (VAL / "summaries" / call.name).read_text(encoding="utf-8").splitlines()
    assert generated and len(generated) <= len(bullets)
    for item in generated:
        assert item.evidence in text  # the evidence is the call's own words
        assert item.question.startswith(("What", "By how much")) and "MMC" in item.question
        json.dumps(item.figure)  # as the question file stores it
    asked = {g.question: g.figure["value"] for g in generated}
    assert asked["What was MMC's adjusted earnings per share in Q3 2021?"] == 1.08


@pytest.mark.skipif(not VAL.is_dir(), reason=f"no validation calls at {VAL}")
def test_training_asks_each_fact_again_in_another_phrasing():
    call = VAL / "MMC_q3_2021.txt"
    plain = generate_for_call(call, VAL / "summaries" / call.name)
    both = generate_for_call(call, VAL / "summaries" / call.name, rephrase=True)
    assert [g for g in both[::2]] == plain  # the first phrasing is the one `make eval` asks
    for first, again in zip(both[::2], both[1::2], strict=True):
        assert again.question != first.question
        assert (again.figure, again.evidence, again.doc) == (
            first.figure,
            first.evidence,
            first.doc,
        )


def test_every_phrasing_names_the_company_and_a_period_the_question_parser_reads():
    from assistant.search.query import question_periods

    for phrasing in range(4):
        for guidance, change in ((False, False), (False, True), (True, False)):
            question = question_for("MMC", "Q3 2021", "revenue", guidance, change, None, phrasing)
            assert "MMC" in question and "revenue" in question
            assert "Q3 2021" in question_periods(question), question
    assert question_for("MMC", "Q3 2021", "revenue", False, False, None, 1) == (
        "What revenue did MMC report in the third quarter of 2021?"
    )
