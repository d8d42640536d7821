"""Evaluation: MRR, p95, per-question results, configuration comparison (with re-ingest) and the report.

Real Chroma on temp dirs with the deterministic fake embedder, so these stay fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main as cli_main
from assistant.errors import InputError
from assistant.evaluation.compare import configs, parse
from assistant.evaluation.report import Run, write_report
from assistant.evaluation.run import Outcome, full_recall_rank, metrics, passes, percentile, results
from assistant.search.retrieval import Retriever
from assistant.search.store import Store
from ingest.pipeline import run
from tests.conftest import make_settings

DOCS = {
    "a.md": "---\ntitle: Vekting\nkind: law\n---\n# Vekting\n\n## Regel\n\nKlima og miljø skal vektes minst 30 prosent i anskaffelser.\n",
    "b.md": "---\ntitle: Terskel\n---\n# Terskel\n\n## Nasjonal\n\nDen nasjonale terskelverdien er 1,3 millioner kroner.\n",
    "c.md": "---\ntitle: Plan\n---\n# Plan\n\n## Lansering\n\nRegjeringen lanserte handlingsplanen for miljøansvar i juni 2007.\n",
}
QUESTIONS = [
    {
        "id": "q1",
        "question": "Hva er den nasjonale terskelverdien?",
        "expect": "answer",
        "key_facts": [["1,3 millioner"]],
    },
    {
        "id": "q2",
        "question": "Hvor mye skal klima og miljø vektes?",
        "expect": "answer",
        "key_facts": [["30 prosent"]],
    },
    {"id": "q3", "question": "Hva blir været i Bergen i morgen?", "expect": "refuse"},
]


def outcome(
    id: str, *, rank: int | None, seconds: float, expect: str = "answer", correct: bool = True
) -> Outcome:
    return Outcome(
        id=id,
        question="?",
        expect=expect,
        refused=expect == "refuse",
        correct=correct,
        recall=None if expect == "refuse" else rank is not None and rank <= 5,
        citations_ok=None if expect == "refuse" else True,
        answer="svar",
        seconds=seconds,
        rank=rank,
    )


def test_full_recall_rank_is_where_every_fact_is_first_covered():
    texts = ["terskelverdien er 1,3 mill", "vektes 30 prosent", "annet"]
    assert full_recall_rank(texts, [["1,3 mill"]]) == 1
    assert full_recall_rank(texts, [["1,3 mill"], ["30 prosent"]]) == 2
    assert full_recall_rank(texts, [["57,8 mill"]]) is None


def test_mrr_and_p95_are_reported_with_the_old_keys():
    outcomes = [
        outcome("a", rank=1, seconds=0.01),
        outcome("b", rank=2, seconds=0.02),
        outcome("c", rank=None, seconds=0.03, correct=False),
        outcome("d", rank=None, seconds=1.0, expect="refuse"),
    ]
    m = metrics(outcomes)
    assert m["mrr"] == round((1 + 0.5 + 0) / 3, 4)
    assert m["p95_seconds"] == 1.0 and m["p50_seconds"] == 0.03
    assert {"recall@5", "accuracy", "refusal", "false_refusal", "citation_validity"} <= m.keys()
    assert m["recall@5"] == round(2 / 3, 4)
    assert percentile([0.1, 0.2, 0.3, 0.4], 50) == 0.2
    rows = results(outcomes)
    assert [r["ok"] for r in rows] == [True, True, False, True] and rows[1]["rank"] == 2


def test_gates_fail_when_a_metric_misses():
    good = {"recall@5": 1.0, "accuracy": 0.95, "refusal": 1.0, "false_refusal": 0.0, "citation_validity": 1.0}
    assert all(passes(good).values())
    assert passes({**good, "false_refusal": 0.1}) == {**passes(good), "false_refusal": False}
    assert not passes({**good, "citation_validity": 0.99})["citation_validity"]


def test_configurations_parse_presets_and_overrides():
    assert parse("dense").overrides == {"lexical_weight": 0.0, "dense_weight": 1.0}
    assert parse("lexical-answer").overrides == {"answer_choice": "lexical"}
    custom = parse("dense_weight=0.3,rrf_k=60")
    assert custom.overrides == {"dense_weight": 0.3, "rrf_k": 60} and not custom.needs_ingest
    assert parse("chunk_size=400").needs_ingest
    assert [c.name for c in configs(["bm25"])] == ["current", "bm25"]
    for bad in ("nonsense", "no_such_setting=1", "data_dir=/tmp", "rrf_k=abc", "rrf_k"):
        with pytest.raises(InputError):
            parse(bad)
    with pytest.raises(InputError):
        configs(["dense", "dense"])


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_zero_weight_drops_that_ranking_from_the_fusion(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake", corpus_dirs=[corpus])
    run(settings, [corpus])
    from assistant.search.embeddings import get_embedder

    store, embedder = Store(settings), get_embedder("fake")
    query = "nasjonale terskelverdien kroner"
    hybrid = Retriever(settings, store, embedder).search(query)
    bm25 = Retriever(settings.model_copy(update={"dense_weight": 0.0}), store, embedder).search(query)
    dense = Retriever(settings.model_copy(update={"lexical_weight": 0.0}), store, embedder).search(query)
    assert len(hybrid) == 3
    assert len(bm25) == 1 and bm25[0].chunk.title == "Terskel" and bm25[0].dense > 0  # similarity kept
    assert len(dense) == 3 and all(h.lexical == 0.0 for h in dense)


def test_eval_cli_compares_configurations_and_writes_a_report(tmp_path, corpus, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIRS", json.dumps([str(corpus)]))
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    args = ["--data-dir", str(tmp_path / "data"), "eval", str(questions), "--json"]
    report = tmp_path / "reports"
    status = cli_main([*args, "--compare", "bm25", "--compare", "chunk_size=300", "--report", str(report)])
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    assert {"metrics", "failures", "results", "configs"} <= data.keys()
    assert [c["name"] for c in data["configs"]] == ["bm25", "chunk_size=300"]
    assert data["metrics"] == data["configs"][0]["metrics"] and "mrr" in data["metrics"]
    assert [r["id"] for r in data["results"]] == ["q1", "q2", "q3"]
    text = (report / "eval.md").read_text(encoding="utf-8")
    assert "| recall@5 |" in text and "chunk_size=300" in text and "| q3 | refuse |" in text
    for image in ("eval-metrics.png", "eval-latency.png", "eval-ranks.png"):
        assert (report / image).read_bytes()[:4] == b"\x89PNG"
    # without --compare the output keeps its old shape
    assert cli_main(args) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "configs" not in plain and plain["metrics"]["questions"] == 3


def test_report_of_one_run_lists_failures(tmp_path):
    runs = [Run("current", metrics([outcome("a", rank=None, seconds=0.1, correct=False)]), [])]
    runs[0].outcomes = [outcome("a", rank=None, seconds=0.1, correct=False)]
    path = write_report(runs, ["q.jsonl"], tmp_path)
    assert "## Failures: current (1)" in path.read_text(encoding="utf-8")
