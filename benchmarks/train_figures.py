"""`make train`: fit the figure ranker on questions generated from the ECTSum library.

The library's calls (`ectsum-library/`, none of them a validation or development call) are
indexed as one library; each question generated from their summaries
(benchmarks/generate_questions.py) is asked through the full answer path with the hand rule
ranking, and every figure of the cited passages becomes one example: its features
(assistant/search/figure_features.py) and whether it is the question's figure (unit and value
within 0.5%, from the question's call). A LightGBM lambdarank model, boosted from the hand
rule's score and never lowering a figure for a better rule part, is cross-validated over
companies (five folds, a company's calls on one side only) to choose its number of rounds,
then fitted on every question; the rule's and the model's cross-validated figure@1 are
printed and written to the model card beside the model.

The ECTSum validation split is never read here: `make eval` reports on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import BadQuestion
from assistant.evaluation import Question, figure_matches, read_questions
from assistant.search.figure_choice import RECORDED
from assistant.search.figure_features import FEATURES, RULE_PARTS, Candidate, question_shape
from assistant.search.figure_model import CARD_FILE, MODEL_FILE, RANKER_ENV, figure_ranker

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
WORK = ROOT / ".eval"
LIBRARY = CORPUS / "ectsum-library"
QUESTIONS = WORK / "ectsum_library_questions.jsonl"
EXAMPLES = WORK / "figure_examples.npz"
FOLDS = 5
# The model corrects the hand rule (boosting starts from its score), and a rule part that
# grows never lowers a figure's score: where the examples say nothing, the rule's order stands.
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [1, 3],
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "seed": 7,
    "deterministic": True,
    "num_threads": 2,
    "verbose": -1,
    "monotone_constraints": [int(name in RULE_PARTS or name == "rule_score") for name in FEATURES],
}
ROUNDS = 1500
# Boosting starts from the rule's score times this: the model's corrections are of the
# rule's size.
RULE_WEIGHT = 1.0
MIN_SHAPE_QUESTIONS = 50
MAX_LEVELS = 4  # a feature with no more values than this is discrete (a flag, a rule part)


@dataclass
class Examples:
    features: np.ndarray  # one row per figure, FEATURES columns
    labels: np.ndarray  # 1 for the question's figure
    groups: np.ndarray  # figures per question, in question order
    companies: np.ndarray  # each question's ticker
    rule_scores: np.ndarray
    shapes: np.ndarray  # each question's shape (figure_features.question_shape)


def label(candidate: Candidate, question: Question) -> int:
    """1 for the question's figure, as `make eval` judges it."""
    found = {"value": candidate.figure.value, "unit": candidate.figure.unit}
    assert question.figure is not None
    return int(
        figure_matches(question.figure, [found | {"doc_id": candidate.doc_id}], question.doc)[0]
    )


def asked_recording(assistant, question: Question, recorder: ContextVar) -> Any | None:
    """The question asked through the full answer path, and the last thing `recorder` took
    down while it was (None for a refused question, or when nothing was recorded)."""
    recorded: list = []
    token = recorder.set(recorded)
    try:
        assistant.ask(question.question)
    except BadQuestion:
        return None
    finally:
        recorder.reset(token)
    return recorded[-1] if recorded else None


def collect(assistant, questions: list[Question]) -> Examples:
    """Every question asked with the hand rule ranking; each figure of its cited passages
    one example."""
    rows: list[list[float]] = []
    labels: list[int] = []
    groups: list[int] = []
    companies: list[str] = []
    shapes: list[str] = []
    started = time.perf_counter()
    for n, question in enumerate(questions, start=1):
        recorded = asked_recording(assistant, question, RECORDED)
        if recorded is None:
            continue
        query, candidates = recorded
        if not candidates:
            continue
        shapes.append(question_shape(query))
        rows += [c.row() for c in candidates]
        labels += [label(c, question) for c in candidates]
        groups.append(len(candidates))
        companies.append((question.doc or "").split("_")[0])
        if n % 500 == 0:
            print(f"  {n} questions, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    features = np.array(rows, dtype=np.float64)
    return Examples(
        features=features,
        labels=np.array(labels, dtype=np.int32),
        groups=np.array(groups, dtype=np.int32),
        companies=np.array(companies),
        rule_scores=features[:, FEATURES.index("rule_score")],
        shapes=np.array(shapes),
    )


def known_shapes(examples: Examples) -> list[str]:
    """The question shapes with enough fitted questions to speak for; a question of any other
    shape is ranked by the rule."""
    shapes, counts = np.unique(examples.shapes, return_counts=True)
    return sorted(str(s) for s, n in zip(shapes, counts, strict=True) if n >= MIN_SHAPE_QUESTIONS)


def supported_values(examples: Examples) -> dict[str, list[float]]:
    """For each discrete feature (at most MAX_LEVELS values in the examples), the values
    enough fitted questions had to speak for: a question whose text figure takes another one
    (a period left out, a figure stated in the question, a speaker's role) is ranked by the
    rule, as a question of an unseen shape is."""
    rows = question_rows(examples)
    supported: dict[str, list[float]] = {}
    for column, name in enumerate(FEATURES):
        values = examples.features[:, column]
        levels = np.unique(values[~np.isnan(values)])
        if len(levels) > MAX_LEVELS:
            continue
        questions = {
            float(level): sum(bool(np.any(values[r] == level)) for r in rows) for level in levels
        }
        supported[name] = sorted(v for v, n in questions.items() if n >= MIN_SHAPE_QUESTIONS)
    return supported


def fold_of(company: str) -> int:
    """A company's fold, by a hash of its ticker: the same split on every run, and a
    company's calls never on both sides."""
    return hashlib.sha256(company.encode()).digest()[0] % FOLDS


def question_rows(examples: Examples) -> list[slice]:
    """Each question's figures: consecutive rows, as many as its group says."""
    ends = np.cumsum(examples.groups)
    return [
        slice(int(end - size), int(end)) for end, size in zip(ends, examples.groups, strict=True)
    ]


def subset(examples: Examples, keep: np.ndarray) -> Examples:
    """The questions `keep` marks, with their figures."""
    rows = np.concatenate(
        [
            np.arange(r.start, r.stop)
            for r, k in zip(question_rows(examples), keep, strict=True)
            if k
        ]
    )
    return Examples(
        examples.features[rows],
        examples.labels[rows],
        examples.groups[keep],
        examples.companies[keep],
        examples.rule_scores[rows],
        examples.shapes[keep],
    )


def top_is_right(scores: np.ndarray, examples: Examples) -> float:
    """Share of the questions with a right figure among their candidates whose best-scored
    figure is right (the first of equal scores, as the answer path sorts)."""
    right = asked = 0
    for rows in question_rows(examples):
        labels = examples.labels[rows]
        if labels.any():
            asked += 1
            right += int(labels[int(np.argmax(scores[rows]))])
    return right / asked if asked else 0.0


def fit(examples: Examples):
    """The number of rounds chosen by cross-validation over companies (each fold's model
    judged on companies it never saw), then the model fitted on every question. Returns the
    model and each ranker's figure@1 on the held-out folds."""
    import lightgbm

    examples = subset(examples, answerable(examples))  # without its figure nothing is taught
    folds = np.array([fold_of(c) for c in examples.companies])
    curves, rule_right, questions, fold_boosters = [], 0.0, 0, []
    for fold in range(FOLDS):
        train, test = subset(examples, folds != fold), subset(examples, folds == fold)
        history: dict = {}
        booster = lightgbm.train(
            PARAMS,
            dataset(train),
            num_boost_round=ROUNDS,
            valid_sets=[dataset(test)],
            callbacks=[lightgbm.record_evaluation(history)],
        )
        curves.append(np.array(history["valid_0"]["ndcg@1"]) * len(test.groups))
        rule_right += top_is_right(test.rule_scores, test) * len(test.groups)
        questions += len(test.groups)
        fold_boosters.append((booster, test))
    rounds = int(np.argmax(np.sum(curves, axis=0))) + 1
    model_right = sum(
        top_is_right(
            RULE_WEIGHT * test.rule_scores + booster.predict(test.features, num_iteration=rounds),
            test,
        )
        * len(test.groups)
        for booster, test in fold_boosters
    )
    booster = lightgbm.train(PARAMS, dataset(examples), num_boost_round=rounds)
    held = {
        "questions": questions,
        "rule_figure@1": round(rule_right / questions, 4),
        "model_figure@1": round(model_right / questions, 4),
        "rounds": rounds,
    }
    return booster, examples, held


def dataset(part: Examples):
    """Figures grouped by question; boosting starts from the rule's score."""
    import lightgbm

    return lightgbm.Dataset(
        part.features,
        part.labels,
        group=part.groups,
        init_score=RULE_WEIGHT * part.rule_scores,
        feature_name=list(FEATURES),
    )


def answerable(examples: Examples) -> np.ndarray:
    """Which questions have a right figure among their candidates."""
    return np.array([examples.labels[rows].any() for rows in question_rows(examples)])


def library_assistant(index: Path):
    """An assistant on the ECTSum library's index in `index`, built (or brought up to date)
    first: the examples both rankers learn from are asked of it."""
    from assistant.embedding import load_encoder
    from assistant.service import Assistant
    from assistant.settings import Settings

    assistant = Assistant(Settings(index_dir=index), load_encoder("all-MiniLM-L6-v2"))
    started = time.perf_counter()
    _, stats = assistant.build([LIBRARY], skip_unreadable=True)
    print(
        f"library index ready in {time.perf_counter() - started:.0f} s "
        f"({stats.embedded} chunks embedded, {stats.reused} reused)",
        file=sys.stderr,
    )
    return assistant


def load_or_collect(index: Path, questions_path: Path, fresh: bool) -> Examples:
    if EXAMPLES.exists() and not fresh:
        saved = np.load(EXAMPLES, allow_pickle=False)
        if tuple(saved["feature_names"]) == FEATURES and "shapes" in saved:
            fields = ("features", "labels", "groups", "companies", "rule_scores", "shapes")
            return Examples(*(saved[k] for k in fields))
    assistant = library_assistant(index)
    os.environ[RANKER_ENV] = "rules"  # the examples are read as the rule ranks them
    figure_ranker.cache_clear()
    questions = [q for q in read_questions(questions_path) if q.figure]
    examples = collect(assistant, questions)
    np.savez_compressed(
        EXAMPLES,
        feature_names=np.array(FEATURES),
        features=examples.features,
        labels=examples.labels,
        groups=examples.groups,
        companies=examples.companies,
        rule_scores=examples.rule_scores,
        shapes=examples.shapes,
    )
    return examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=WORK / "ectsum_library")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--fresh", action="store_true", help="ask the questions again")
    args = parser.parse_args()
    if not LIBRARY.is_dir():
        print(f"{LIBRARY} is absent: nothing to train on", file=sys.stderr)
        return 1
    if not args.questions.exists():
        print(f"{args.questions} is absent: run `make questions` first", file=sys.stderr)
        return 1
    from assistant.library import FORMAT_VERSION

    examples = load_or_collect(args.index, args.questions, args.fresh)
    booster, train, held = fit(examples)
    MODEL_FILE.parent.mkdir(exist_ok=True)
    booster.save_model(str(MODEL_FILE))
    card = {
        "features": list(FEATURES),
        "index_format": FORMAT_VERSION,
        "rule_weight": RULE_WEIGHT,  # the model's output is added to the rule's score times it
        "question_shapes": known_shapes(train),
        "supported_values": supported_values(train),
        "params": PARAMS,
        "examples": {
            "questions": len(examples.groups),
            "figures": len(examples.labels),
            "fitted_questions": len(train.groups),
        },
        "cross_validated": held,
    }
    CARD_FILE.write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card["examples"] | held, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
