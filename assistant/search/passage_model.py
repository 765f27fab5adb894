"""The learned passage ranker: a LightGBM lambdarank model over what the fusion knows of each
candidate passage (PASSAGE_FEATURES), fitted by `make train` on questions
generated from the ECTSum library's summaries.

Boosting starts from the fused score, so the model corrects the fusion. It decides the order;
the passages keep the fused scores of the places they take, so a citation's score still reads
as the fusion's. A model whose card names other features or another index format is not used
(the fusion ranks alone, and the mismatch is logged)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from assistant.search.ranker_files import MODEL_DIR, installed_model, take_places

MODEL_FILE = MODEL_DIR / "passage_ranker.txt"
CARD_FILE = MODEL_DIR / "passage_ranker.json"
RANKER_ENV = "ASSISTANT_PASSAGE_RANKER"  # "rules": rank by the fusion alone
PASSAGE_FEATURES = (
    "dense_score",
    "dense_rank",
    "lexical_score",
    "lexical_rank",
    "sentence_score",
    "sentence_rank",
    "phrase",
    "figure",
    "lists",
    "context_factor",
    "fused",
    "looks_ahead",
    "guidance_asked",
)


class PassageRanker:
    def __init__(self, booster, fused_scale: float) -> None:
        self.booster = booster
        self.fused_scale = fused_scale

    def order(
        self, known: dict[str, np.ndarray], spoken: np.ndarray, call_factors: np.ndarray
    ) -> np.ndarray:
        """The candidates' scores: the fused ones, the passages of spoken text handing theirs
        out among themselves in the model's order. Every example it learned from is a call
        transcript's passage, so table rows keep the places the fusion gave them.

        The step back for a call that does not report the year asked (`call_factors`) is in
        the context factor the model reads, and scales its score again: few examples had a
        year's several calls in scope, and a year's figure from another call's "so far" is
        a wrong answer, not a weaker one."""
        fused = known["fused"].copy()
        text = np.flatnonzero(spoken)
        if not len(text):
            return fused
        matrix = np.column_stack([known[name][text] for name in PASSAGE_FEATURES])
        corrected = self.fused_scale * fused[text] + self.booster.predict(matrix, num_threads=1)
        return take_places(fused, text, stepped(corrected, call_factors[text]))


def stepped(scores: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Scores stepped back by factors below 1, a negative one as well as a positive one."""
    return np.where(scores > 0, scores * factors, scores / factors)


@lru_cache(maxsize=1)
def passage_ranker() -> PassageRanker | None:
    """The installed model, or None: asked for the fusion, no model file, or a model that does
    not fit these features."""
    found = installed_model(MODEL_FILE, CARD_FILE, RANKER_ENV, PASSAGE_FEATURES, "the fusion")
    if found is None:
        return None
    booster, card = found
    return PassageRanker(booster, card["fused_scale"])
