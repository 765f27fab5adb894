"""Shared paths and parsed seeds. The environment is set offline before anything loads a model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRANSCRIPT_SEED = SEEDS / "000_71abd0ac3770a833.txt"
FILING_SEED = SEEDS / "003_a308b794af7827e1.txt"


@pytest.fixture(scope="session")
def transcript_doc():
    from assistant.documents import parse_file

    return parse_file(TRANSCRIPT_SEED)


@pytest.fixture(scope="session")
def filing_doc():
    from assistant.documents import parse_file

    return parse_file(FILING_SEED)
