"""CI's guard: a test skipped for want of `../shared` fails when the run requires it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs pytest in a child process

ROOT = Path(__file__).resolve().parent.parent

MISSING = """
import pytest


def test_needs_the_corpus():
    pytest.skip("../shared/corpus is absent")


def test_skips_for_another_reason():
    pytest.skip("no PostgreSQL server here")
"""


def run(tmp_path: Path, require: bool) -> subprocess.CompletedProcess:
    test = tmp_path / "test_missing.py"
    test.write_text(MISSING)
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_REQUIRE_SHARED"}
    if require:
        env["ASSISTANT_REQUIRE_SHARED"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.shared_required", "-rA", str(test)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_skip_for_missing_material_fails_when_the_run_requires_it(tmp_path):
    done = run(tmp_path, require=True)
    assert done.returncode == 1, done.stdout
    assert "1 failed, 1 skipped" in done.stdout
    assert "the test's material is missing: ../shared/corpus is absent" in done.stdout


def test_without_the_requirement_it_skips(tmp_path):
    done = run(tmp_path, require=False)
    assert done.returncode == 0, done.stdout
    assert "2 skipped" in done.stdout
