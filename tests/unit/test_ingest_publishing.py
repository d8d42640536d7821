"""How ingest publishes a generation on local disk (real Chroma on a temp dir, fake embedder for speed): old
vectors are deleted only after the new generation is live, the `CURRENT` pointer is switched by `os.replace`
of a file written and synced beside it (never rewritten in place), every file of the generation is synced
before the switch, and a second ingest on the same data directory is refused while one runs.

Each test here was written against a hand-made mutation that the older suite let through (docs/testing.md).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.search.store import POINTER, Store
from ingest.pipeline import run
from tests.conftest import make_settings, write_documents

DOCS = {
    "a.md": "---\ntitle: Vekting\nkind: law\n---\n# Vekting\n\n## Regel\n\nKlima og miljø skal vektes minst 30 prosent.\n",
    "b.md": "---\ntitle: Terskel\n---\n# Terskel\n\n## Nasjonal\n\nDen nasjonale terskelverdien er 1,3 millioner kroner.\n",
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_documents(tmp_path / "docs", DOCS)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data", embedding_model="fake")


def change_a_document(corpus: Path) -> None:
    (corpus / "a.md").write_text(DOCS["a.md"].replace("30", "40"), encoding="utf-8")


def test_old_vectors_are_deleted_only_after_the_new_generation_is_published(settings, corpus, monkeypatch):
    run(settings, [corpus])
    publish = Store.publish
    checked = []

    def publish_while_a_reader_looks(self, *args, **kwargs):
        reader = Store(settings)  # a server answering while ingest runs
        live = {c.chunk_id for c in reader.snapshot().chunks}
        assert live and live <= reader.stored_ids(), "a live chunk lost its vector before the switch"
        checked.append(len(live))
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(Store, "publish", publish_while_a_reader_looks)
    change_a_document(corpus)
    report = run(settings, [corpus])
    assert checked == [2] and report.deleted == 1  # the old chunk of a.md went, after publishing
    store = Store(settings)
    assert store.stored_ids() == {c.chunk_id for c in store.snapshot().chunks}


def test_the_pointer_is_switched_by_os_replace_of_a_synced_file_after_the_generation_is_synced(
    settings, corpus, monkeypatch
):
    run(settings, [corpus])
    pointer = settings.index_path / POINTER
    before = pointer.stat().st_ino
    events: list[tuple[str, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, **kwargs):
        if Path(dst) == pointer:
            events.append(("replace", str(src), Path(src).read_text(encoding="utf-8")))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    change_a_document(corpus)
    run(settings, [corpus])

    generation = pointer.read_text(encoding="utf-8")
    switches = [i for i, event in enumerate(events) if event[0] == "replace"]
    assert len(switches) == 1, "the pointer must be published by os.replace, not written in place"
    switch = switches[0]
    _, tmp_pointer, content = events[switch]
    assert content == generation and Path(tmp_pointer).parent == settings.index_path
    assert pointer.stat().st_ino != before  # a new file took the name; the old one was never rewritten

    synced_before = {event[1] for event in events[:switch] if event[0] == "fsync"}
    generation_files = [p for p in (settings.index_path / generation).rglob("*") if p.is_file()]
    assert generation_files
    for path in generation_files:  # synced while still in the staging directory
        staged = (
            settings.index_path / f".{generation}.tmp" / path.relative_to(settings.index_path / generation)
        )
        assert str(staged) in synced_before, f"{path.name} not synced before the pointer switch"
    assert tmp_pointer in synced_before, "the new pointer's content not synced before it replaced the old"
    synced_after = {event[1] for event in events[switch:] if event[0] == "fsync"}
    assert str(settings.index_path) in synced_after, "the directory holding the renames not synced"


def test_a_second_ingest_is_refused_while_another_holds_the_lock(settings, corpus):
    run(settings, [corpus])
    generation = (settings.index_path / POINTER).read_text(encoding="utf-8")
    change_a_document(corpus)
    with open(settings.data_dir / "ingest.lock", "w") as other:  # another ingest process, mid-run
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IngestError, match="another ingest is running"):
            run(settings, [corpus])
        assert (settings.index_path / POINTER).read_text(encoding="utf-8") == generation
        fcntl.flock(other, fcntl.LOCK_UN)
    assert run(settings, [corpus]).embedded == 1  # once it is done, the next run goes ahead
