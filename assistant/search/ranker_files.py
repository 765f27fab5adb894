"""What the learned rankers (figure_model, passage_model) share: the committed model files and
their cards, refused when they do not fit this code, and the way a model reorders candidates
within the places the hand-set scores gave them."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"  # assistant/models


def card_problem(card: dict, features: Sequence[str]) -> str | None:
    """Why a model card does not fit this code, or None."""
    from assistant.library import FORMAT_VERSION

    if tuple(card.get("features", ())) != tuple(features):
        return "it was fitted on other features"
    if card.get("index_format") != FORMAT_VERSION:
        return f"it was fitted on index format {card.get('index_format')}, not {FORMAT_VERSION}"
    return None


def installed_model(
    model_file: Path, card_file: Path, env: str, features: Sequence[str], fallback: str
) -> tuple[object, dict] | None:
    """The booster and its card, or None: `env` set to "rules", no model file, or a card that
    does not fit these features (logged, with what ranks instead)."""
    if os.environ.get(env, "").lower() == "rules":
        return None
    if not model_file.exists() or not card_file.exists():
        return None
    card = json.loads(card_file.read_text())
    problem = card_problem(card, features)
    if problem:
        log.warning("%s is not used: %s; %s ranks", model_file, problem, fallback)
        return None
    import lightgbm

    return lightgbm.Booster(model_file=str(model_file)), card


def take_places(
    scores: np.ndarray, members: np.ndarray, learned: np.ndarray, tie_step: float = 0.0
) -> np.ndarray:
    """`scores` with the members' own scores handed out among them in the order of `learned`
    (best first, the first of equal ones first); with `tie_step`, each place is at least that
    far below the one before, so equal places still keep the model's order."""
    places = np.sort(scores[members])[::-1]
    for k in range(1, len(places)):
        places[k] = min(places[k], places[k - 1] - tie_step)
    out = scores.copy()
    out[members[np.argsort(-learned, kind="stable")]] = places
    return out
