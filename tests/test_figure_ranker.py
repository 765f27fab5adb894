"""The learned figure ranker: the committed model fits the features this code computes, it
only corrects figures stated in running text, a stale model is refused, and the training
program learns a signal the hand rule does not weigh."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import numpy as np
import pytest

from assistant.figures import Figure
from assistant.search import figure_model
from assistant.search.figure_choice import RECORDED
from assistant.search.figure_features import FEATURES, RULE_PARTS, Candidate
from assistant.search.ranker_files import card_problem


@pytest.fixture
def fresh_ranker():
    figure_model.figure_ranker.cache_clear()
    yield
    figure_model.figure_ranker.cache_clear()


def test_the_committed_model_fits_these_features_and_is_used(fresh_ranker):
    card = json.loads(figure_model.CARD_FILE.read_text())
    assert card_problem(card, FEATURES) is None
    assert card["cross_validated"]["model_figure@1"] > card["cross_validated"]["rule_figure@1"]
    assert figure_model.figure_ranker() is not None


def test_a_model_fitted_on_other_features_is_refused_and_the_rule_ranks(
    fresh_ranker, tmp_path, monkeypatch, caplog
):
    card = json.loads(figure_model.CARD_FILE.read_text())
    card["features"] = card["features"][1:]  # a column less: every later one would shift
    (tmp_path / "figure_ranker.json").write_text(json.dumps(card))
    (tmp_path / "figure_ranker.txt").write_text(figure_model.MODEL_FILE.read_text())
    monkeypatch.setattr(figure_model, "CARD_FILE", tmp_path / "figure_ranker.json")
    monkeypatch.setattr(figure_model, "MODEL_FILE", tmp_path / "figure_ranker.txt")
    with caplog.at_level(logging.WARNING):
        assert figure_model.figure_ranker() is None
    assert "fitted on other features" in caplog.text


def test_the_rule_alone_ranks_when_asked(fresh_ranker, monkeypatch):
    monkeypatch.setenv(figure_model.RANKER_ENV, "rules")
    assert figure_model.figure_ranker() is None


@pytest.mark.slow
def test_the_model_reorders_text_figures_and_leaves_table_cells_to_the_rule(
    seed_index, assistant_on, fresh_ranker
):
    assistant = assistant_on(seed_index)
    recorded: list = []
    token = RECORDED.set(recorded)
    try:
        for question in (
            "What was the carrying amount of loans transferred to third party investors in 2023?",
            "How did tech empowerment service income change?",
        ):
            assistant.ask(question)
    finally:
        RECORDED.reset(token)
    ranker = figure_model.figure_ranker()
    assert ranker is not None
    sources, reordered = set(), False
    for _, candidates in recorded:
        scores = ranker.score(candidates)
        rules = [c.rule_score for c in candidates]
        for candidate, score, rule in zip(candidates, scores, rules, strict=True):
            parts = sum(candidate.values[name] for name in RULE_PARTS)
            assert rule == pytest.approx(parts)  # the rule's score is the sum of its parts
            sources.add(candidate.figure.source)
            if candidate.figure.source != "text":
                assert score == pytest.approx(rule)
        text = [k for k, c in enumerate(candidates) if c.figure.source == "text"]
        # The text figures take the places the rule gave them, in the model's order.
        places = sorted((rules[k] for k in text), reverse=True)
        given = sorted((scores[k] for k in text), reverse=True)
        assert given == pytest.approx(places, abs=figure_model.TIE_STEP * len(text))
        by_rule = sorted(text, key=lambda k: -rules[k])
        by_model = sorted(text, key=lambda k: -scores[k])
        reordered |= by_rule != by_model
    assert reordered
    assert {"text", "table"} <= sources


@pytest.mark.slow
def test_training_learns_a_signal_the_rule_does_not_weigh():
    from benchmarks.train_figures import Examples, fit

    # Twenty companies, forty questions each, eight figures per question with equal rule
    # scores; the right one is the figure whose clause says most of the question.
    rng = np.random.default_rng(3)
    rows, labels, groups, companies = [], [], [], []
    for question in range(800):
        share = rng.random(8)
        for k in range(8):
            row = dict.fromkeys(FEATURES, 0.0) | {"unit": 3.0, "rule_score": 3.0}
            row["clause_share"] = share[k]
            rows.append([row[name] for name in FEATURES])
        labels += [int(k == int(np.argmax(share))) for k in range(8)]
        groups.append(8)
        companies.append(f"C{question % 20}")
    features = np.array(rows)
    examples = Examples(
        features,
        np.array(labels),
        np.array(groups),
        np.array(companies),
        features[:, FEATURES.index("rule_score")],
        np.array(["%"] * len(groups)),
    )
    _, _, held = fit(examples)
    assert held["rule_figure@1"] < 0.3  # equal scores: the rule takes the first figure
    assert held["model_figure@1"] > 0.9


def test_a_figure_reads_the_scores_of_the_sentence_that_states_it():
    from assistant.search.figure_features import SentenceScores

    scores = SentenceScores(
        {4: [((0, 50), 0.61, 2.4), ((50, 90), 0.40, 1.1)], 7: [((0, 30), 0.7, 1.9)]}
    )
    assert scores.of(4, 55) == {
        "sentence_similarity": 0.40,
        "sentence_gap": pytest.approx(1.3),
        "sentence_rank": 2.0,  # behind 2.4 and 1.9
    }
    assert scores.of(4, 10)["sentence_rank"] == 0.0
    assert all(np.isnan(v) for v in scores.of(9, 0).values())  # a passage not scored


def test_whole_and_part_words_are_read_in_the_tokenizer_s_form():
    from assistant.figures import english_figures
    from assistant.search.figure_features import whole_or_part

    def read(sentence: str) -> dict[str, float]:
        figure = english_figures(sentence, "Q3 2021")[0]
        return whole_or_part(sentence, figure)

    assert read("Consolidated net sales were $295 million.")["clause_says_whole"] == 1.0
    assert read("Total revenues rose to $53.4 billion.")["clause_says_whole"] == 1.0
    assert read("Segment revenue was $4.1 billion.") == {
        "clause_says_whole": 0.0,
        "clause_says_part": 1.0,
    }


def test_a_question_of_a_shape_the_model_never_saw_is_ranked_by_the_rule(fresh_ranker):
    ranker = figure_model.figure_ranker()
    assert ranker is not None and ranker.shapes
    candidates = [
        Candidate(
            figure=Figure(value=v, unit="USD", text=f"${v}", span=(k * 10, k * 10 + 4)),
            citation=1,
            chunk_id="c",
            doc_id="d",
            values=dict.fromkeys(FEATURES, 0.0) | {"rule_score": 5.0 - k, "clause_share": k},
        )
        for k, v in enumerate((1.0, 2.0, 3.0))
    ]
    booster = ranker.booster

    class Unasked:
        def predict(self, *args, **kwargs):
            raise AssertionError("the model was asked about a shape it never saw")

    ranker.booster = Unasked()
    assert ranker.score(candidates, "% USD x") == [5.0, 4.0, 3.0]
    ranker.booster = booster
    known = next(iter(ranker.shapes))
    assert sorted(ranker.score(candidates, known), reverse=True) == pytest.approx(
        [5.0, 4.0, 3.0], abs=0.01
    )  # the model reorders text figures within the rule's places


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("asks_period", 0.0),  # every generated question names its period
        ("question_states_it", -1.5),  # none states a figure of its own
        ("said_by_analyst", 1.0),  # no call it learned from names its speakers
    ],
)
def test_a_figure_beyond_the_model_s_examples_leaves_the_question_to_the_rule(
    fresh_ranker, feature, value
):
    ranker = figure_model.figure_ranker()
    assert ranker is not None and ranker.shapes
    shape = next(iter(ranker.shapes))
    usual = dict.fromkeys(FEATURES, 0.0) | {"asks_period": 1.0, "unit": 3.0}
    candidates = [
        Candidate(
            figure=Figure(value=v, unit="USD", text=f"${v}", span=(k * 10, k * 10 + 4)),
            citation=1,
            chunk_id="c",
            doc_id="d",
            values=usual | {"rule_score": 5.0 - k, "clause_share": 0.1 * k},
        )
        for k, v in enumerate((1.0, 2.0, 3.0))
    ]
    assert ranker.supports(candidates)
    beyond = [
        *candidates[:2],
        replace(candidates[2], values=candidates[2].values | {feature: value}),
    ]
    assert not ranker.supports(beyond)
    booster = ranker.booster

    class Unasked:
        def predict(self, *args, **kwargs):
            raise AssertionError("the model was asked about figures beyond its examples")

    ranker.booster = Unasked()
    try:
        assert ranker.score(beyond, shape) == [5.0, 4.0, 3.0]
    finally:
        ranker.booster = booster


def test_training_records_the_values_its_examples_had():
    from benchmarks.train_figures import MIN_SHAPE_QUESTIONS, Examples, supported_values

    questions = MIN_SHAPE_QUESTIONS + 10
    rows = []
    for question in range(questions):
        for k in range(2):
            row = dict.fromkeys(FEATURES, 0.0) | {"asks_period": 1.0, "rule_score": 3.0 - k}
            row["said_by_analyst"] = float(question < 3 and k == 0)  # three questions only
            row["guidance"] = float(k)
            row["clause_share"] = (question * 2 + k) / 1000  # continuous: not recorded
            rows.append([row[name] for name in FEATURES])
    features = np.array(rows)
    examples = Examples(
        features,
        np.array([1, 0] * questions),
        np.array([2] * questions),
        np.array([f"C{q}" for q in range(questions)]),
        features[:, FEATURES.index("rule_score")],
        np.array(["USD"] * questions),
    )
    supported = supported_values(examples)
    assert supported["asks_period"] == [1.0]
    assert supported["said_by_analyst"] == [0.0]
    assert supported["guidance"] == [0.0, 1.0]
    assert "clause_share" not in supported
