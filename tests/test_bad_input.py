"""Bad files get one clear error naming the file (and line); the CLI never shows a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.documents import parse_file, reading
from assistant.errors import ParseError

runner = CliRunner()


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n")
    with pytest.raises(ParseError, match=r"empty\.txt: file is empty"):
        parse_file(path)


def test_binary_file_names_the_line(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"line one\nline two\x00\x01\x02")
    with pytest.raises(ParseError, match=r"blob\.txt:2: file looks binary"):
        parse_file(path)


def test_non_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Operator\nRevenue was 5 million \u20ac.\n".encode("utf-8") + b"caf\xe9\n")
    with pytest.raises(ParseError, match=r"latin\.txt:3: not valid UTF-8 \(byte 0xe9\)"):
        parse_file(path)


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: the size is real, the disk use is not
        handle.seek(reading.MAX_FILE_BYTES + 10)
        handle.write(b"x")
    with pytest.raises(ParseError, match=r"huge\.txt: file is 52\.4 MB; the limit is 50 MB"):
        parse_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParseError, match="no such file"):
        parse_file(tmp_path / "nope.txt")


def test_bad_sidecar_is_named(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Some notes.\n")
    (tmp_path / "call.txt.meta.json").write_text('{"compnay": "Typo"}')
    with pytest.raises(
        ParseError, match=r"call\.txt\.meta\.json: unknown metadata fields: compnay"
    ):
        parse_file(path)


def test_truncated_table_keeps_what_is_there_and_warns(tmp_path):
    from tests.conftest import FILING_SEED

    lines = FILING_SEED.read_text(encoding="utf-8").split("\n")[:331]
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(lines))
    doc = parse_file(path)
    last = doc.tables[-1]
    cut_row = last.rows[-1]
    assert cut_row.label == "- Individually evaluated"
    assert [c.text for c in cut_row.cells] == ["(3,836,350)", "(8,411,486)", "(12,247,836"]
    assert "cut.txt:318: row '- Individually evaluated' has 3 of 6 cells" in doc.warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\x00\x00", "file looks binary"),
        (b"abc \xfa\xfb", "not valid UTF-8"),
        (b"\xff\xfe\xfa", "does not decode as UTF-16"),
        ("\ufeff".encode(), "file is empty"),
    ],
)
def test_cli_reports_one_line_and_exit_1(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
