"""The evaluation sets cover the shipped corpus: every document in corpus/ is the expected source of at least
one answerable question, and every such claim is honest.

A question names its expected source with a `doc` field (a file name in corpus/). A `doc` tag is honest
when the file exists and its text holds every key-fact group of the question (whitespace- and
case-normalised, as the evaluation scores answers). Questions without a `doc` tag are not counted. The
field sets (tests/eval/field) answer from their own documents and are not part of this check.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPUS, ROOT

EVAL = ROOT / "tests" / "eval"
SIDECAR = ".meta.yaml"  # metadata beside a plain-text document: not a document of its own


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def corpus_documents() -> dict[str, str]:
    """File name → normalised text of every document ingest reads from corpus/."""
    return {
        path.name: norm(path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS.iterdir())
        if path.is_file() and not path.name.endswith(SIDECAR)
    }


def tagged_questions() -> list[tuple[str, dict]]:
    """(set file, question) for every question in tests/eval/*.jsonl that names its expected source."""
    found = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if "doc" in item:
                    found.append((path.name, item))
    return found


def test_the_corpus_is_not_empty_and_questions_name_sources():
    assert len(corpus_documents()) >= 45
    assert len(tagged_questions()) >= len(corpus_documents())


@pytest.mark.parametrize(
    ("set_name", "item"), tagged_questions(), ids=lambda v: v if isinstance(v, str) else v["id"]
)
def test_a_doc_tag_names_a_corpus_document_holding_every_key_fact(set_name, item):
    documents = corpus_documents()
    assert item["doc"] in documents, f"{set_name} {item['id']}: no corpus document {item['doc']}"
    assert item.get("expect", "answer") == "answer" and item["key_facts"], (set_name, item["id"])
    text = documents[item["doc"]]
    missing = [group for group in item["key_facts"] if not any(norm(alt) in text for alt in group)]
    assert not missing, f"{set_name} {item['id']}: {item['doc']} lacks {missing}"


def test_the_eval_sets_cover_every_document():
    covered = {item["doc"] for _, item in tagged_questions()}
    uncovered = sorted(set(corpus_documents()) - covered)
    assert not uncovered, f"no eval question expects these documents as its source: {uncovered}"


def test_every_corpus_document_cites_a_specific_page():
    """A citation must take the buyer to the page the fact is on: a web address with a path, not a bare domain."""
    from urllib.parse import urlsplit

    from ingest.loaders import is_document, load

    for path in sorted(CORPUS.iterdir()):
        if not is_document(path):
            continue
        source = urlsplit(load(path, path.name).source)
        assert source.scheme in ("https", "http") and source.netloc, (
            f"{path.name}: source {source.geturl()!r}"
        )
        assert source.path.strip("/"), f"{path.name}: {source.geturl()!r} is a bare domain"
