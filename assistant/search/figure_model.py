"""The learned figure ranker: a LightGBM lambdarank model over figure_features.FEATURES,
fitted by `make train` on questions generated from the ECTSum library's summaries.

The model file names the features it was fitted on and the index format they were read from;
a model that does not match this code is not used (the hand rule ranks instead, and the
mismatch is logged), so a stale model can never rank with shifted columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from assistant.search.figure_features import FEATURES, Candidate
from assistant.search.ranker_files import MODEL_DIR, installed_model, take_places

MODEL_FILE = MODEL_DIR / "figure_ranker.txt"
CARD_FILE = MODEL_DIR / "figure_ranker.json"  # features, index format, training numbers
RANKER_ENV = "ASSISTANT_FIGURE_RANKER"  # "rules": rank by the hand rule's sum
TIE_STEP = 1e-3  # above the 4 decimals figure scores are rounded to
SUPPORT_DIGITS = 6  # a discrete feature's values are compared at this precision


class FigureRanker:
    """The hand rule's score with the model's correction added (boosting started from it)."""

    def __init__(
        self,
        booster,
        rule_weight: float,
        shapes: Iterable[str] | None = None,
        supported: Mapping[str, Iterable[float]] | None = None,
    ) -> None:
        self.booster = booster
        self.rule_weight = rule_weight
        self.shapes = None if shapes is None else frozenset(shapes)
        self.supported = {
            FEATURES.index(name): frozenset(round(v, SUPPORT_DIGITS) for v in values)
            for name, values in (supported or {}).items()
        }

    def knows(self, shape: str) -> bool:
        """Whether the model was fitted on questions of this shape (figure_features.
        question_shape); None when the card names no shapes."""
        return self.shapes is None or shape in self.shapes

    def supports(self, candidates: Sequence[Candidate]) -> bool:
        """Whether every text figure's discrete features take values the model's examples
        had (the card's supported_values): no generated question states a figure of its own
        or leaves out the period, and no call it learned from names its speakers, so a
        question asked that way, or a figure an analyst said, is beyond what it learned."""
        return self.within_support([c.row() for c in candidates if c.figure.source == "text"])

    def within_support(self, rows: Sequence[Sequence[float]]) -> bool:
        """Whether these feature rows take only supported values in every discrete column."""
        return all(
            round(row[column], SUPPORT_DIGITS) in values
            for row in rows
            for column, values in self.supported.items()
        )

    def score(self, candidates: Sequence[Candidate], shape: str | None = None) -> list[float]:
        """The rule's scores, with the figures stated in running text reordered among
        themselves by the model (the rule's score plus its correction): the examples it learned
        from are call transcripts, so the text figures keep the places the rule gave them
        among table cells and translations, which the rule alone ranks, and the model decides
        which text figure takes which of those places. A question of a shape, or with a
        figure, beyond its examples is ranked by the rule alone."""
        if not candidates:
            return []
        if shape is not None and not self.knows(shape):
            return [self.rule_weight * c.rule_score for c in candidates]
        matrix = np.array([c.row() for c in candidates], dtype=np.float64)
        rule = self.rule_weight * matrix[:, FEATURES.index("rule_score")]
        text = np.flatnonzero([c.figure.source == "text" for c in candidates])
        if not len(text) or not self.within_support(matrix[text].tolist()):
            return rule.tolist()
        learned = rule[text] + self.booster.predict(matrix[text], num_threads=1)
        return take_places(rule, text, learned, TIE_STEP).tolist()


@lru_cache(maxsize=1)
def figure_ranker() -> FigureRanker | None:
    """The installed model, or None: asked for the rules, no model file, or a model that
    does not fit these features."""
    found = installed_model(MODEL_FILE, CARD_FILE, RANKER_ENV, FEATURES, "the hand rule")
    if found is None:
        return None
    booster, card = found
    return FigureRanker(
        booster, card["rule_weight"], card.get("question_shapes"), card.get("supported_values")
    )
