"""Web sources end to end against the local test site on 127.0.0.1, with the real store (Chroma on a temp dir)
and the real database: `ingest URL` reads what robots.txt allows and cites the exact page; a second run is
one conditional request per page and embeds nothing; a page that is gone (410, or out of the sitemap) is no
longer answered from; failures are reported per URL and never break the live index; sources.yaml, `--due`,
the refresh lease, staff overrides and the «kilde endret» review of verified answers."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from web_site import FURNITURE, TERSKEL, running

from assistant.core.answer import answer, build_deps
from assistant.errors import IngestError
from assistant.models import Conversation
from assistant.platform.db import Database, MessageRow
from assistant.search.source_state import PageRow, SourceChangeRow, SourceRow, lease_holder
from assistant.search.stores import open_store
from assistant.staff import log as staff_log
from assistant.staff import sources as staff_sources
from assistant.staff import verified
from assistant.staff.actions import Actor
from ingest.cli import main as ingest_main
from ingest.cli import run_cli
from ingest.pipeline import run
from ingest.web.job import LEASE, Lease, open_database, run_targets
from tests.conftest import CORPUS, make_settings, write_documents

SITEMAP = "/sitemap.xml"


def web_settings(tmp_path, **overrides):
    values = {
        "embedding_model": "fake",
        "fetch_delay_seconds": 0.0,
        "fetch_timeout_seconds": 1.0,
        "fetch_max_bytes": 1_000_000,
        "sources_file": tmp_path / "sources.yaml",  # absent unless a test writes it
        "refresh_check_seconds": 0,
    }
    return make_settings(tmp_path / "data", **(values | overrides))


def live(settings):
    return open_store(settings).snapshot()


def page_requests(site):
    return [r for r in site.requests if r.path not in ("/robots.txt", "/sitemap.xml", "/sitemap-pages.xml")]


@pytest.fixture
def site():
    with running() as running_site:
        yield running_site


def test_sitemap_ingest_reads_what_robots_allows_and_reports_every_failure(site, tmp_path, capsys):
    settings = web_settings(tmp_path)
    assert run_cli(settings, [site.base + SITEMAP]) == 1  # some pages failed: exit 1, the rest published
    snapshot = live(settings)
    ids = set(snapshot.documents)
    base = site.base
    assert ids == {
        f"{base}/veiledning/terskelverdier",
        f"{base}/veiledning/miljokrav",
        f"{base}/veiledning/kjoretoy",
        f"{base}/veiledning/gammel",
        f"{base}/veiledning/flyttet",
        f"{base}/dokumenter/rammeavtaler.pdf",
    }
    assert not [r for r in site.requests if r.path.startswith("/intern/")]  # disallowed: never asked
    moved = snapshot.documents[f"{base}/veiledning/flyttet"]
    assert moved.source == f"{base}/veiledning/ny-side"  # cited where the text was read
    sources = {c.source for c in snapshot.chunks}
    assert (
        f"{base}/veiledning/terskelverdier#eos" in sources
        and f"{base}/veiledning/miljokrav#vekting" in sources
    )
    texts = " ".join(c.text + c.title + c.section for c in snapshot.chunks)
    assert not [word for word in FURNITURE if word in texts]
    err = capsys.readouterr().err
    for path, reason in (
        ("/veiledning/treg", "timed out after 1 s"),
        ("/veiledning/stor", "more than the limit of 1,000,000 bytes"),
        ("/veiledning/bilde", "binary content served as text/html"),
    ):
        line = next(line for line in err.splitlines() if line.startswith(f"error {base}{path}:"))
        assert reason in line, line
    assert f"skipped {base}/intern/arbeidsgruppe: disallowed by robots.txt" in " ".join(err.split())
    db = Database(settings.sqlalchemy_url)
    with db.session() as s:
        state = s.get(PageRow, f"{base}/veiledning/miljokrav")
        source = s.get(SourceRow, base + SITEMAP)
    assert state.etag and state.last_modified and state.status == 200 and state.outcome == "ok"
    assert source.origin == "cli" and source.status == "errors" and source.pages == 6


def test_a_second_run_is_one_conditional_request_per_page_and_embeds_nothing(site, tmp_path):
    settings = web_settings(tmp_path)
    first = run_targets(settings, [site.base + SITEMAP])
    before = live(settings)
    site.clear()
    again = run_targets(settings, [site.base + SITEMAP])
    indexed = ["/veiledning/terskelverdier", "/veiledning/miljokrav", "/veiledning/kjoretoy"]
    indexed += ["/veiledning/gammel", "/veiledning/ny-side", "/dokumenter/rammeavtaler.pdf"]
    asked = [r for r in page_requests(site) if r.path in indexed]
    assert sorted(r.path for r in asked) == sorted(indexed)  # one request each
    assert all(r.status == 304 and r.headers.get("If-None-Match") for r in asked)
    assert len(first.report.plan.documents) == 6 and again.counters.not_modified == 6
    assert again.report.embedded == 0
    after = live(settings)
    assert after.documents.keys() == before.documents.keys()
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]


def test_a_gone_page_and_a_page_out_of_the_sitemap_leave_the_index(site, tmp_path):
    settings = web_settings(tmp_path)
    run_targets(settings, [site.base + SITEMAP])
    site.gone.add("/veiledning/gammel")  # 410
    site.listed.remove("/veiledning/kjoretoy")  # still served, no longer listed
    result = run_targets(settings, [site.base + SITEMAP])
    ids = set(live(settings).documents)
    assert f"{site.base}/veiledning/gammel" not in ids and f"{site.base}/veiledning/kjoretoy" not in ids
    assert sorted(result.report.plan.removed) == [
        f"{site.base}/veiledning/gammel",
        f"{site.base}/veiledning/kjoretoy",
    ]
    assert ("removed", f"{site.base}/veiledning/gammel", "HTTP 410") in result.notes
    assert ("removed", f"{site.base}/veiledning/kjoretoy", "no longer listed by the source") in result.notes
    with Database(settings.sqlalchemy_url).session() as s:
        assert s.get(PageRow, f"{site.base}/veiledning/gammel").gone_at is not None


def test_a_changed_page_embeds_only_its_new_chunks(site, tmp_path):
    settings = web_settings(tmp_path)
    run_targets(settings, [site.base + SITEMAP])
    site.set_page("/veiledning/terskelverdier", TERSKEL.replace("1,3 millioner", "1,5 millioner"))
    result = run_targets(settings, [site.base + SITEMAP])
    assert result.report.plan.updated == [f"{site.base}/veiledning/terskelverdier"]
    assert result.report.embedded == 1  # the one changed section
    assert any("1,5 millioner" in c.text for c in live(settings).chunks)


def test_failures_never_break_the_live_index(site, tmp_path):
    settings = web_settings(tmp_path)
    run_targets(settings, [site.base + SITEMAP])
    before = set(live(settings).documents)
    site.robots = None  # robots.txt answers 503: nothing may be fetched, nothing is removed
    failed = run_targets(settings, [site.base + SITEMAP])
    assert set(live(settings).documents) == before and failed.errors
    site.robots = "User-agent: *\nDisallow: /intern/\n"
    site.broken_sitemap = True  # the listing fails: every page of the source stays
    broken = run_targets(settings, [site.base + SITEMAP])
    assert any("not valid XML" in why for _, why in broken.errors) and set(live(settings).documents) == before
    site.broken_sitemap = False
    site.pages.clear()  # every page 404 now, but the sitemap still lists them: they go
    gone = run_targets(settings, [site.base + SITEMAP])
    assert set(live(settings).documents) == {f"{site.base}/dokumenter/rammeavtaler.pdf"}
    assert len(gone.report.plan.removed) == 5


def test_a_site_crawl_stays_under_its_prefix_and_within_its_bounds(site, tmp_path):
    settings = web_settings(tmp_path)
    run_cli(settings, [site.base + "/veiledning/"], source_type="site")
    ids = set(live(settings).documents)
    assert ids == {
        f"{site.base}/veiledning/",
        f"{site.base}/veiledning/terskelverdier",
        f"{site.base}/veiledning/miljokrav",
        f"{site.base}/veiledning/kjoretoy",
    }  # not /intern/ (robots.txt), not /annet/ (outside the prefix)
    site.clear()
    run_targets(settings, [site.base + "/veiledning/"])  # the remembered source, crawled from its links
    assert {r.status for r in page_requests(site)} == {304}


def test_sources_file_due_and_the_corpus_when_there_is_no_file(site, tmp_path):
    settings = web_settings(tmp_path)
    plain = run_targets(settings, [])  # no sources file, nothing registered: the corpus folders as always
    assert plain.report.plan.added and not plain.sources
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - url: {site.base}/veiledning/miljokrav\n    kind: guide\n    refresh: 1h\n"
        f"  - url: {site.base}/sitemap.xml\n    include: ['/veiledning/t*']\n",
        encoding="utf-8",
    )
    result = run_targets(settings, [])
    docs = live(settings).documents
    assert docs[f"{site.base}/veiledning/miljokrav"].kind == "guide"
    assert f"{site.base}/veiledning/terskelverdier" in docs and f"{site.base}/veiledning/kjoretoy" not in docs
    assert result.report.plan.removed == []
    site.clear()
    assert run_targets(settings, [], due=True).report.plan.documents == []  # nothing is due yet
    assert page_requests(site) == []
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - url: {site.base}/veiledning/miljokrav\n", encoding="utf-8"
    )
    run_targets(settings, [])  # the sitemap entry was taken out of the file: its pages go
    assert f"{site.base}/veiledning/terskelverdier" not in live(settings).documents
    (tmp_path / "sources.yaml").write_text("sources:\n  - url: ftp://x\n", encoding="utf-8")
    assert run_cli(settings, []) == 2


def test_a_listed_folder_the_store_knows_by_another_label_keeps_it_and_its_page_count(
    site, tmp_path, monkeypatch
):
    settings = web_settings(tmp_path)
    folder = write_documents(
        tmp_path / "x" / "pages", {"a.md": "# A\n\nRammeavtaler.\n", "b.md": "# B\n\nKrav.\n"}
    )
    monkeypatch.chdir(tmp_path / "x")
    run(settings, [Path("pages")])  # the store knows the folder as `pages`
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # where the source's own key is the absolute path
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - url: {site.base}/veiledning/miljokrav\n  - path: x/pages\n", encoding="utf-8"
    )
    result = run_targets(settings, [])
    plan = result.report.plan
    assert (plan.added, plan.removed) == ([f"{site.base}/veiledning/miljokrav"], [])  # the page only
    assert sorted(d for d in live(settings).documents if not d.startswith("http")) == [
        "pages/a.md",
        "pages/b.md",
    ]
    with Database(settings.sqlalchemy_url).session() as s:
        row = s.get(SourceRow, folder.resolve().as_posix())
    assert (row.status, row.pages) == ("ok", 2)


def test_one_refresh_at_a_time_across_processes(site, tmp_path):
    settings = web_settings(tmp_path)
    db = open_database(settings)
    with Lease(db, holder="elsewhere"), pytest.raises(IngestError, match="another refresh"):
        run_targets(settings, [site.base + SITEMAP])
    assert not site.requests
    assert run_targets(settings, [site.base + SITEMAP]).report.plan.documents  # released: runs
    assert lease_holder(db, LEASE) is None


def test_staff_outdated_marks_survive_later_ingests(site, tmp_path):
    settings = web_settings(tmp_path)
    run_targets(settings, [site.base + SITEMAP])
    url = f"{site.base}/veiledning/kjoretoy"
    db = open_database(settings)
    assert staff_sources.mark_outdated(settings, db, url, date(2024, 6, 30), by="admin")
    assert live(settings).documents[url].valid_to == "2024-06-30"
    assert all(c.valid_to == date(2024, 6, 30) for c in live(settings).chunks if c.doc_id == url)
    run_targets(settings, [site.base + SITEMAP])  # a 304: kept, and still marked
    site.set_page("/veiledning/kjoretoy", site.pages["/veiledning/kjoretoy"].replace("2022", "2023"))
    run_targets(settings, [site.base + SITEMAP])  # changed: fresh, and still marked
    assert live(settings).documents[url].valid_to == "2024-06-30"
    staff_sources.mark_outdated(settings, db, url, None, by="admin")
    assert live(settings).documents[url].valid_to is None


def test_a_verified_answer_citing_a_changed_page_goes_back_to_the_queue(site, tmp_path):
    settings = web_settings(tmp_path)
    run_targets(settings, [site.base + SITEMAP])
    db = open_database(settings)
    message = _logged_question(db, "Hva er terskelverdien for en kommune?")
    row = verified.save(
        db,
        question="Hva er terskelverdien for en kommune?",
        answer="Den nasjonale terskelverdien er 1,3 millioner kroner.",
        links=[f"{site.base}/veiledning/terskelverdier#nasjonal"],
        region="nasjonal",
        author=Actor(None, "local:vest", "vest"),
        valid_to=None,
        message_ids=[message],
    )
    verified.write_and_ingest(settings, row, "Nasjonal")
    assert any(d.kind == "verified_answer" for d in live(settings).documents.values())

    site.set_page("/veiledning/terskelverdier", TERSKEL.replace("1,3 millioner", "1,5 millioner"))
    run_targets(settings, [site.base + SITEMAP])
    assert not any(d.kind == "verified_answer" for d in live(settings).documents.values())  # withheld
    queue = staff_log.entries(db, staff_log.LogFilter(), queue=True)
    assert [e.message_id for e in queue] == [message] and queue[0].reasons == ["source_changed"]
    diff = queue[0].source_changes[0].diff
    assert "-Den nasjonale terskelverdien for offentlige anskaffelser er 1,3 millioner" in diff
    assert "+Den nasjonale terskelverdien for offentlige anskaffelser er 1,5 millioner" in diff
    verified.write_and_ingest(settings, row, "Nasjonal")  # a later ingest of the folder keeps it withheld
    assert not any(d.kind == "verified_answer" for d in live(settings).documents.values())

    staff_sources.confirm(settings, db, message)  # «Svaret gjelder fortsatt»
    assert any(d.kind == "verified_answer" for d in live(settings).documents.values())
    assert staff_log.entries(db, staff_log.LogFilter(), queue=True) == []
    with db.session() as s:
        assert s.get(MessageRow, message).review_status == "answered"
        assert s.scalars(select(SourceChangeRow)).one().resolution == "confirmed"


def _logged_question(db: Database, question: str) -> str:
    from assistant.models import Answer

    _, message_id = db.record(None, question, Answer(answer="…", refused=True, confidence=0.1))
    with db.session() as s, s.begin():
        s.get(MessageRow, message_id).review_status = "answered"
        s.get(MessageRow, message_id).refused = False
    return message_id


def test_ingest_command_line_takes_urls(site, tmp_path, monkeypatch):
    for name, value in {
        "ASSISTANT_EMBEDDING_MODEL": "fake",
        "ASSISTANT_FETCH_DELAY_SECONDS": "0",
        "ASSISTANT_FETCH_TIMEOUT_SECONDS": "1",
        "ASSISTANT_SOURCES_FILE": str(tmp_path / "none.yaml"),
        "ASSISTANT_CORPUS_DIRS": f'["{CORPUS}"]',
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "CHROMA_URL", "ASSISTANT_DATABASE_URL", "ASSISTANT_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    assert ingest_main([f"{site.base}/veiledning/miljokrav", "--data-dir", str(data)]) == 0
    assert ingest_main(["--due", "--data-dir", str(data)]) == 0  # fetched just now: not due
    assert ingest_main(["ftp://example.invalid/x", "--data-dir", str(data)]) == 1  # a path, and missing
    assert ingest_main(["http://[bad", "--data-dir", str(data)]) == 2


@pytest.mark.slow
def test_answers_cite_the_exact_page_and_never_its_furniture(site, tmp_path):
    settings = web_settings(tmp_path, embedding_model=make_settings(tmp_path).embedding_model)
    assert run_cli(settings, [site.base + SITEMAP]) == 1
    deps = build_deps(settings)

    def ask(question: str):
        return asyncio.run(answer(question, Conversation(), deps=deps))

    cases = {
        "Hva er den nasjonale terskelverdien?": ("1,3 millioner", "/veiledning/terskelverdier#nasjonal"),
        "Hvor mye skal klima og miljø vektes?": ("30 prosent", "/veiledning/miljokrav#vekting"),
        "Hvor lenge kan en rammeavtale vare?": ("fire år", "/dokumenter/rammeavtaler.pdf"),
        "Hva er en innkjøpsplan?": ("innkjøpsplan", "/veiledning/ny-side#plan"),
    }
    for question, (fact, path) in cases.items():
        result = ask(question)
        assert not result.refused and fact in result.answer, (question, result.answer)
        assert result.citations[0].source == site.base + path, (question, result.citations)
    probes = ("Hva er adressen og telefonnummeret til innkjøpskontoret?", "Bruker dere informasjonskapsler?")
    for question in (*cases, *probes):
        text = ask(question).answer
        assert not [word for word in FURNITURE if word in text], (question, text)

    gone = "Hvor raskt skulle papirleverandørene levere kopipapir?"
    assert "14 dager" in ask(gone).answer
    site.gone.add("/veiledning/gammel")
    site.listed.remove("/veiledning/gammel")
    run_cli(settings, [site.base + SITEMAP])
    after = ask(gone)
    assert "14 dager" not in after.answer
    assert not any("/veiledning/gammel" in c.source for c in after.citations)


def test_the_refresher_checks_due_sources_and_readiness_ignores_them(site, tmp_path):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from ingest.web.registry import register, request_refresh
    from ingest.web.sources import web_source

    settings = web_settings(tmp_path, refresh_check_seconds=3600)
    run_targets(settings, [])  # the corpus, so the app has an index
    db = open_database(settings)
    register(db, web_source(f"{site.base}/veiledning/kjoretoy", origin="staff"))
    register(db, web_source("http://127.0.0.1:9/nobody-listens", origin="staff"))
    with TestClient(create_app(settings)) as client:
        refresher = client.app.state.refresher
        report = refresher.check()  # what the background loop runs when it wakes
        assert f"{site.base}/veiledning/kjoretoy" in live(settings).documents
        assert any("127.0.0.1:9" in url for url, _ in report.errors)
        assert client.get("/readyz").status_code == 200
        assert refresher.check() is None  # nothing due any more
        request_refresh(db, f"{site.base}/veiledning/kjoretoy")  # «Oppdater nå»
        site.clear()
        assert refresher.check() is not None and [r.status for r in page_requests(site)] == [304]
