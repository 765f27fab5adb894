"""The fifth ranked list: passages by how well their figures could answer the question (unit,
metric, kind and year), and what it does on a real index."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.figures import Figure
from assistant.library import Store
from assistant.search.figure_choice import answer_fit, figure_terms
from assistant.search.query import understand
from assistant.search.retrieval import Retriever


@pytest.fixture(scope="module")
def seed_retriever(seed_index, encoder) -> Retriever:
    return Retriever(Store.load(seed_index), encoder)


def usd(metric: str, kind: str = "actual", period: str = "Q4 2024", **extra) -> Figure:
    return Figure(
        25e6, "USD", "$25 million", (0, 11), metric=metric, kind=kind, period=period, **extra
    )


def test_a_figure_fits_by_the_share_of_its_metric_the_question_names(seed_retriever):
    query = understand(seed_retriever, "What was net revenue in Q4 2024?")
    terms = figure_terms(query)
    assert answer_fit([usd("net revenue")], query, terms) == 1.0
    assert answer_fit([usd("net revenue from loan facilitation")], query, terms) == 0.5
    assert answer_fit([usd("operating expenses")], query, terms) == 0.0
    # the best figure of the passage counts; a figure of another unit or a translation none
    assert answer_fit([usd("operating expenses"), usd("net revenue")], query, terms) == 1.0
    percent = Figure(12.0, "%", "12%", (0, 3), metric="net revenue", period="Q4 2024")
    assert answer_fit([percent], query, terms) == 0.0
    assert answer_fit([usd("net revenue", source="translation")], query, terms) == 0.0


def test_guidance_and_other_years_fit_half(seed_retriever):
    result = understand(seed_retriever, "What was net revenue in Q4 2024?")
    terms = figure_terms(result)
    assert not result.guidance_intent
    assert answer_fit([usd("net revenue", kind="guidance")], result, terms) == 0.5
    assert answer_fit([usd("net revenue", period="Q4 2023")], result, terms) == 0.5
    outlook = understand(seed_retriever, "What net revenue does the company expect for 2025?")
    assert outlook.guidance_intent
    terms = figure_terms(outlook)
    assert answer_fit([usd("net revenue", kind="guidance", period="FY2025")], outlook, terms) == 1.0
    assert answer_fit([usd("net revenue", period="FY2025")], outlook, terms) == 0.5


def test_the_figure_list_lifts_only_passages_holding_a_fitting_figure(seed_retriever):
    """On the seed index with the real model: every candidate the list lifts holds a figure of
    the asked unit whose metric the question names, and the first such passage ranks no lower
    with the list than without it."""
    retriever = seed_retriever
    store = retriever.store
    query = understand(
        retriever, "What was the provision coverage ratio at the end of the quarter?"
    )
    terms = figure_terms(query)
    pool = np.arange(len(store.chunks), dtype=np.int64)
    lifted = retriever.figure_fusion(query, pool)
    fitting = [answer_fit(figures, query, terms) > 0 for figures in store.figures]
    assert lifted.any()
    assert all(fitting[i] for i in np.flatnonzero(lifted))
    assert not lifted[[i for i, fits in enumerate(fitting) if not fits]].any()

    without = Retriever(store, retriever.encoder, replace(retriever.weights, figure=0.0))

    def first_fitting(ranker: Retriever) -> int:
        rows = [h.row for h in ranker.search_query(query, 20)]
        return next(k for k, row in enumerate(rows) if fitting[row])

    assert first_fitting(retriever) <= first_fitting(without)


def test_which_analyst_asked_is_ranked_without_the_figure_list(seed_retriever):
    retriever = seed_retriever
    off = Retriever(retriever.store, retriever.encoder, replace(retriever.weights, figure=0.0))
    query = understand(retriever, "Which analyst asked about the net interest margin?")
    assert query.asks_for_analyst
    assert [h.row for h in retriever.search_query(query, 8)] == [
        h.row for h in off.search_query(query, 8)
    ]
