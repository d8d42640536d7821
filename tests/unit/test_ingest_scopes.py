"""A folder is one scope however its path is spelled, and two folders never share one (`ingest.scopes`): real
ingest into a real Chroma on a temp dir with the fake embedder, from working directories chosen per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.search.store import Store
from ingest.cli import main as ingest_main
from ingest.pipeline import run
from tests.conftest import make_settings, write_documents

DOCS = {
    "a.md": "---\ntitle: Vekting\n---\n# Vekting\n\nKlima og miljø skal vektes minst 30 prosent.\n",
    "b.md": "---\ntitle: Terskel\n---\n# Terskel\n\nDen nasjonale terskelverdien er 1,3 millioner kroner.\n",
}
OTHER_DOCS = {"a.md": "---\ntitle: Annet\n---\n# Annet\n\nLivssykluskostnader omfatter drift og avhending.\n"}


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data", embedding_model="fake")


def documents(settings) -> list[str]:
    return sorted(Store(settings).snapshot().documents)


def drop_scope_roots(settings) -> None:
    """Make the published manifest look like one written before scope roots were recorded."""
    generation = (settings.index_path / "CURRENT").read_text(encoding="utf-8").strip()
    path = settings.index_path / generation / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.pop("scope_roots", None)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_the_same_folder_by_any_path_is_one_scope_and_is_not_embedded_again(settings, tmp_path, monkeypatch):
    pages = write_documents(tmp_path / "x" / "pages", DOCS)
    (tmp_path / "link").symlink_to(pages)
    monkeypatch.chdir(tmp_path / "x")
    first = run(settings, [Path("pages")])
    assert (len(first.plan.added), first.embedded) == (2, 2)
    assert documents(settings) == ["pages/a.md", "pages/b.md"]

    monkeypatch.chdir(tmp_path)
    for spelling in (pages, Path("x/pages"), Path("link"), tmp_path / "link", pages / ".." / "pages"):
        report = run(settings, [spelling])
        assert (report.embedded, report.plan.added, report.plan.removed) == (0, [], []), spelling
        assert len(report.plan.unchanged) == 2 and not report.plan.notes
        assert documents(settings) == ["pages/a.md", "pages/b.md"]
    assert len(Store(settings).snapshot().chunks) == 2


def test_two_folders_called_pages_keep_their_own_documents(settings, tmp_path, monkeypatch):
    first = write_documents(tmp_path / "a" / "pages", DOCS)
    second = write_documents(tmp_path / "b" / "pages", OTHER_DOCS)
    monkeypatch.chdir(tmp_path / "a")
    run(settings, [Path("pages")])
    monkeypatch.chdir(tmp_path / "b")
    report = run(settings, [Path("pages")])
    label = second.resolve().as_posix()
    assert (report.plan.added, report.plan.removed) == ([f"{label}/a.md"], [])
    assert report.plan.notes == [
        f"{label} is ingested as {label}: pages is the scope of another folder, {first.resolve().as_posix()}"
    ]
    assert documents(settings) == [f"{label}/a.md", "pages/a.md", "pages/b.md"]

    again = run(settings, [Path("pages")])  # the second folder keeps its label, now without a note
    assert (again.embedded, again.plan.removed, again.plan.notes, len(again.plan.unchanged)) == (0, [], [], 1)
    monkeypatch.chdir(tmp_path / "a")
    (first / "b.md").unlink()
    report = run(settings, [Path("pages")])
    assert (report.embedded, report.plan.removed) == (0, ["pages/b.md"])  # only its own documents
    assert documents(settings) == [f"{label}/a.md", "pages/a.md"]


def test_a_manifest_without_scope_roots_loads_and_its_scopes_get_their_roots(settings, tmp_path, monkeypatch):
    pages = write_documents(tmp_path / "x" / "pages", DOCS)
    monkeypatch.chdir(tmp_path / "x")
    run(settings, [Path("pages")])
    drop_scope_roots(settings)
    snapshot = Store(settings).snapshot()
    assert snapshot.roots == {} and sorted(snapshot.documents) == ["pages/a.md", "pages/b.md"]

    report = run(settings, [Path("pages")])  # as before: the folder takes the label it would have had
    assert (report.embedded, report.plan.added, len(report.plan.unchanged)) == (0, [], 2)
    assert Store(settings).snapshot().roots == {"pages": pages.resolve().as_posix()}
    monkeypatch.chdir(tmp_path)
    report = run(settings, [pages])  # and from now on any spelling finds it
    assert (report.embedded, report.plan.added) == (0, [])
    assert documents(settings) == ["pages/a.md", "pages/b.md"]


def test_an_absolute_scope_without_a_root_is_its_own_root(settings, tmp_path, monkeypatch):
    pages = write_documents(tmp_path / "x" / "pages", DOCS)
    label = pages.resolve().as_posix()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    run(settings, [pages])
    drop_scope_roots(settings)
    monkeypatch.chdir(tmp_path / "x")
    report = run(settings, [Path("pages")])
    assert (report.embedded, report.plan.added, len(report.plan.unchanged)) == (0, [], 2)
    assert documents(settings) == [f"{label}/a.md", f"{label}/b.md"]


def test_a_moved_folder_keeps_its_scope(settings, tmp_path, monkeypatch):
    old = write_documents(tmp_path / "old" / "pages", DOCS)
    monkeypatch.chdir(tmp_path / "old")
    run(settings, [Path("pages")])
    (tmp_path / "old").rename(tmp_path / "new")
    monkeypatch.chdir(tmp_path / "new")
    report = run(settings, [Path("pages")])
    assert (report.embedded, report.plan.added, report.plan.removed) == (0, [], [])
    new = (tmp_path / "new" / "pages").resolve().as_posix()
    assert report.plan.notes == [
        f"{new} is ingested as pages, the scope of {old.resolve().as_posix()}, which no longer exists"
    ]
    assert Store(settings).snapshot().roots == {"pages": new}


def test_the_cli_says_when_a_folder_cannot_have_its_label(settings, tmp_path, monkeypatch, capsys):
    for name in ("CHROMA_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    first = write_documents(tmp_path / "a" / "pages", DOCS)
    second = write_documents(tmp_path / "b" / "pages", OTHER_DOCS)
    data = ["--data-dir", str(settings.data_dir)]
    monkeypatch.chdir(tmp_path / "a")
    assert ingest_main(["pages", *data]) == 0
    assert "scope" not in capsys.readouterr().err
    monkeypatch.chdir(tmp_path / "b")
    assert ingest_main(["pages", *data]) == 0
    err = capsys.readouterr().err
    label = second.resolve().as_posix()
    assert (
        f"scope {label} is ingested as {label}: pages is the scope of another folder, "
        f"{first.resolve().as_posix()}\n"
    ) in err
    assert "1 added, 0 updated, 0 removed" in err
