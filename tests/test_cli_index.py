"""The index verbs of the CLI: build, add, docs, search, eval, remove. The model is the real
one, shared across tests instead of being loaded by each command."""

from __future__ import annotations

import json

import httpx
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
        cli.common, "open_assistant", lambda index: Assistant(cli.settings_for(index), encoder)
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


def served_count(server, route: str) -> float:
    """How many 200 answers the server gave on `route`, from its own metrics."""
    from tests.conftest import API_TOKEN

    text = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"}).text
    marker = f'assistant_requests_total{{method="POST",route="{route}",status="200"}} '
    line = next((line for line in text.splitlines() if line.startswith(marker)), None)
    return float(line.split()[-1]) if line else 0.0


@pytest.mark.parametrize(
    ("verb", "route", "args"),
    [
        ("ask", "/v1/ask", ["What was Q4 net income and how did it move?"]),
        ("ask", "/v1/ask", ["and in Q3?", "--history", "What was Q4 net income?"]),
        ("search", "/v1/search", ["2L ACL December 31, 2023", "--k", "3"]),
    ],
)
def test_the_cli_answers_through_a_running_server_with_the_same_json(
    server, monkeypatch, verb, route, args
):
    from tests.conftest import API_TOKEN

    monkeypatch.setenv("ASSISTANT_API_TOKEN", API_TOKEN)
    index = str(server.index)
    assert (server.index / "server.json").exists()  # the server says where it is
    before = served_count(server, route)
    through_server = invoke(verb, *args, "--index", index, "--json")
    assert through_server.exit_code == 0, through_server.output
    assert served_count(server, route) == before + 1
    in_process = invoke(verb, *args, "--index", index, "--json", "--local")
    assert in_process.exit_code == 0, in_process.output
    assert served_count(server, route) == before + 1
    assert json.loads(through_server.stdout) == json.loads(in_process.stdout)


def test_the_cli_eval_through_a_running_server_scores_the_same(server, monkeypatch, tmp_path):
    from tests.conftest import API_TOKEN

    monkeypatch.setenv("ASSISTANT_API_TOKEN", API_TOKEN)
    index = str(server.index)
    before = served_count(server, "/v1/ask")
    through_server = invoke("eval", str(DEV_QUESTIONS), "--index", index, "--json")
    lines = [line for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]
    assert served_count(server, "/v1/ask") == before + len(lines)
    in_process = invoke("eval", str(DEV_QUESTIONS), "--index", index, "--json", "--local")
    assert json.loads(through_server.stdout) == json.loads(in_process.stdout)


def test_a_stale_server_file_is_ignored(index_copy, monkeypatch):
    # A server killed without cleaning up leaves its file; the CLI answers in process.
    (index_copy / "server.json").write_text(
        json.dumps({"url": "http://127.0.0.1:9", "pid": 999_999_999, "index": str(index_copy)})
    )
    result = invoke("ask", "What was Q4 net income?", "--index", str(index_copy), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["found"]


def test_remove_takes_a_unique_start_of_an_id_and_counts_in_words(tmp_path):
    index = str(tmp_path / "idx")
    built = invoke(
        "build", str(FIXTURES / "news_call.txt"), str(FIXTURES / "notes.md"), "--index", index
    )
    assert built.exit_code == 0, built.stderr
    ambiguous = invoke("remove", "n", "--index", index)
    assert ambiguous.exit_code == 1
    assert "'n' is the start of 2 document ids: news_call, notes" in ambiguous.stderr
    assert "Traceback" not in ambiguous.stderr
    removed = invoke("remove", "new", "--index", index)
    assert removed.exit_code == 0, removed.stderr
    assert "removed news_call; 1 document remains" in removed.stdout
    listed = invoke("docs", "--index", index)
    assert "1 document in" in listed.stdout and "1 documents" not in listed.stdout


def test_the_docs_table_shows_whole_ids_on_a_narrow_terminal(tmp_path, monkeypatch):
    index = str(tmp_path / "idx")
    long_name = tmp_path / "acme-corporation-fiscal-2025-second-quarter-earnings-call.txt"
    long_name.write_bytes((FIXTURES / "news_call.txt").read_bytes())
    assert invoke("build", str(long_name), "--index", index).exit_code == 0
    monkeypatch.setenv("COLUMNS", "60")
    listed = invoke("docs", "--index", index)
    doc_id = json.loads(invoke("docs", "--json", "--index", index).stdout)["documents"][0]["doc_id"]
    # On one line, whole, however narrow the terminal: it can be pasted into `remove`.
    assert any(doc_id in line for line in listed.stdout.splitlines()), listed.stdout


def test_serve_on_a_taken_port_says_so_at_once_and_how_to_pick_another(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve", "--port", str(port), "--index", str(tmp_path / "idx"))
    assert result.exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert f"PORT={port + 1}" in result.stderr
    assert not (tmp_path / "idx").exists()  # refused before any index was built
