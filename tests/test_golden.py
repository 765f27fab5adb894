"""The development questions against their reviewed golden files, per question: any question
that loses its passage, its document or its figure fails, not only a worse average. The seed
set runs here; the wire-service and ECTSum sets run in `make eval --check` (their indexes take
minutes to build), and a subset of ECTSum runs in test_library.py."""

from __future__ import annotations

import json

import pytest

from assistant.evaluation import ask_each, read_questions, regressions
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
SEED_QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.jsonl"


@pytest.mark.skipif(not SEED_QUESTIONS.exists(), reason="../shared/eval is not beside the repo")
def test_seed_questions_do_no_worse_than_their_golden_file(seed_index, assistant_on):
    golden = json.loads((GOLDEN / "seeds.json").read_text(encoding="utf-8"))
    report = ask_each(assistant_on(seed_index), read_questions(SEED_QUESTIONS))
    assert {q["id"] for q in golden["per_question"]} == {q["id"] for q in report["per_question"]}
    assert regressions(report, golden) == []


def test_a_lost_figure_is_a_regression():
    golden = {"per_question": [{"id": "a", "hit_rank": 1, "doc_hit": True, "figure_rank": 1}]}
    worse = {
        "per_question": [
            {"id": "a", "question": "q", "hit_rank": 1, "doc_hit": True, "figure_rank": 2}
        ]
    }
    same = {
        "per_question": [
            {"id": "a", "question": "q", "hit_rank": 2, "doc_hit": True, "figure_rank": 1}
        ]
    }
    assert regressions(worse, golden) == ["a: lost figure@1 — q"]
    assert regressions(same, golden) == []


def test_series_items_are_scored_and_checked_against_their_passages():
    from assistant.evaluation import CitedText, Outcome, Question, evaluate

    question = Question(
        "s", "trend?", (), None, {}, figures_each=({"value": 13.4, "unit": "%", "period": "Q1"},)
    )
    quoted = {"value": 13.4, "unit": "%", "period": "Q1", "text": "13.4%", "quoted": True}
    wrong = {**quoted, "value": 13.1, "text": "13.1%", "quoted": False}
    passages = [CitedText("c1", "a 13.4% CET1 ratio")]
    good = evaluate([question], lambda q: Outcome(passages, [], series=[quoted]))
    bad = evaluate([question], lambda q: Outcome(passages, [], series=[wrong]))
    assert good["series@all"] == 1.0 and "series_unquoted" not in good["per_question"][0]
    assert bad["series@all"] == 0.0 and bad["per_question"][0]["series_unquoted"] == [wrong]
