"""«Kilder» in real headless Chromium against the real app on uvicorn, with the local test site on 127.0.0.1:
an admin sees every document with its source, date, last fetch, status and error; adds a source and sees it
fetched by the app's own refresher; asks for a refresh; marks a document outdated; a bad address is refused
with a message in bokmål. A staff user sees the page without the admin forms."""

from __future__ import annotations

import time

import pytest
from staff_support import PASSWORD, add_staff, staff_store
from web_site import page as site_page
from web_site import running
from widget_support import serve

from assistant.app import create_app
from assistant.core.answer import build_deps
from assistant.search.stores import open_store
from ingest.web.job import run_targets

pytestmark = pytest.mark.browser

FETCH = {
    "fetch_delay_seconds": 0.0,
    "fetch_timeout_seconds": 1.0,
    "fetch_max_bytes": 1_000_000,
    "refresh_check_seconds": 3600,  # only an admin's click wakes the refresher in this test
}
AVTALER = site_page(
    "Avtaler om rammeavtaler",
    '<h2 id="varighet">Varighet</h2><p>En rammeavtale mellom kommunen og en leverandør varer som hovedregel '
    "i høyst fire år.</p>",
)


def log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/staff/login?next=/staff/sources")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/staff/login'] button[type=submit]")
    page.wait_for_url(f"{base}/staff/sources")
    return page


def wait_for(page, check, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the page never showed it")
        time.sleep(0.5)
        page.reload()


def test_admin_sees_sources_adds_one_refreshes_and_marks_a_document_outdated(browser, tmp_path):
    with running() as site:
        site.pages["/veiledning/avtaler"] = AVTALER
        settings = staff_store(tmp_path, sources_file=tmp_path / "none.yaml", **FETCH)
        add_staff(settings)
        run_targets(settings, [site.base + "/sitemap.xml"])
        with serve(create_app(settings, deps=build_deps(settings))) as base:
            context = browser.new_context()
            context.set_default_timeout(20_000)
            errors: list[str] = []
            page = log_in(context, base, "admin")
            page.on("pageerror", lambda error: errors.append(str(error)))
            assert page.get_by_role("heading", name="Kilder", exact=True).is_visible()

            sitemap = page.locator(f"tr.source[data-key='{site.base}/sitemap.xml']")
            assert "feil på noen sider" in sitemap.text_content()  # the slow, huge and binary pages
            assert "timed out after 1 s" in sitemap.locator(".error-text").text_content()
            terskel = page.locator(f"tr.document[data-doc-id='{site.base}/veiledning/terskelverdier']")
            assert "Terskelverdier for innkjøp" in terskel.text_content()
            assert "2024-03-01" in terskel.text_content() and "hentet (200)" in terskel.text_content()
            assert page.locator("tr.document[data-doc-id$='miljo.md']").count() == 1  # the files too
            assert "ikke tillatt" not in page.locator("table.documents").text_content()

            # a bad address: refused with a message, nothing saved
            page.fill("form.add-source input[name=url]", "ftp://example.invalid/")
            page.click("form.add-source button[type=submit]")
            assert "hel nettadresse" in page.get_by_role("alert").text_content()

            # add a page: the app's refresher fetches it
            page.fill("form.add-source input[name=url]", f"{site.base}/veiledning/avtaler")
            page.select_option("form.add-source select[name=type]", "page")
            page.fill("form.add-source input[name=kind]", "guide")
            page.click("form.add-source button[type=submit]")
            assert "lagt til" in page.get_by_role("status").first.text_content()
            added = f"tr.document[data-doc-id='{site.base}/veiledning/avtaler']"
            wait_for(page, lambda: page.locator(added).count() == 1)
            assert "Avtaler om rammeavtaler" in page.locator(added).text_content()
            assert "guide" in page.locator(added).text_content()

            # «Oppdater nå»: the source's pages are asked again (conditionally: nothing changed)
            site.clear()
            row = page.locator(f"tr.source[data-key='{site.base}/veiledning/avtaler']")
            row.get_by_role("button", name="Oppdater nå").click()
            assert "Oppdateringen er startet" in page.get_by_role("status").first.text_content()
            deadline = time.monotonic() + 30
            while not [r for r in site.requests if r.path == "/veiledning/avtaler"]:
                assert time.monotonic() < deadline, "the refresh never asked the site"
                time.sleep(0.2)
            assert site.requests[-1].status == 304

            # mark a document outdated: published at once, shown in its row
            kjoretoy = f"tr.document[data-doc-id='{site.base}/veiledning/kjoretoy']"
            page.locator(f"{kjoretoy} input[name=valid_to]").fill("2024-06-30")
            page.locator(kjoretoy).get_by_role("button", name="Lagre").click()
            assert "Gyldighetsdatoen er lagret" in page.get_by_role("status").first.text_content()
            assert "2024-06-30" in page.locator(f"{kjoretoy} td.valid-to").text_content()
            snapshot = open_store(settings).snapshot()
            assert snapshot.documents[f"{site.base}/veiledning/kjoretoy"].valid_to == "2024-06-30"

            # a staff user sees the page, but none of the admin's forms
            staff_context = browser.new_context()
            staff_page = log_in(staff_context, base, "vest")
            assert staff_page.locator("tr.document").count() == page.locator("tr.document").count()
            assert staff_page.locator("form.add-source, form.outdated").count() == 0
            staff_context.close()
            context.close()
            assert errors == []
