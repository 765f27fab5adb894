"""The learned figure ranker: a LightGBM lambdarank model over figure_features.FEATURES,
fitted by `make train` on questions generated from the ECTSum library's summaries.

The model file names the features it was fitted on and the index format they were read from;
a model that does not match this code is not used (the hand rule ranks instead, and the
mismatch is logged), so a stale model can never rank with shifted columns."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.figure_features import FEATURES, Candidate

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODEL_DIR / "figure_ranker.txt"
CARD_FILE = MODEL_DIR / "figure_ranker.json"  # features, index format, training numbers
RANKER_ENV = "ASSISTANT_FIGURE_RANKER"  # "rules": rank by the hand rule's sum
TIE_STEP = 1e-3  # above the 4 decimals figure scores are rounded to


class FigureRanker:
    """The hand rule's score with the model's correction added (boosting started from it)."""

    def __init__(self, booster, rule_weight: float, shapes: Iterable[str] | None = None) -> None:
        self.booster = booster
        self.rule_weight = rule_weight
        self.shapes = None if shapes is None else frozenset(shapes)

    def knows(self, shape: str) -> bool:
        """Whether the model was fitted on questions of this shape (figure_features.
        question_shape); None when the card names no shapes."""
        return self.shapes is None or shape in self.shapes

    def score(self, candidates: Sequence[Candidate], shape: str | None = None) -> list[float]:
        """The rule's scores, with the figures stated in running text reordered among
        themselves by the model (the rule's score plus its correction): the examples it learned
        from are call transcripts, so the text figures keep the places the rule gave them
        among table cells and translations, which the rule alone ranks, and the model decides
        which text figure takes which of those places."""
        if not candidates:
            return []
        if shape is not None and not self.knows(shape):
            return [self.rule_weight * c.rule_score for c in candidates]
        matrix = np.array([c.row() for c in candidates], dtype=np.float64)
        rule = self.rule_weight * matrix[:, FEATURES.index("rule_score")]
        text = np.flatnonzero([c.figure.source == "text" for c in candidates])
        if not len(text):
            return rule.tolist()
        learned = rule[text] + self.booster.predict(matrix[text], num_threads=1)
        places = np.sort(rule[text])[::-1]  # the rule's scores for text figures, best first
        for k in range(1, len(places)):  # equal places still keep the model's order
            places[k] = min(places[k], places[k - 1] - TIE_STEP)
        scores = rule.copy()
        scores[text[np.argsort(-learned, kind="stable")]] = places
        return scores.tolist()


def card_problem(card: dict) -> str | None:
    """Why a model card does not fit this code, or None."""
    from assistant.store import FORMAT_VERSION

    if tuple(card.get("features", ())) != FEATURES:
        return "it was fitted on other features"
    if card.get("index_format") != FORMAT_VERSION:
        return f"it was fitted on index format {card.get('index_format')}, not {FORMAT_VERSION}"
    return None


@lru_cache(maxsize=1)
def figure_ranker() -> FigureRanker | None:
    """The installed model, or None: asked for the rules, no model file, or a model that
    does not fit these features."""
    if os.environ.get(RANKER_ENV, "").lower() == "rules":
        return None
    if not MODEL_FILE.exists() or not CARD_FILE.exists():
        return None
    card = json.loads(CARD_FILE.read_text())
    problem = card_problem(card)
    if problem:
        log.warning("figure ranker %s is not used: %s; the hand rule ranks", MODEL_FILE, problem)
        return None
    import lightgbm

    booster = lightgbm.Booster(model_file=str(MODEL_FILE))
    return FigureRanker(booster, card["rule_weight"], card.get("question_shapes"))
