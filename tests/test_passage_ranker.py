"""The learned passage ranker: the committed model fits the features the retriever records, it
reorders only spoken passages within the fused scores' places, a stale model is refused, and
turning it off gives the fusion's order back."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pytest

from assistant.figures.timing import looks_ahead
from assistant.search import passage_model
from assistant.search.passage_model import PASSAGE_FEATURES
from assistant.search.ranker_files import card_problem
from assistant.search.replies import replies_to
from assistant.search.retrieval import RECORDED_POOLS


@pytest.fixture
def fresh_ranker():
    passage_model.passage_ranker.cache_clear()
    yield
    passage_model.passage_ranker.cache_clear()


def test_the_committed_model_fits_these_features_and_beat_the_fusion(fresh_ranker):
    card = json.loads(passage_model.CARD_FILE.read_text())
    assert card_problem(card, PASSAGE_FEATURES) is None
    held = card["cross_validated"]
    assert held["model_hit@1"] > held["fusion_hit@1"]
    assert passage_model.passage_ranker() is not None


def test_a_model_fitted_on_other_features_is_refused(fresh_ranker, tmp_path, monkeypatch, caplog):
    card = json.loads(passage_model.CARD_FILE.read_text())
    card["features"] = card["features"][::-1]
    (tmp_path / "card.json").write_text(json.dumps(card))
    monkeypatch.setattr(passage_model, "CARD_FILE", tmp_path / "card.json")
    with caplog.at_level(logging.WARNING):
        assert passage_model.passage_ranker() is None
    assert "fitted on other features" in caplog.text


def test_table_rows_keep_their_places_and_spoken_passages_share_theirs(fresh_ranker):
    ranker = passage_model.passage_ranker()
    assert ranker is not None
    rng = np.random.default_rng(5)
    known = {name: rng.random(12) for name in PASSAGE_FEATURES}
    known["fused"] = np.linspace(0.05, 0.01, 12)
    spoken = np.array([True, False] * 6)
    scores = ranker.order(known, spoken, np.ones(12))
    assert (scores[~spoken] == known["fused"][~spoken]).all()
    assert sorted(scores[spoken]) == sorted(known["fused"][spoken])


def test_the_step_between_calls_applies_after_the_model(fresh_ranker):
    """Of two passages alike but for a slightly better fused score, the better one's call does
    not report the year asked: stepped back after the model, it comes second, and both keep
    scores the fusion gave."""
    ranker = passage_model.passage_ranker()
    assert ranker is not None
    known = {name: np.full(2, 0.5) for name in PASSAGE_FEATURES}
    for stepped in (0, 1):
        known["fused"] = np.where(np.arange(2) == stepped, 0.0401, 0.04)
        steps = np.where(np.arange(2) == stepped, 0.93, 1.0)
        scores = ranker.order(known, np.ones(2, bool), steps)
        assert scores[stepped] < scores[1 - stepped]
        assert sorted(scores) == sorted(known["fused"])
        assert ranker.order(known, np.ones(2, bool), np.ones(2))[stepped] > 0.04


def test_a_passage_looks_ahead_when_it_expects_not_when_it_compares_with_an_expectation():
    assert looks_ahead("Therefore, we expect Q1 GMV to be flat with Q4.")
    assert looks_ahead("For 2025, we are guiding to revenue of $1.2 billion.")
    assert not looks_ahead("Revenue was $2.1 billion, in line with our guidance.")
    assert not looks_ahead("As expected, margins improved by 40 basis points.")
    assert not looks_ahead("Revenue rose 8% to $2.1 billion.")


def test_the_quick_guidance_check_never_misses_what_the_pattern_finds():
    """may_guide stands before GUIDANCE_RE: its words must be what a text's lower-cased
    letters joined by spaces can say, and on the seed documents' passages it must let
    through every one the pattern matches."""
    from pathlib import Path

    from assistant.vocabulary import GUIDANCE_RE, may_guide
    from assistant.vocabulary.questions import GUIDANCE_WORDS

    assert all(re.fullmatch(r"[a-z]+(?: [a-z]+)*", word) for word in GUIDANCE_WORDS)
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    passages = [
        p for f in sorted(seeds.glob("*.txt")) for p in f.read_text("utf-8").split("\n") if p
    ]
    matched = [p for p in passages if GUIDANCE_RE.search(p)]
    assert len(matched) > 10 and len(matched) < len(passages)
    assert all(may_guide(p) for p in matched)
    assert not all(may_guide(p) for p in passages)


def test_a_passage_better_on_every_list_is_never_ranked_below_in_the_committed_model(
    fresh_ranker,
):
    """Over random passages, each list's signal moved the better way (a higher score, an
    earlier place, a milder step back for another period) never lowers the model's score."""
    from benchmarks.train_passages import MONOTONE

    ranker = passage_model.passage_ranker()
    assert ranker is not None
    card = json.loads(passage_model.CARD_FILE.read_text())
    assert card["params"]["monotone_constraints"] == [
        MONOTONE.get(name, 0) for name in PASSAGE_FEATURES
    ]
    rng = np.random.default_rng(11)
    known = {name: rng.random(400) for name in PASSAGE_FEATURES}
    known["fused"] = rng.uniform(0.01, 0.06, 400)
    for name in ("dense_rank", "lexical_rank", "sentence_rank"):
        known[name] = rng.integers(1, 200, 400).astype(float)
    base = np.column_stack([known[name] for name in PASSAGE_FEATURES])
    before = ranker.booster.predict(base, num_threads=1)
    for name, sign in MONOTONE.items():
        moved = base.copy()
        column = PASSAGE_FEATURES.index(name)
        moved[:, column] += sign * (5.0 if name.endswith("_rank") else 0.05)
        after = ranker.booster.predict(moved, num_threads=1)
        assert (after >= before - 1e-9).all(), name


@pytest.mark.slow
def test_the_retriever_orders_by_the_model_and_by_the_fusion_when_asked(
    seed_index, assistant_on, fresh_ranker, monkeypatch
):
    assistant = assistant_on(seed_index)
    question = "How did the take rate of the tech empowerment service change?"
    recorded: list = []
    token = RECORDED_POOLS.set(recorded)
    try:
        assert assistant.ask(question).citations
    finally:
        RECORDED_POOLS.reset(token)
    pool, known, _ = recorded[-1]
    assert set(known) == set(PASSAGE_FEATURES) and all(len(v) == len(pool) for v in known.values())

    monkeypatch.setenv(passage_model.RANKER_ENV, "rules")
    passage_model.passage_ranker.cache_clear()
    fused = [c.chunk_id for c in assistant_on(seed_index).ask(question).citations]
    by_fusion = [
        assistant.store.chunks[int(pool[i])].chunk_id
        for i in np.lexsort((-known["lexical_score"], -known["fused"]))
    ]
    assert fused[0] == by_fusion[0]  # the fusion's own order, with the model off


@pytest.mark.slow
def test_the_model_is_told_a_question_asks_for_guidance_and_which_passages_look_ahead(
    seed_index, assistant_on
):
    retriever = assistant_on(seed_index).retriever()
    for question, guidance in (
        ("What is the GMV outlook for full-year 2025?", True),
        ("What was the GMV in the fourth quarter?", False),
    ):
        recorded: list = []
        token = RECORDED_POOLS.set(recorded)
        try:
            retriever.search(question, 5)
        finally:
            RECORDED_POOLS.reset(token)
        pool, known, _ = recorded[-1]
        assert (known["guidance_asked"] == float(guidance)).all()
        texts = [retriever.store.chunks[int(row)].text for row in pool]
        outlook = [i for i, text in enumerate(texts) if "we expect Q1 GMV" in text]
        assert outlook and known["looks_ahead"][outlook].all()
        assert 0 < known["looks_ahead"].sum() < len(pool)


@pytest.mark.slow
def test_the_model_reads_a_passage_alone_and_a_reply_still_follows_its_question(
    seed_index, assistant_on, fresh_ranker
):
    """None of the model's examples had a speaker: it reads each passage's own signals (no
    score inherited from a question, no analyst step), and the reply to a matching analyst's
    question still scores at least 0.95 of the place that question took."""
    assistant = assistant_on(seed_index)
    retriever = assistant.retriever()
    question = "What is the business plan for 2025 and the AI layout with DeepSeek?"
    recorded: list = []
    token = RECORDED_POOLS.set(recorded)
    try:
        hits = retriever.search(question, 100)
    finally:
        RECORDED_POOLS.reset(token)
    pool, known, _ = recorded[-1]
    assert np.allclose(known["fused"], known["lists"] * known["context_factor"])

    chunks = retriever.store.chunks
    score = {hit.row: hit.score for hit in hits}
    asked = [
        int(r) for r in pool if chunks[int(r)].role == "analyst" and replies_to(retriever.store, r)
    ]
    assert asked, "the seed call's analyst questions are among the candidates"
    for row in asked:
        placed = score[row] / retriever.weights.analyst_factor  # before its own step back
        for reply in replies_to(retriever.store, row):
            if reply in score:
                assert score[reply] >= retriever.weights.reply_factor * placed - 1e-12
