"""User-facing text lives in `assistant.core.texts`: both languages for every buyer text, the same fields in
each, and no bokmål sentence written straight into a channel or staff module."""

from __future__ import annotations

import ast
import re
import string

import pytest

from assistant.core.texts import LANGUAGES, TEXTS, WIDGET, language_of, say, widget_strings
from tests.conftest import ROOT


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXTS) + [f"widget:{key}" for key in sorted(WIDGET)])
def test_every_buyer_text_has_bokmal_and_english_with_the_same_fields(key):
    texts = WIDGET[key.removeprefix("widget:")] if key.startswith("widget:") else TEXTS[key]
    assert set(texts) == set(LANGUAGES)
    assert fields(texts["nb"]) == fields(texts["en"])
    assert texts["nb"] != texts["en"] or key in ("widget:send",)


def test_bokmal_is_the_default_and_english_questions_get_english():
    assert language_of("Hva er terskelverdien?") == "nb"
    assert language_of("What are the rules for public procurement?") == "en"
    assert language_of("") == language_of(None) == "nb"
    assert say("too_long", "xx", length=3000, limit=2000).startswith("Spørsmålet er for langt (3000")
    assert widget_strings()["en"]["retry"] == "Try again"


BOKMAL_SENTENCE = re.compile(r"[æøåÆØÅ]\w*\s|\s\w*[æøåÆØÅ]")


def texts_outside_docstrings(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize(
    "module",
    sorted(
        p.relative_to(ROOT).as_posix()
        for p in [*ROOT.glob("assistant/channels/*.py"), *ROOT.glob("assistant/staff/*.py")]
    ),
)
def test_channel_and_staff_modules_write_no_bokmal_text_of_their_own(module):
    found = [text for text in texts_outside_docstrings(ROOT / module) if BOKMAL_SENTENCE.search(text)]
    assert found == [], f"{module}: move these texts to assistant/core/texts.py: {found}"
