"""`assistant eval`: hit@k, doc@1, figure@k and context size on a question file (the contract
in DESIGN.md). It measures; failing questions are results, not errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.documents import doc_id_for
from assistant.errors import AssistantError

WS_RE = re.compile(r"\s+")


def normalise_evidence(text: str) -> str:
    return WS_RE.sub(" ", text.replace("|", "")).strip().lower()


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    evidence: tuple[str, ...]
    figure: dict | None
    raw: dict
    doc: str | None = None
    # Across periods: strings that must each occur in some citation among the top 10, and
    # {value, unit, period} items that must all be in the answer's series or figures.
    evidence_each: tuple[str, ...] = ()
    figures_each: tuple[dict, ...] = ()
    # Pages of `doc` that hold the evidence (a figure stated twice, in a summary and a
    # statement, is on either).
    pages: tuple[int, ...] = ()


def read_questions(path: Path) -> list[Question]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise AssistantError(f"{path}: cannot read question file: {err}") from err
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            evidence = raw.get("evidence") or ()
            evidence = (evidence,) if isinstance(evidence, str) else tuple(evidence)
            questions.append(
                Question(
                    id=str(raw.get("id", number)),
                    question=raw["question"],
                    evidence=evidence,
                    figure=raw.get("figure"),
                    raw=raw,
                    doc=doc_id_for(raw["doc"]) if raw.get("doc") else None,  # as indexing names it
                    evidence_each=tuple(raw.get("evidence_each") or ()),
                    figures_each=tuple(raw.get("figures_each") or ()),
                    pages=_pages(raw.get("page")),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise AssistantError(f"{path}:{number}: not a question object: {err}") from err
    return questions


def _pages(raw: object) -> tuple[int, ...]:
    if raw is None:
        return ()
    return tuple(int(p) for p in (raw if isinstance(raw, list) else [raw]))


def on_page(question: Question, citation: CitedText) -> bool:
    """Whether a citation is from the question's document and spans one of its pages."""
    if not citation.pages or (question.doc is not None and citation.doc_id != question.doc):
        return False
    first, last = citation.pages
    return any(first <= page <= last for page in question.pages)


def citation_hits(evidence: Sequence[str], texts: Sequence[tuple[str, str | None]]) -> list[bool]:
    """For each citation (text, translation), whether all evidence strings occur in it."""
    needles = [normalise_evidence(e) for e in evidence]
    out = []
    for text, translation in texts:
        haystacks = [normalise_evidence(text), normalise_evidence(translation or "")]
        out.append(bool(needles) and all(any(n in h for h in haystacks) for n in needles))
    return out


def figure_matches(expected: dict, figures: Sequence[dict], doc: str | None = None) -> list[bool]:
    """Whether each figure has the expected unit and value (within 0.5%) and, when the
    question names its document, was cited from that document."""
    value = float(expected["value"])
    tolerance = abs(value) * 0.005
    return [
        f.get("unit") == expected.get("unit")
        and abs(float(f.get("value", 0)) - value) <= tolerance
        and (doc is None or f.get("doc_id") in (None, doc))
        for f in figures
    ]


@dataclass(frozen=True)
class CitedText:
    chunk_id: str
    text: str
    translation: str | None = None
    doc_id: str | None = None
    pages: tuple[int, int] | None = None


@dataclass(frozen=True)
class Outcome:
    """What one question returned: citations, figures (each a dict with value, unit and the
    doc_id it was cited from; None when the pipeline gives no figures) and whether the scope
    was inferred from the question."""

    citations: list[CitedText]
    figures: list[dict] | None
    scope_inferred: bool = False
    extra: dict = field(default_factory=dict)
    series: list[dict] = field(default_factory=list)


def item_found(expected: dict, found: Sequence[dict]) -> bool:
    """An expected {value, unit, period} among series items or figures (value within 0.5%;
    the period only when the expectation names one)."""
    value = float(expected["value"])
    return any(
        f.get("unit") == expected.get("unit")
        and abs(float(f.get("value", 0)) - value) <= abs(value) * 0.005
        and (not expected.get("period") or f.get("period") == expected["period"])
        for f in found
    )


def series_complete(question: Question, outcome: Outcome) -> bool:
    """series@all: every `evidence_each` string in some citation among the top 10, and every
    `figures_each` item in the series or the figures."""
    texts = [(c.text, c.translation) for c in outcome.citations[:10]]
    for evidence in question.evidence_each:
        if not any(citation_hits([evidence], texts)):
            return False
    found = [*outcome.series, *(outcome.figures or [])]
    return all(item_found(item, found) for item in question.figures_each)


def evaluate(questions: list[Question], run: Callable[[Question], Outcome], k: int = 5) -> dict:
    per_question = []
    totals = {"hit@1": 0, "hit@3": 0, "hit@5": 0, "figure@1": 0, "figure@3": 0, "doc@1": 0}
    figure_questions = doc_questions = inferred = series_questions = series_all = 0
    page_questions = page_hits = 0
    figures_available = True
    context_chars = 0
    for question in questions:
        outcome = run(question)
        citations = outcome.citations[: max(k, 5)]
        hits = citation_hits(question.evidence, [(c.text, c.translation) for c in citations])
        first = next((rank for rank, hit in enumerate(hits, start=1) if hit), None)
        for cut in (1, 3, 5):
            totals[f"hit@{cut}"] += int(first is not None and first <= cut)
        context_chars += sum(len(c.text) for c in citations[:5])
        inferred += int(outcome.scope_inferred)
        entry: dict = {
            "id": question.id,
            "question": question.question,
            "hit_rank": first,
            "top": [
                {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "hit": hit}
                for c, hit in zip(citations, hits, strict=True)
            ],
            "scope_inferred": outcome.scope_inferred,
            **outcome.extra,
        }
        if question.doc is not None:
            doc_questions += 1
            on_doc = bool(citations) and citations[0].doc_id == question.doc
            totals["doc@1"] += int(on_doc)
            entry["doc_hit"] = on_doc
        if question.pages:
            page_questions += 1
            page_rank = next(
                (r for r, c in enumerate(citations[:5], start=1) if on_page(question, c)), None
            )
            page_hits += int(page_rank is not None)
            entry["page_rank"] = page_rank
        if outcome.figures is None:
            figures_available = False
        elif question.figure:
            figure_questions += 1
            matches = figure_matches(question.figure, outcome.figures, question.doc)
            figure_rank = next((r for r, m in enumerate(matches, start=1) if m), None)
            totals["figure@1"] += int(figure_rank == 1)
            totals["figure@3"] += int(figure_rank is not None and figure_rank <= 3)
            entry["figure_rank"] = figure_rank
            entry["figures"] = outcome.figures[:3]
        if question.evidence_each or question.figures_each:
            series_questions += 1
            complete = series_complete(question, outcome)
            series_all += int(complete)
            entry["series_all"] = complete
            entry["series"] = outcome.series
        if any(not item.get("quoted", True) for item in outcome.series):
            entry["series_unquoted"] = [i for i in outcome.series if not i.get("quoted", True)]
        per_question.append(entry)
    n = len(questions)
    report: dict = {"n": n}
    for cut in (1, 3, 5):
        report[f"hit@{cut}"] = round(totals[f"hit@{cut}"] / n, 4) if n else 0.0
    for cut in (1, 3):
        key = f"figure@{cut}"
        report[key] = (
            round(totals[key] / figure_questions, 4)
            if figures_available and figure_questions
            else None
        )
    report["context_chars@5"] = round(context_chars / n, 1) if n else 0.0
    report["doc@1"] = round(totals["doc@1"] / doc_questions, 4) if doc_questions else None
    report["page@5"] = round(page_hits / page_questions, 4) if page_questions else None
    report["scope_inferred"] = round(inferred / n, 4) if n else 0.0
    report["series@all"] = round(series_all / series_questions, 4) if series_questions else None
    report["per_question"] = per_question
    return report


def ask_each(assistant, questions: list[Question], k: int = 5) -> dict:
    """Every question asked through the full answer path and scored; a question the
    assistant refuses (empty, too long) counts as answered with nothing."""
    from assistant.errors import BadQuestion

    def run(question: Question) -> Outcome:
        try:
            return outcome_of(assistant.ask(question.question))
        except BadQuestion:
            return Outcome(citations=[], figures=[])

    return evaluate(questions, run, k)


def outcome_of(result) -> Outcome:
    """An Answer as the evaluation reads it (through its JSON model, as a server sends it)."""
    from assistant.answers.schema import answer_model

    return outcome_of_model(answer_model(result))


def outcome_of_model(model) -> Outcome:
    """An answer's JSON model as the evaluation reads it: citations with their documents, and
    figures with the document of the citation they came from."""
    docs = {c.n: c.doc_id for c in model.citations}
    return Outcome(
        citations=[
            CitedText(
                c.chunk_id,
                c.text,
                c.translation,
                c.doc_id,
                tuple(c.pages) if c.pages else None,  # type: ignore[arg-type]
            )
            for c in model.citations
        ],
        figures=[
            {
                "value": f.value,
                "unit": f.unit,
                "text": f.text,
                "metric": f.metric,
                "period": f.period,
                "doc_id": docs.get(f.citation),
            }
            for f in model.figures
        ],
        scope_inferred=bool(model.scope.inferred),
        extra={"found": model.found},
        series=[
            {
                "value": i.value,
                "unit": i.unit,
                "period": i.period,
                "text": i.text,
                # Whether the figure as written is in the passage it cites.
                "quoted": any(c.n == i.citation and i.text in c.text for c in model.citations),
            }
            for i in model.series
        ],
    )


GOLDEN_FIELDS = (
    "id",
    "question",
    "hit_rank",
    "doc_hit",
    "page_rank",
    "figure_rank",
    "series_all",
)


def golden_of(report: dict, previous: dict | None = None) -> dict:
    """The per-question outcomes a person reviews and later runs are held to: ranks, whether
    the first citation is from the right document, and the top figure; a `review` note on a
    question (why it misses) is kept from the previous golden file."""
    notes = {
        q["id"]: q["review"] for q in (previous or {}).get("per_question", []) if "review" in q
    }
    summary = {k: v for k, v in report.items() if k != "per_question"}
    per_question = []
    for q in report["per_question"]:
        entry = {k: q[k] for k in GOLDEN_FIELDS if k in q}
        if q.get("figures"):
            top = q["figures"][0]
            entry["top_figure"] = {k: top.get(k) for k in ("text", "metric", "period", "doc_id")}
        if q["id"] in notes:
            entry["review"] = notes[q["id"]]
        per_question.append(entry)
    return {**summary, "per_question": per_question}


def regressions(report: dict, golden: dict) -> list[str]:
    """Questions that did worse than in the golden file: a lost hit@5, doc@1 or figure@3,
    or a figure that fell from first place. A question the golden file does not know is not
    compared."""
    before = {q["id"]: q for q in golden["per_question"]}
    out = []
    for q in report["per_question"]:
        old = before.get(q["id"])
        if old is None:
            continue
        lost = []
        if old.get("hit_rank") and old["hit_rank"] <= 5 and not (q["hit_rank"] or 99) <= 5:
            lost.append("hit@5")
        if old.get("doc_hit") and not q.get("doc_hit"):
            lost.append("doc@1")
        old_rank, new_rank = old.get("figure_rank"), q.get("figure_rank")
        if old_rank == 1 and new_rank != 1:
            lost.append("figure@1")
        if old_rank and old_rank <= 3 and not (new_rank and new_rank <= 3):
            lost.append("figure@3")
        if old.get("page_rank") and not q.get("page_rank"):
            lost.append("page@5")
        if old.get("series_all") and not q.get("series_all"):
            lost.append("series@all")
        if lost:
            out.append(f"{q['id']}: lost {', '.join(lost)} — {q['question']}")
    return out
