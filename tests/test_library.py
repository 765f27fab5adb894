"""A small library of real calls (several companies, one with two quarters) on the real model
and index: the answer comes from the named company's call for the named period, and a
company or period the library does not hold gets a not-found answer with no figures."""

from __future__ import annotations

import re
import shutil

import pytest

from assistant.service import Assistant
from assistant.settings import Settings
from tests.conftest import ECTSUM, ECTSUM_CALLS, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ECTSUM.exists(), reason="../shared/corpus is absent"),
]


@pytest.fixture(scope="module")
def library(ectsum_library):
    return ectsum_library


@pytest.mark.parametrize(
    ("question", "doc_id", "value", "unit"),
    [
        ("What was AAP's adjusted diluted EPS in Q3 2021?", "AAP_q3_2021", 3.21, "USD"),
        ("what were aap net sales in q3 2021?", "AAP_q3_2021", 2.6e9, "USD"),
        ("What was RMD's revenue in Q1 2022?", "RMD_q1_2022", None, None),
        ("What was RMD's revenue in Q2 2021?", "RMD_q2_2021", None, None),
    ],
)
def test_the_named_company_and_period_answer(library, question, doc_id, value, unit):
    result = library.ask(question)
    assert result.found and result.scope.inferred
    assert {c.doc_id for c in result.citations} == {doc_id}
    assert all(f.chunk_id.startswith(doc_id) for f in result.figures)
    if value is not None:
        top = result.figures[0].figure
        assert (top.unit, top.value) == (unit, value), result.figures[:3]


def test_the_right_company_in_a_quarter_it_has_no_call_for(library):
    result = library.ask("What was RMD's revenue in Q3 2021?")
    assert not result.found and result.figures == ()
    assert "Q3 2021" in result.answer and "Q1 2022" in result.answer  # nearest indexed


def test_a_company_with_a_similar_name_is_not_taken_for_another(library):
    result = library.ask("What was RMDX's revenue in Q1 2022?")
    assert not result.found and result.figures == () and result.citations == ()
    assert "RMDX" in result.answer and "RMD" in result.answer


def test_a_deleted_company_is_not_answered_from_another(library, tmp_path, encoder):
    index = tmp_path / "index"
    shutil.copytree(library.settings.index_dir, index, symlinks=True)
    assistant = Assistant(Settings(index_dir=index), encoder)
    before = assistant.ask("What was YUM's revenue in Q2 2021?")
    assert before.found and {c.doc_id for c in before.citations} == {"YUM_q2_2021"}
    assistant.remove("YUM_q2_2021")
    after = assistant.ask("What was YUM's revenue in Q2 2021?")
    assert not after.found and after.figures == () and after.citations == ()
    assert "YUM" in after.answer


def test_a_follow_up_naming_another_company_replaces_the_company(library):
    from assistant.answers.answer import Turn

    first = "What was AAP's adjusted diluted EPS in Q3 2021?"
    result = library.ask("what about DPZ in Q2 2021?", history=[Turn(first)])
    assert result.scope.companies == ("DPZ",) and result.scope.periods == ("Q2 2021",)
    assert {c.doc_id for c in result.citations} == {"DPZ_q2_2021"}


def test_an_answer_naming_no_company_keeps_to_one_and_names_the_others(library):
    result = library.ask("What was comparable store sales growth?")
    companies = {c.company for c in result.citations}
    assert len(companies) > 1  # several of the calls speak of it
    company_of = {c.n: c.company for c in result.citations}
    quoted = company_of[int(re.search(r"\[(\d+)\]", result.answer)[1])]
    assert result.note and f"from {quoted}'s documents" in result.note
    assert all(other in result.note for other in companies - {quoted})
    assert result.figures and all(company_of[f.citation] == quoted for f in result.figures)


def test_the_dev_questions_on_these_calls_do_no_worse_than_their_golden_file(library):
    import json

    from assistant.evaluation import ask_each, read_questions, regressions
    from tests.test_golden import GOLDEN

    questions = ROOT.parent / "shared" / "eval" / "ectsum_dev.jsonl"
    golden = json.loads((GOLDEN / "ectsum_library.json").read_text(encoding="utf-8"))
    asked = [q for q in read_questions(questions) if q.doc in ECTSUM_CALLS]
    report = ask_each(library, asked)
    assert len(asked) == len(golden["per_question"]) > 20
    assert regressions(report, golden) == []
