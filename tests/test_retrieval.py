"""Retrieval quality on the real model and the real index, plus the pieces it is made of."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import BadFilter, BadQuestion
from assistant.evaluation import CitedText, Outcome, evaluate, read_questions
from assistant.search.query import Filters
from assistant.search.replies import replies_to
from assistant.text.lexical import BM25, tokenize
from tests.conftest import FIXTURES, ROOT, SEEDS

DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.jsonl"


def run_eval(assistant, path: Path) -> dict:
    def run(question) -> Outcome:
        results = assistant.search(question.question, 5)
        return Outcome(
            [
                CitedText(r.chunk.chunk_id, r.chunk.text, r.chunk.translation, r.chunk.doc_id)
                for r in results
            ],
            None,
        )

    return evaluate(read_questions(path), run, 5)


@pytest.mark.skipif(not DEV_QUESTIONS.exists(), reason="../shared/eval is not beside the repo")
def test_dev_questions_are_found_in_the_top_five(seed_index, assistant_on):
    report = run_eval(assistant_on(seed_index), DEV_QUESTIONS)
    assert report["hit@5"] >= 0.9, report
    assert report["hit@1"] >= 0.75, report
    chinese = [q for q in report["per_question"] if not q["question"].isascii()]
    assert chinese and all(q["hit_rank"] is not None for q in chinese)
    assert report["context_chars@5"] < 3000  # passage-sized citations, not pages


def test_questions_on_other_documents(tmp_path, assistant_on):
    """The fusion weights were set on the seeds; these documents check them elsewhere."""
    assistant = assistant_on(tmp_path / "index")
    assistant.build([SEEDS, FIXTURES])
    report = run_eval(assistant, FIXTURES / "questions_other.jsonl")
    assert report["hit@5"] >= 0.9, report
    assert report["hit@1"] >= 0.6, report


def test_simplified_chinese_finds_the_traditional_translation(seed_index, assistant_on):
    results = assistant_on(seed_index).search("第四季度的营业收入是多少?", 3)
    assert any("營業收入為37億元人民幣" in (r.chunk.translation or "") for r in results)


def test_analyst_shorthand_is_expanded(seed_index, assistant_on):
    results = assistant_on(seed_index).search("2L ACL at December 31, 2023", 3)
    texts = [r.chunk.text for r in results]
    assert any("Second lien" in t and "Allowance for credit losses" in t for t in texts)


def test_filters_restrict_the_results(seed_index, assistant_on):
    assistant = assistant_on(seed_index)
    analysts = assistant.search("risk management", 5, Filters.from_mapping({"role": "analyst"}))
    assert analysts and all(r.chunk.role == "analyst" for r in analysts)
    filing = assistant.search("allowance", 5, Filters.from_mapping({"type": "filing"}))
    assert filing and all(r.chunk.doc_id == "003_a308b794af7827e1" for r in filing)
    qa = assistant.search("dividend", 5, Filters.from_mapping({"section": "Q&A"}))
    assert qa and all(r.chunk.section == "qa" for r in qa)
    cfo = assistant.search("net income", 5, Filters.from_mapping({"speaker": "zheng"}))
    assert cfo and all(r.chunk.speaker == "James Zheng" for r in cfo)
    period = assistant.search("revenue", 5, Filters.from_mapping({"period": "q4 2024"}))
    assert period and all(r.document.period == "Q4 2024" for r in period)
    assert assistant.search("revenue", 5, Filters.from_mapping({"company": "Nobody"})) == []


def test_a_named_company_narrows_the_search(tmp_path, assistant_on):
    assistant = assistant_on(tmp_path / "index")
    assistant.build([SEEDS, FIXTURES / "wire_call.txt"])
    results = assistant.search("What was Lexin's revenue?", 5)
    assert {r.chunk.doc_id for r in results} <= {"000_71abd0ac3770a833"}
    results = assistant.search("What was Helix revenue?", 5)
    assert {r.chunk.doc_id for r in results} == {"wire_call"}


def test_unknown_filter_names_the_valid_ones():
    with pytest.raises(BadFilter, match=r"unknown filter 'ticker'.*valid filters: .*company"):
        Filters.from_mapping({"ticker": "LX"})
    with pytest.raises(BadFilter, match="unknown section"):
        Filters.from_mapping({"section": "intro"})


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("   \n ", "the question is empty"),
        ("x" * 5000, "the question is 5,000 characters; the limit is 2,000"),
    ],
)
def test_bad_questions_get_a_clear_error(seed_index, assistant_on, question, message):
    with pytest.raises(BadQuestion, match=message):
        assistant_on(seed_index).search(question)


def test_tokenizer_folds_chinese_scripts_and_number_formats():
    assert tokenize("營業收入") == tokenize("营业收入")
    assert "9189524787" in tokenize("|9,189,524,787")
    assert tokenize("losses") == tokenize("loss")
    assert "fpd7" in tokenize("FPD7") and "7" in tokenize("FPD7")
    assert "3.7" in tokenize("RMB3.7 billion")


def test_bm25_matches_the_formula_by_hand():
    docs = [["loan", "loss"], ["loan"], ["dividend", "dividend", "payout"]]
    bm25 = BM25(docs, k1=1.2, b=0.75)
    avgdl = (2 + 1 + 3) / 3
    idf = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    tf_norm = 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert bm25.scores([("dividend", 1.0)])[2] == pytest.approx(idf * tf_norm, rel=1e-5)
    idf_loan = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    expected = idf_loan * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 1 / avgdl))
    assert bm25.scores([("loan", 1.0)])[1] == pytest.approx(expected, rel=1e-5)
    assert bm25.scores([("absent", 1.0)]).sum() == 0


def test_an_analysts_matching_question_brings_the_answer_it_got(seed_index, assistant_on):
    """A question that matches an analyst's is answered by management's reply, which says
    "AI" and "layout" in other words: the reply is among the results because its question
    matched."""
    retriever = assistant_on(seed_index).retriever()
    chunks = retriever.store.chunks
    asked = next(k for k, c in enumerate(chunks) if c.role == "analyst" and "AI-related" in c.text)
    replies = replies_to(retriever.store, asked)
    assert replies and all(chunks[r].role == "management" for r in replies)
    assert all(chunks[r].exchange == chunks[asked].exchange for r in replies)
    rows = [h.row for h in retriever.search("What is the AI-related business layout?", 5)]
    assert set(replies) <= set(rows)
    # who asked it: the analyst's turn, with the analyst named in the citation
    result = assistant_on(seed_index).ask("Which analyst asked about unit economics?")
    assert result.citations[0].role == "analyst"
    assert result.citations[0].text.startswith(result.citations[0].speaker)


def acme_call(quarter: str, said: str) -> str:
    return (
        "Operator\n"
        f"Welcome to the Acme Corp {quarter} quarter 2024 earnings call.\n\n"
        "Jane Doe -- Chief Executive Officer\n"
        f"{said}\n\n"
        "Jane Doe -- Chief Executive Officer\n"
        "We opened twelve stores and our customers stayed with us through the summer.\n"
    )


def test_a_full_year_question_prefers_the_years_fourth_quarter_call(tmp_path, assistant_on):
    calls = {
        "acme-q2-2024.txt": acme_call(
            "second",
            "Net income for the quarter was $40 million, and net income for 2024 so far reached "
            "$75 million.",
        ),
        "acme-q4-2024.txt": acme_call(
            "fourth",
            "Net income for the quarter was $45 million; for the year it was $160 million.",
        ),
    }
    for name, text in calls.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assistant = assistant_on(tmp_path / "index")
    assistant.build([tmp_path / name for name in calls])
    result = assistant.ask("What was Acme's net income for the full year 2024?")
    assert result.citations[0].doc_id == "acme-q4-2024"
    assert "$160 million" in result.answer


def test_a_period_said_without_its_year_is_no_sign_of_another_period(tmp_path, assistant_on):
    from assistant.search.query import understand

    said = {
        "half": "Will the deferred volumes come back in the first half of the year?",
        "other": "Deferred volumes came back in 2019, when the mills reopened.",
        "asked": "Deferred volumes were 360,000 tons in the third quarter of 2024.",
    }
    text = acme_call("third", "\n\nJane Doe -- Chief Executive Officer\n".join(said.values()))
    (tmp_path / "acme-q3-2024.txt").write_text(text, encoding="utf-8")
    assistant = assistant_on(tmp_path / "index")
    assistant.build([tmp_path / "acme-q3-2024.txt"])
    retriever = assistant.retriever()
    query = understand(retriever, "When will Acme's 2024 deferred volumes come back?")
    rows = {
        key: next(i for i, c in enumerate(assistant.store.chunks) if sentence in c.text)
        for key, sentence in said.items()
    }
    factors = dict(
        zip(rows, retriever.context_factors(query, np.array(list(rows.values()))), strict=True)
    )
    assert factors["half"] == 1.0  # "the first half" on a 2024 call may well be 2024's
    assert factors["asked"] == 1.0
    assert factors["other"] < 1.0  # only 2019 is named
