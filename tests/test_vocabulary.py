"""Word lists against the tokenizer that reads them: an entry the tokenizer can never produce
matches nothing, silently."""

from __future__ import annotations

import pytest

from assistant.text.lexical import IRREGULAR_FORMS, strip_suffixes, tokenize
from assistant.vocabulary import GROUPS, QUESTION_TOKENS, QUESTION_WORDS


@pytest.mark.parametrize("key", sorted(IRREGULAR_FORMS))
def test_every_irregular_form_is_what_the_suffix_stripper_leaves(key):
    surfaces = (key, key + "s", key + "ing", key + "ed")
    assert any(strip_suffixes(word) == key for word in surfaces), key


def test_irregular_forms_meet_their_regular_ones():
    assert tokenize("sold") == tokenize("sales") == tokenize("selling")
    assert tokenize("grew") == tokenize("grows")
    assert tokenize("rising") == tokenize("rose")


def test_question_tokens_are_tokens():
    assert all(tokenize(token) == [token] for token in QUESTION_TOKENS)
    assert all(len(tokenize(word)) <= 1 for word in QUESTION_WORDS)
    assert "figur" in QUESTION_TOKENS  # "figure" as the tokenizer leaves it


@pytest.mark.parametrize("phrase", [p for group in GROUPS for p in group])
def test_every_finance_phrase_has_tokens(phrase):
    assert tokenize(phrase), phrase
