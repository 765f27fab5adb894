"""A pytest plugin for CI: with ASSISTANT_REQUIRE_SHARED=1, a test skipped because the
development material (`../shared`) is missing fails instead, so a CI run without it cannot pass
on the tests that never ran. Without the variable such a test skips, as on a laptop that has
only the repository."""

from __future__ import annotations

import os

import pytest

REQUIRE_ENV = "ASSISTANT_REQUIRE_SHARED"
# Every skip for missing material names it so: "../shared/corpus is absent", "no development
# PDFs at ...".
MISSING_MARKS = ("/shared", "development")


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (required() and report.skipped and isinstance(report.longrepr, tuple)):
        return
    reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    if any(mark in reason for mark in MISSING_MARKS):
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_ENV}=1 and the test's material is missing: {reason}"
