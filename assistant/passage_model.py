"""The learned passage ranker: a LightGBM lambdarank model over what the fusion knows of each
candidate passage (retrieval.PASSAGE_FEATURES), fitted by `make train-passages` on questions
generated from the ECTSum library's summaries.

Boosting starts from the fused score, so the model corrects the fusion. It decides the order;
the passages keep the fused scores of the places they take, so a citation's score still reads
as the fusion's. A model whose card names other features or another index format is not used
(the fusion ranks alone, and the mismatch is logged)."""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache

import numpy as np

from assistant.figure_model import MODEL_DIR

log = logging.getLogger(__name__)

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
)


class PassageRanker:
    def __init__(self, booster, fused_scale: float) -> None:
        self.booster = booster
        self.fused_scale = fused_scale

    def order(self, known: dict[str, np.ndarray], spoken: np.ndarray) -> np.ndarray:
        """The candidates' scores: the fused ones, the passages of spoken text handing theirs
        out among themselves in the model's order. Every example it learned from is a call
        transcript's passage, so table rows keep the places the fusion gave them."""
        fused = known["fused"].copy()
        text = np.flatnonzero(spoken)
        if not len(text):
            return fused
        matrix = np.column_stack([known[name][text] for name in PASSAGE_FEATURES])
        learned = self.fused_scale * fused[text] + self.booster.predict(matrix, num_threads=1)
        places = np.sort(fused[text])[::-1]
        fused[text[np.lexsort((np.arange(len(text)), -learned))]] = places
        return fused


def card_problem(card: dict) -> str | None:
    from assistant.store import FORMAT_VERSION

    if tuple(card.get("features", ())) != PASSAGE_FEATURES:
        return "it was fitted on other features"
    if card.get("index_format") != FORMAT_VERSION:
        return f"it was fitted on index format {card.get('index_format')}, not {FORMAT_VERSION}"
    return None


@lru_cache(maxsize=1)
def passage_ranker() -> PassageRanker | None:
    """The installed model, or None: asked for the fusion, no model file, or a model that does
    not fit these features."""
    if os.environ.get(RANKER_ENV, "").lower() == "rules":
        return None
    if not MODEL_FILE.exists() or not CARD_FILE.exists():
        return None
    card = json.loads(CARD_FILE.read_text())
    problem = card_problem(card)
    if problem:
        log.warning("passage ranker %s is not used: %s; the fusion ranks", MODEL_FILE, problem)
        return None
    import lightgbm

    return PassageRanker(lightgbm.Booster(model_file=str(MODEL_FILE)), card["fused_scale"])
