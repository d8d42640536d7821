"""Incremental, atomic ingest against a real Chroma on a temp dir (fake embedder for speed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import StoreError
from assistant.search.lexical import LexicalIndex
from assistant.search.store import Store
from ingest.cli import main as ingest_main
from ingest.pipeline import run
from tests.conftest import make_settings, write_documents

DOCS = {
    "a.md": "---\ntitle: Vekting\nkind: law\n---\n# Vekting\n\n## Regel\n\nKlima og miljø skal vektes minst 30 prosent.\n",
    "b.md": "---\ntitle: Terskel\n---\n# Terskel\n\n## Nasjonal\n\nDen nasjonale terskelverdien er 1,3 millioner kroner.\n",
    "c.txt": "Regjeringen lanserte i juni 2007 en handlingsplan for miljø- og samfunnsansvar.\n",
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_documents(tmp_path / "docs", DOCS)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data", embedding_model="fake")


def live_texts(settings) -> set[str]:
    return {c.text for c in Store(settings).snapshot().chunks}


def test_first_ingest_embeds_everything(settings, corpus):
    report = run(settings, [corpus])
    assert (len(report.plan.added), report.embedded, report.plan.errors) == (3, 3, [])
    store = Store(settings)
    assert store.collection.count() == 3 and len(store.snapshot().chunks) == 3


def test_rerun_on_unchanged_corpus_embeds_nothing(settings, corpus):
    run(settings, [corpus])
    report = run(settings, [corpus])
    assert report.embedded == 0 and report.deleted == 0
    assert len(report.plan.unchanged) == 3 and not report.plan.added and not report.plan.updated


def test_changed_and_removed_documents_are_replaced_and_deleted(settings, corpus):
    run(settings, [corpus])
    (corpus / "a.md").write_text(DOCS["a.md"].replace("30", "40"), encoding="utf-8")
    (corpus / "b.md").unlink()
    report = run(settings, [corpus])
    assert (report.plan.updated, report.plan.removed) == (
        [f"{corpus.as_posix()}/a.md"],
        [f"{corpus.as_posix()}/b.md"],
    )
    assert report.embedded == 1 and report.deleted == 2
    texts = live_texts(settings)
    assert "Klima og miljø skal vektes minst 40 prosent." in texts
    assert not any("30 prosent" in t or "terskelverdien" in t for t in texts)
    assert Store(settings).collection.count() == 2


def test_dry_run_changes_nothing(settings, corpus):
    report = run(settings, [corpus], dry_run=True)
    assert len(report.plan.to_embed) == 3 and report.embedded == 0 and report.dry_run is True
    assert not (settings.index_path / "CURRENT").exists()


def test_other_folders_are_kept(settings, corpus, tmp_path):
    other = tmp_path / "more"
    other.mkdir()
    (other / "x.md").write_text("# X\n\nLivssykluskostnader omfatter drift og avhending.\n", encoding="utf-8")
    run(settings, [corpus])
    run(settings, [other])
    assert len(Store(settings).snapshot().documents) == 4


def test_unreadable_file_is_reported_and_the_rest_ingested(settings, corpus, capsys):
    (corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    code = ingest_main([str(corpus), "--data-dir", str(settings.data_dir)])
    captured = capsys.readouterr()
    assert code == 1
    assert "broken.pdf" in captured.err and "cannot parse .pdf" in captured.err
    assert "3 added" in captured.err


def test_unreadable_previously_ingested_file_is_kept(settings, corpus):
    run(settings, [corpus])
    (corpus / "a.md").write_bytes(b"---\n- not: a mapping\n---\n")
    report = run(settings, [corpus])
    assert report.plan.errors and not report.plan.removed
    assert "Klima og miljø skal vektes minst 30 prosent." in live_texts(settings)


def test_interrupt_during_embedding_keeps_previous_index(settings, corpus):
    run(settings, [corpus])
    before = live_texts(settings)
    for i in range(20):
        (corpus / f"new{i}.md").write_text(f"# Ny {i}\n\nNytt dokument nummer {i} om miljøkrav.\n")
    (corpus / "a.md").unlink()

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(settings.model_copy(update={"embedding_batch_size": 1}), [corpus], progress=interrupt)
    assert live_texts(settings) == before  # readers still see the old, complete index
    report = run(settings, [corpus])  # and the next run completes the job without re-embedding the part done
    assert report.embedded == 16 and len(report.plan.removed) == 1
    assert Store(settings).collection.count() == len(Store(settings).snapshot().chunks)


def test_crash_while_publishing_keeps_previous_index(settings, corpus, monkeypatch):
    run(settings, [corpus])
    before = live_texts(settings)
    (corpus / "a.md").write_text(DOCS["a.md"].replace("30", "50"), encoding="utf-8")

    def crash(self, directory):
        raise OSError("disk full")

    monkeypatch.setattr(LexicalIndex, "save", crash)
    with pytest.raises(StoreError, match=r"cannot write the index to .*: disk full"):
        run(settings, [corpus])
    monkeypatch.undo()
    assert live_texts(settings) == before
    assert len(Store(settings).snapshot().chunks) == 3


def test_store_survives_removal_of_old_generations(settings, corpus):
    run(settings, [corpus])
    for i in range(4):
        (corpus / "c.txt").write_text(f"Versjon {i} av brevet om handlingsplanen.\n")
        run(settings, [corpus])
    generations = [p for p in settings.index_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2
    assert "Versjon 3 av brevet om handlingsplanen." in live_texts(settings)


def test_a_changed_embedding_model_is_refused_until_ingest_re_embeds_the_corpus(settings, corpus):
    from assistant.config import DEFAULT_EMBEDDING_MODEL
    from assistant.search.embeddings import get_embedder

    run(settings, [corpus])  # embedded with the fake model
    changed = settings.model_copy(update={"embedding_model": DEFAULT_EMBEDDING_MODEL})
    assert changed.vector_collection != settings.vector_collection
    query = get_embedder(DEFAULT_EMBEDDING_MODEL).embed_queries(["terskelverdi"])[0]
    store = Store(changed)
    with pytest.raises(StoreError, match="run `ingest`"):
        store.dense_search(query, 3)
    with pytest.raises(StoreError, match="embedded with 'fake'"):
        store.ping()

    report = run(changed, [corpus])  # every chunk again, into the new model's own collection
    assert (report.embedded, len(report.plan.unchanged)) == (3, 3)
    store = Store(changed)
    store.ping()
    assert store.snapshot().embedding_model == DEFAULT_EMBEDDING_MODEL
    assert store.dense_search(query, 1)[0][0] in {c.chunk_id for c in store.snapshot().chunks}
    assert store.collection.count() == 3 and Store(settings).collection.count() == 3  # never mixed
    with pytest.raises(StoreError, match=re.escape(f"embedded with {DEFAULT_EMBEDDING_MODEL!r}")):
        Store(settings).ping()  # and back: the fake model no longer matches the published index


def test_cached_dense_results_follow_a_newly_published_generation(settings, corpus):
    from assistant.search.embeddings import get_embedder

    (corpus / "b.md").unlink()
    run(settings, [corpus])
    store = Store(settings)  # one instance throughout, as in a running server
    query = get_embedder("fake").embed(["Den nasjonale terskelverdien er 1,3 millioner kroner."])[0]
    before = store.dense_search(query, 3)
    assert store.dense_search(query, 3) == before and store._nearest.cache_info().hits == 1

    (corpus / "b.md").write_text(DOCS["b.md"], encoding="utf-8")
    run(settings, [corpus])  # a new generation with a chunk nearer to the query
    threshold = next(c.chunk_id for c in store.snapshot().chunks if "terskelverdien" in c.text)
    assert threshold not in {chunk_id for chunk_id, _ in before}
    assert store.dense_search(query, 3)[0][0] == threshold  # not the cached answer of the old generation
