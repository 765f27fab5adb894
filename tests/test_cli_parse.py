"""`assistant parse` prints what was recognised, as text and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import FILING_SEED, TRANSCRIPT_SEED

runner = CliRunner()


def test_parse_transcript_json():
    result = runner.invoke(app, ["parse", str(TRANSCRIPT_SEED), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["type"] == "transcript"
    assert (summary["company"], summary["period"]) == ("LexinFintech", "Q4 2024")
    assert summary["exchanges"] == 3
    assert summary["paragraphs"] == summary["translated_paragraphs"] == 111
    analysts = {s["name"]: s["firm"] for s in summary["speakers"] if s["role"] == "analyst"}
    assert analysts == {"Zhuhan Wang": "Goldman Sachs", "Alex Ye": "UBS", "Yada Li": "CICC"}
    assert summary["flags"]["spoken_by_ai"] == 32  # the paragraphs of two AI-voiced turns
    assert summary["sections"] == {"prepared_remarks": 63, "qa": 48}
    assert summary["lines"] == 273  # the last line has no newline
    assert "dropped a Chinese notice line" in result.stderr


def test_parse_transcript_text():
    result = runner.invoke(app, ["parse", str(TRANSCRIPT_SEED)])
    assert result.exit_code == 0
    text = result.stdout
    assert "LexinFintech Q4 2024 earnings call" in text
    assert "Goldman Sachs" in text and "CICC" in text
    assert "Q&A exchanges: 3" in text
    assert "prepared_remarks: 63 paragraphs; qa: 48 paragraphs" in text


def test_parse_filing_json_lists_tables_with_shapes():
    result = runner.invoke(app, ["parse", str(FILING_SEED), "--json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["type"] == "filing"
    assert summary["company"] == "CNFinance Holdings"
    shapes = [(t["rows"], t["columns"]) for t in summary["tables"]]
    assert shapes == [
        (9, 2),
        (5, 6),
        (8, 7),
        (8, 7),
        (3, 5),
        (3, 5),
        (3, 9),
        (3, 9),
        (6, 5),
        (3, 4),
    ]
    assert summary["tables"][1]["column_paths"][4] == ["December 31, 2023", "Second lien"]
    assert summary["warnings"] == []


def test_parse_flags_override_what_the_file_says():
    result = runner.invoke(
        app, ["parse", str(TRANSCRIPT_SEED), "--json", "--company", "Lexin", "--period", "Q4 2024"]
    )
    assert json.loads(result.stdout)["company"] == "Lexin"


def test_unknown_type_is_a_clear_error():
    result = runner.invoke(app, ["parse", str(TRANSCRIPT_SEED), "--type", "memo"])
    assert result.exit_code == 1
    assert "unknown document type 'memo'" in result.stderr


def test_console_script_runs():
    """The installed entry point, in a real process."""
    exe = [sys.executable, "-m", "assistant.cli"]
    done = subprocess.run(
        [*exe, "parse", str(FILING_SEED)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Tables (10)" in done.stdout


def test_a_layout_read_only_in_part_is_warned_about(tmp_path):
    call = tmp_path / "acme-q3-2022.txt"
    call.write_text(
        "Acme Corp Q3 2022 Earnings Call\n\nOperator\nWelcome to the Acme third quarter 2022 "
        "earnings call.\n\nJohn Smith\nGood morning everyone. Revenue grew 5% in the quarter."
        "\n\nJane Doe\nThanks John. Margins improved.\n\nBob Lee\nCan you talk about pricing?"
        "\n\nJane Doe\nPricing was stable.\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["parse", str(call), "--type", "transcript", "--json"])
    warnings = json.loads(result.stdout)["warnings"]
    # Jane Doe heads two turns and is read as a speaker; the one-turn names are not.
    assert any("only partly recognised" in w or "probably not recognised" in w for w in warnings), (
        warnings
    )
    # a layout read whole warns of nothing
    seed = json.loads(runner.invoke(app, ["parse", str(TRANSCRIPT_SEED), "--json"]).stdout)
    assert not any("recognised" in w for w in seed["warnings"])
