"""The index verbs of the CLI: build, add, docs, search, eval, remove. The model is the real
one, shared across tests instead of being loaded by each command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import assistant.cli as cli
from assistant.service import Assistant
from assistant.settings import Settings
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.jsonl"


@pytest.fixture(autouse=True)
def shared_model(monkeypatch, encoder):
    monkeypatch.setattr(
        cli, "open_assistant", lambda index: Assistant(cli.settings_for(index), encoder)
    )


def invoke(*args: str):
    return runner.invoke(cli.app, list(args))


def test_build_docs_search_remove(tmp_path):
    index = str(tmp_path / "idx")
    built = invoke(
        "build", str(FIXTURES / "news_call.txt"), str(FIXTURES / "notes.md"), "--index", index
    )
    assert built.exit_code == 0, built.stderr
    assert "indexed 2 documents" in built.stdout

    listed = json.loads(invoke("docs", "--json", "--index", index).stdout)
    assert {d["doc_id"] for d in listed["documents"]} == {"news_call", "notes"}
    news = next(d for d in listed["documents"] if d["doc_id"] == "news_call")
    assert (news["company"], news["period"], news["type"]) == (
        "Northwind Robotics",
        "Q2 2025",
        "transcript",
    )

    found = invoke("search", "backlog", "--k", "2", "--json", "--index", index)
    assert found.exit_code == 0
    results = json.loads(found.stdout)["results"]
    assert len(results) == 2
    assert any("Backlog reached $2.3 billion" in r["text"] for r in results)
    first = results[0]
    assert set(first) >= {"rank", "score", "chunk_id", "doc_id", "lines", "text", "speaker"}

    filtered = invoke("search", "backlog", "--filter", "role=analyst", "--json", "--index", index)
    assert all(r["role"] == "analyst" for r in json.loads(filtered.stdout)["results"])

    added = invoke(
        "add", str(FIXTURES / "wire_call.txt"), "--company", "Helix Payments", "--index", index
    )
    assert added.exit_code == 0 and "added wire_call" in added.stdout

    removed = invoke("remove", "notes", "--index", index)
    assert removed.exit_code == 0
    assert "2 documents remain" in removed.stdout
    again = invoke("remove", "notes", "--index", index)
    assert again.exit_code == 1
    assert "no document 'notes' in the index" in again.stderr


def test_search_without_an_index_says_what_to_run(tmp_path):
    result = invoke("search", "revenue", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "run `assistant build`" in result.stderr


def test_bad_filter_and_empty_question_are_one_line_errors(seed_index):
    result = invoke("search", "revenue", "--filter", "ticker=LX", "--index", str(seed_index))
    assert result.exit_code == 1 and "unknown filter 'ticker'" in result.stderr
    result = invoke("search", "  ", "--index", str(seed_index))
    assert result.exit_code == 1 and "the question is empty" in result.stderr


@pytest.mark.skipif(not DEV_QUESTIONS.exists(), reason="../shared/eval is not beside the repo")
def test_eval_json_follows_the_contract(seed_index):
    result = invoke("eval", str(DEV_QUESTIONS), "--json", "--index", str(seed_index))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {
        "n",
        "hit@1",
        "hit@3",
        "hit@5",
        "figure@1",
        "figure@3",
        "context_chars@5",
        "per_question",
        "doc@1",
        "scope_inferred",
    } <= set(report)
    assert report["n"] == 23
    assert report["hit@5"] >= 0.9
    entry = report["per_question"][0]
    assert {"id", "hit_rank", "top"} <= set(entry)
    assert all({"chunk_id", "doc_id", "hit"} == set(t) for t in entry["top"])


def test_eval_measures_failures_without_failing(seed_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "x1",
                "question": "What was Tesla's delivery count?",
                "evidence": "deliveries of 495,570 vehicles",
            }
        )
        + "\n"
        + json.dumps({"id": "x2", "question": "", "evidence": "anything"})
        + "\n",
        encoding="utf-8",
    )
    result = invoke("eval", str(questions), "--json", "--index", str(seed_index))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["hit@5"] == 0.0
    assert [q["hit_rank"] for q in report["per_question"]] == [None, None]
    assert "x2: the question is empty" in result.stderr


def test_every_verb_has_help():
    names = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    assert names >= {"parse", "build", "add", "remove", "docs", "search", "eval"}
    for name in names:
        result = invoke(name, "--help")
        assert result.exit_code == 0
        assert "Examples" in result.stdout, name
        assert "--index" in result.stdout or name == "parse"


def test_index_directory_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "from-env"))
    assert Settings.from_env().index_dir == tmp_path / "from-env"
    assert Settings.from_env(index_dir=tmp_path / "flag").index_dir == tmp_path / "flag"
