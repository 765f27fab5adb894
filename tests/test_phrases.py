"""Two-word terms said word for word: which pairs a question holds, how a passage is found to
say them, and what the fourth ranked list does on a real index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.phrases import (
    phrase_scores,
    phrase_word,
    question_pairs,
    spaced_words,
)
from assistant.vocabulary import CALENDAR_WORDS


def test_a_question_holds_its_two_word_terms():
    asked = "To what range did Prologis cut its development starts guidance on its Q3 2022 call?"
    assert ("start", "guidance") in question_pairs(asked)
    asked = "What EBITDA impact did the Northwest work stoppage have on Timberlands?"
    assert {("ebitda", "impact"), ("work", "stoppage")} <= set(question_pairs(asked))


@pytest.mark.parametrize(
    "question",
    [
        "By how much did revenue grow year over year in Q1 2021?",
        "What were full year sales in fiscal 2024?",
        "What does the company expect for the fourth quarter?",
    ],
)
def test_calendar_stop_and_question_words_make_no_term(question):
    calendar = CALENDAR_WORDS | {"q1", "2021", "2024", "does", "what"}
    assert not any({a, b} & calendar for a, b in question_pairs(question))


def test_words_meet_without_plurals_or_possessives_but_not_by_stem():
    assert spaced_words("Home equity loans' allowance") == " home equity loan allowance "
    assert spaced_words("the company's home equity loans") == " the company home equity loan "
    # A stem would make sellers of homes sold; words as written do not.
    assert " home sell " not in spaced_words("home sellers in the quarter")
    assert phrase_word("business") == "business" and phrase_word("status") == "status"


@pytest.mark.parametrize("word", sorted(CALENDAR_WORDS))
def test_every_calendar_word_is_a_word_the_comparison_keeps(word):
    assert phrase_word(word) == word
    assert spaced_words(word.capitalize()) == f" {word} "


def test_a_rare_pair_outweighs_a_common_one():
    texts = [
        "diluted earnings per share of $1.10",
        "earnings per share were $0.90",
        "an EBITDA impact of approximately $25 million and earnings per share",
        "nothing of the kind",
    ]
    scores = phrase_scores(texts, [("ebitda", "impact"), ("per", "share")])
    assert scores[3] == 0.0
    assert scores[2] > scores[0] == scores[1] > 0.0
    assert phrase_scores(texts, []) == [0.0] * 4


def test_the_phrase_list_favours_only_the_passages_that_say_the_term(seed_index, encoder):
    """On the seed index with the real model: every candidate the list lifts says "home equity"
    word for word, and a zero phrase weight changes nothing else about the ranking."""
    from dataclasses import replace

    from assistant.library import Store
    from assistant.search.query import understand
    from assistant.search.retrieval import Retriever

    store = Store.load(seed_index)
    retriever = Retriever(store, encoder)
    query = understand(retriever, "What was the allowance for home equity loans?")
    assert ("home", "equity") in query.phrases
    pool = np.arange(len(store.chunks), dtype=np.int64)
    lifted = retriever.phrase_fusion(query, pool)
    said = [" home equity " in spaced_words(c.text) for c in store.chunks]
    assert lifted.any()
    assert all(said[i] for i in np.flatnonzero(lifted))
    assert not lifted[[i for i, s in enumerate(said) if not s]].any()

    # Only the rows that say the term gain: the first of them ranks no lower with the list.
    without = Retriever(store, encoder, replace(retriever.weights, phrase=0.0))

    def first_saying(retriever: Retriever) -> int:
        rows = [h.row for h in retriever.search_query(query, 20)]
        return next(k for k, row in enumerate(rows) if said[row])

    assert first_saying(retriever) <= first_saying(without)


def test_which_analyst_asked_is_ranked_without_the_phrase_list(seed_index, encoder):
    from dataclasses import replace

    from assistant.library import Store
    from assistant.search.query import understand
    from assistant.search.retrieval import Retriever

    store = Store.load(seed_index)
    retriever = Retriever(store, encoder)
    off = Retriever(store, encoder, replace(retriever.weights, phrase=0.0))
    query = understand(retriever, "Which analyst asked about the net interest margin?")
    assert query.asks_for_analyst and query.phrases
    assert [h.row for h in retriever.search_query(query, 8)] == [
        h.row for h in off.search_query(query, 8)
    ]
