"""`make train` (first step): fit the passage ranker, which orders the candidate passages where
the hand-set fusion (fusion.FusionWeights) alone did.

The library's generated questions (the figure ranker's, benchmarks/train_figures.py) are
searched as the answer path searches; for every candidate passage of a question's pool, what
the fusion knew of it is recorded (dense, lexical and best-sentence scores and ranks, the
phrase and figure lists, the context factor, the fused score, whether the passage looks ahead
and whether the question asks for guidance) with whether it holds the question's evidence. A
LightGBM lambdarank model boosted from the fused score is cross-validated over companies, five
folds, and its hit@1 and hit@5 on the held-out companies (its score stepped back between calls
as the retriever steps it) are printed beside the fusion's and written to the model card; the
model is then fitted on every question. The ECTSum validation split is never read here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from assistant.evaluation import citation_hits, read_questions
from assistant.search.passage_model import (
    CARD_FILE,
    MODEL_FILE,
    PASSAGE_FEATURES,
    RANKER_ENV,
    passage_ranker,
    stepped,
)
from assistant.search.retrieval import RECORDED_POOLS
from benchmarks.train_figures import (
    FOLDS,
    QUESTIONS,
    WORK,
    asked_recording,
    fold_of,
    library_assistant,
)

EXAMPLES = WORK / "passage_examples.npz"

FEATURES = PASSAGE_FEATURES
# A passage at least as good as another on every list (a higher score, an earlier place, a
# milder step back for naming another period) is never ranked below it: without this, the
# model learned from calls lifted a short filing sentence 23 points over the passage every
# list ranked first. Whether a passage looks ahead counts either way, by the question.
MONOTONE = {
    "dense_score": 1,
    "dense_rank": -1,
    "lexical_score": 1,
    "lexical_rank": -1,
    "sentence_score": 1,
    "sentence_rank": -1,
    "phrase": 1,
    "figure": 1,
    "lists": 1,
    "context_factor": 1,
    "fused": 1,
}
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [1, 5],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "seed": 7,
    "deterministic": True,
    "num_threads": 2,
    "verbose": -1,
    "monotone_constraints": [MONOTONE.get(name, 0) for name in FEATURES],
}
ROUNDS = 1000
FUSED_SCALE = 1000.0  # fused scores are ~0.01-0.05; boosting starts from them, scaled


class Examples(NamedTuple):
    features: np.ndarray  # one row per candidate passage, FEATURES
    labels: np.ndarray  # whether it holds the question's evidence
    groups: np.ndarray  # candidates per question
    companies: np.ndarray  # per question, for the folds
    call_factors: np.ndarray  # per candidate, applied after the model as the retriever does


def collect(assistant, questions) -> Examples:
    store = assistant.store
    rows, labels, groups, companies, steps = [], [], [], [], []
    started = time.perf_counter()
    for n, question in enumerate(questions, start=1):
        recorded = asked_recording(assistant, question, RECORDED_POOLS)
        if recorded is None:
            continue
        pool, known, call_factors = recorded
        texts = [(store.chunks[int(r)].text, None) for r in pool]
        hits = citation_hits(question.evidence, texts)
        rows.append(np.column_stack([known[name] for name in FEATURES]))
        labels += [int(h) for h in hits]
        steps.append(call_factors)
        groups.append(len(pool))
        companies.append((question.doc or "").split("_")[0])
        if n % 1000 == 0:
            print(f"  {n} questions, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return Examples(
        np.vstack(rows),
        np.array(labels),
        np.array(groups),
        np.array(companies),
        np.concatenate(steps),
    )


def hits_at(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int) -> float:
    """Share of the questions with their evidence in the pool whose top k holds it."""
    right = asked = 0
    start = 0
    for size in groups:
        s, y = scores[start : start + size], labels[start : start + size]
        start += size
        if y.any():
            asked += 1
            top = np.lexsort((np.arange(size), -s))[:k]
            right += int(y[top].any())
    return right / asked if asked else 0.0


def cross_validate(examples: Examples) -> dict:
    """Each fold's model judged on companies it never saw; the number of rounds is the one
    whose held-out ndcg@1, summed over the folds, is best."""
    import lightgbm

    features, labels, groups, companies, call_factors = examples
    bounds = np.concatenate([[0], np.cumsum(groups)])
    folds = np.array([fold_of(c) for c in companies])
    fused = features[:, FEATURES.index("fused")] * FUSED_SCALE
    curves, held = [], []
    for fold in range(FOLDS):
        sides = {}
        for side, mask in (("train", folds != fold), ("test", folds == fold)):
            rows = np.concatenate(
                [np.arange(bounds[q], bounds[q + 1]) for q in np.flatnonzero(mask)]
            )
            sides[side] = (rows, groups[mask])
        (train, train_groups), (test, test_groups) = sides["train"], sides["test"]
        history: dict = {}
        booster = lightgbm.train(
            PARAMS,
            dataset(features[train], labels[train], train_groups, fused[train]),
            num_boost_round=ROUNDS,
            valid_sets=[dataset(features[test], labels[test], test_groups, fused[test])],
            callbacks=[lightgbm.record_evaluation(history)],
        )
        curves.append(np.array(history["valid_0"]["ndcg@1"]) * len(test_groups))
        held.append((booster, test, test_groups))
    rounds = int(np.argmax(np.sum(curves, axis=0))) + 1
    out = {"questions": 0, "rounds": rounds}
    totals = dict.fromkeys(("fusion_hit@1", "fusion_hit@5", "model_hit@1", "model_hit@5"), 0.0)
    for booster, test, g in held:
        corrected = fused[test] + booster.predict(features[test], num_iteration=rounds)
        model = stepped(corrected, call_factors[test])
        out["questions"] += len(g)
        for k in (1, 5):
            totals[f"fusion_hit@{k}"] += hits_at(fused[test], labels[test], g, k) * len(g)
            totals[f"model_hit@{k}"] += hits_at(model, labels[test], g, k) * len(g)
    return out | {k: round(v / out["questions"], 4) for k, v in totals.items()}


def dataset(features, labels, groups, init):
    import lightgbm

    return lightgbm.Dataset(
        features, labels, group=groups, init_score=init, feature_name=list(FEATURES)
    )


def load_or_collect(index: Path, questions_path: Path, fresh: bool) -> Examples:
    """The examples saved by the last run with the same features, or asked afresh."""
    if EXAMPLES.exists() and not fresh:
        saved = np.load(EXAMPLES, allow_pickle=False)
        if tuple(saved["feature_names"]) == FEATURES and set(Examples._fields) <= set(saved):
            return Examples(*(saved[k] for k in Examples._fields))
    assistant = library_assistant(index)
    os.environ[RANKER_ENV] = "rules"  # the examples are read as the fusion ranks them
    passage_ranker.cache_clear()
    questions = [q for q in read_questions(questions_path) if q.evidence]
    examples = collect(assistant, questions)
    np.savez_compressed(EXAMPLES, feature_names=np.array(FEATURES), **examples._asdict())
    return examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=WORK / "ectsum_library")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--fresh", action="store_true", help="ask the questions again")
    args = parser.parse_args()
    if not args.questions.exists():
        print(f"{args.questions} is absent: run `make questions` first", file=sys.stderr)
        return 1
    from assistant.library import FORMAT_VERSION

    examples = load_or_collect(args.index, args.questions, args.fresh)
    held = cross_validate(examples)
    import lightgbm

    features, labels, groups = examples.features, examples.labels, examples.groups

    fused = features[:, FEATURES.index("fused")] * FUSED_SCALE
    booster = lightgbm.train(
        PARAMS, dataset(features, labels, groups, fused), num_boost_round=held["rounds"]
    )
    booster.save_model(str(MODEL_FILE))
    card = {
        "features": list(FEATURES),
        "index_format": FORMAT_VERSION,
        "fused_scale": FUSED_SCALE,  # the model's output is added to the fused score times it
        "params": PARAMS,
        "examples": {"questions": len(groups), "passages": len(labels)},
        "cross_validated": held,
    }
    CARD_FILE.write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(held, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
