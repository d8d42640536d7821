"""The chat widget in real headless Chromium (Debian's package, driven by Playwright) against the real app
served by uvicorn on a loopback port: ask, watch the answer stream in, follow a citation, give feedback,
escalate, reload and continue; the XSS case; English on a cross-origin host page at 360 px; errors and
retry. `UPDATE_SCREENSHOT=1 pytest tests/browser` refreshes docs/widget.png.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading

import pytest
from conftest import PUBLIC_EVAL, ROOT
from sqlalchemy import select
from widget_support import ingest_documents, serve

from assistant.app import create_app
from assistant.core.answer import build_deps
from assistant.platform.db import Database, EscalationRow, FeedbackRow, MessageRow

pytestmark = pytest.mark.browser

QUESTIONS = {
    row["id"]: row
    for row in (json.loads(line) for line in PUBLIC_EVAL.read_text(encoding="utf-8").splitlines() if line)
}
TIMEOUT_MS = 20_000


@pytest.fixture
def open_page(browser):
    """Pages in fresh contexts; any uncaught script error in them fails the test."""
    contexts, errors = [], []

    def make(width: int = 1100, height: int = 760):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def stored(settings, model) -> list:
    db = Database(settings.sqlalchemy_url)
    try:
        with db.session() as session:
            return list(session.scalars(select(model)))
    finally:
        db.engine.dispose()


def ask(page, question: str, *, answers: int) -> None:
    """Type a question, send it with Enter, and wait until answer number `answers` is complete."""
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(
        """n => {
          const root = document.querySelector("innkjop-assistant").shadowRoot;
          const done = [...root.querySelectorAll(".msg.bot")].filter(m => !m.hasAttribute("aria-busy"));
          return done.length >= n;
        }""",
        arg=answers,
    )


WATCH_ANSWER = """() => {
  // Record what the newest answer bubble shows every time the widget changes it.
  const root = document.querySelector("innkjop-assistant").shadowRoot;
  window.__seen = [];
  new MutationObserver(() => {
    const bots = root.querySelectorAll(".msg.bot .text");
    if (bots.length) window.__seen.push(bots[bots.length - 1].textContent);
  }).observe(root.querySelector(".log"), {childList: true, subtree: true, characterData: true});
}"""


def test_ask_stream_cite_feedback_escalate_and_continue_after_reload(app_settings, deps, open_page, tmp_path):
    question = QUESTIONS["p05"]  # how much climate and environment must weigh
    with serve(create_app(app_settings, deps=deps)) as base:
        page = open_page()
        page.goto(base + "/")
        assert page.get_attribute("a[href='/docs']", "href") == "/docs"
        launcher = page.locator("innkjop-assistant .launcher")
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.click()
        assert page.locator(".panel").get_attribute("role") == "dialog"
        assert launcher.get_attribute("aria-expanded") == "true"
        assert page.locator(".starters button").count() == 3

        page.evaluate(WATCH_ANSWER)
        ask(page, question["question"], answers=1)
        [message] = stored(app_settings, MessageRow)
        answer = page.locator(".msg.bot").first
        assert answer.locator(".text").text_content() == message.answer
        assert any(fact in message.answer for fact in question["key_facts"][0])
        seen = page.evaluate("window.__seen")
        assert "Søker i kildene…" in seen, "the status was shown while searching"
        partial = [s for s in seen if s and s != message.answer and message.answer.startswith(s)]
        assert partial, "the answer appeared piece by piece"

        # Numbered citations link to the source; the snippet is on hover (title) and on expand.
        links = answer.locator(".sources li a")
        assert links.count() == len(message.citations) >= 1
        for n, citation in enumerate(message.citations):
            link = links.nth(n)
            assert link.get_attribute("href").rstrip("/") == citation["source"].rstrip("/")
            label = (
                f"{citation['title']} — {citation['section']}" if citation["section"] else citation["title"]
            )
            assert link.text_content() == label
            assert link.get_attribute("title") == citation["snippet"]
            assert link.get_attribute("rel") == "noopener noreferrer"
        right = [c for c in message.citations if any(f in c["snippet"] for f in question["key_facts"][0])]
        assert right, "a cited passage holds the key fact"
        more = answer.locator(".sources li").first.locator("button.more")
        more.click()
        assert more.get_attribute("aria-expanded") == "true"
        assert answer.locator("blockquote").first.text_content() == message.citations[0]["snippet"]

        page.locator(".log").evaluate("log => { log.scrollTop = log.scrollHeight; }")
        shot = tmp_path / "widget.png"
        page.screenshot(path=shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
        if os.environ.get("UPDATE_SCREENSHOT"):
            shutil.copy(shot, ROOT / "docs" / "widget.png")

        answer.locator("button.up").click()
        assert answer.locator("button.up").get_attribute("aria-pressed") == "true"
        answer.locator("form.feedback textarea").fill("Klart svar")
        answer.locator("form.feedback button[type=submit]").click()
        page.get_by_text("Takk for tilbakemeldingen!").wait_for()
        [feedback] = stored(app_settings, FeedbackRow)
        assert (feedback.message_id, feedback.rating, feedback.comment) == (message.id, "up", "Klart svar")

        answer.locator("button.escalate").click()
        answer.locator("form.escalation input").fill("kari@kommune.no")
        answer.locator("form.escalation textarea").fill("Gjelder dette for rammeavtaler?")
        answer.locator("form.escalation button[type=submit]").click()
        page.get_by_text("Sendt! En veileder følger opp.").wait_for()
        [escalation] = stored(app_settings, EscalationRow)
        assert (escalation.message_id, escalation.region, escalation.contact, escalation.note) == (
            message.id,
            "vestland",  # the demo page's data-region, stored as its region id
            "kari@kommune.no",
            "Gjelder dette for rammeavtaler?",
        )

        page.reload()
        page.locator("innkjop-assistant .launcher").click()
        page.locator(".msg.bot .sources a").first.wait_for()
        assert page.locator(".msg.user").first.text_content().endswith(question["question"])
        assert page.locator(".msg.bot .text").first.text_content() == message.answer
        assert page.locator(".starters").is_hidden()
        ask(page, "Gjelder det alltid?", answers=2)
        first, second = stored(app_settings, MessageRow)
        assert second.conversation_id == first.conversation_id
        assert second.question == "Gjelder det alltid?"


XSS_DOC = """---
title: "Kantine <img src=x onerror=\\"window.__xss='title'\\">"
source: "javascript:window.__xss='href'"
language: nb
---
# Kantine

## Kaffe <img src=x onerror="window.__xss='section'">

Kantina i kommunen kjøper økologisk kaffe fra sertifiserte leverandører <img src=x onerror="window.__xss='chunk'">.
Økologisk kaffe i kantina skal ha miljømerket emballasje <script>window.__xss='script'</script>.
"""


def test_untrusted_text_is_never_run_as_html(open_page, tmp_path):
    settings = ingest_documents(tmp_path / "xss", {"kantine.md": XSS_DOC})
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'xss.db'}"})
    question = "Hvilken kaffe kjøper kantina? <img src=x onerror=\"window.__xss='question'\">"
    with serve(create_app(settings, deps=build_deps(settings))) as base:
        page = open_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(base + "/")
        page.locator("innkjop-assistant .launcher").click()
        ask(page, question, answers=1)
        [message] = stored(settings, MessageRow)
        assert not message.refused and "<img" in message.answer, "the markup reached the widget as text"
        for _ in range(2):  # as streamed, then as reloaded from the stored conversation
            answer = page.locator(".msg.bot").first
            assert answer.locator(".text").text_content() == message.answer
            assert page.locator(".msg.user").first.text_content().endswith(question)
            assert "<img" in answer.locator(".sources li").first.text_content()
            assert page.locator("innkjop-assistant img, innkjop-assistant script").count() == 0
            assert answer.locator(".sources a").count() == 0, "a javascript: source is not made a link"
            page.wait_for_timeout(200)  # give any injected handler a chance to fire
            assert page.evaluate("window.__xss") is None
            assert dialogs == []
            page.reload()
            page.locator("innkjop-assistant .launcher").click()
            page.locator(".msg.bot .sources li").first.wait_for()


HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * {{ font-family: serif !important; color: red !important; letter-spacing: 3px !important; }}
  button {{ display: none !important; }}
  section, div, form {{ border: 5px solid lime !important; width: 50px !important; }}
</style></head><body><h1>Other intranet</h1><p>Hostile styles on purpose.</p>
<script src="{api}/widget.js" data-endpoint="{api}" data-lang="en" data-region="Nordland" defer></script>
</body></html>"""


@pytest.fixture
def host_site(tmp_path):
    """A second origin (another loopback port) serving a host page, to embed the widget cross-origin."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_english_widget_on_a_cross_origin_page_at_360_px_with_keyboard(
    app_settings, deps, open_page, host_site
):
    site, origin = host_site
    settings = app_settings.model_copy(update={"cors_origins": [origin]})
    with serve(create_app(settings, deps=deps)) as api:
        (site / "index.html").write_text(HOST_PAGE.format(api=api), encoding="utf-8")
        page = open_page(360, 640)
        page.goto(origin + "/index.html")
        launcher = page.locator("innkjop-assistant .launcher")
        assert launcher.text_content() == "Ask about procurement"  # an SVG icon and the label
        style = launcher.evaluate(
            "b => { const s = getComputedStyle(b); return [s.display, s.color, s.letterSpacing, s.fontFamily]; }"
        )
        assert style[0] != "none" and style[1] == "rgb(255, 255, 255)" and style[2] == "normal"
        assert "serif" not in style[3].replace("sans-serif", "")

        launcher.focus()
        page.keyboard.press("Enter")
        panel = page.locator(".panel")
        assert panel.is_visible()
        assert (
            page.evaluate("document.querySelector('innkjop-assistant').shadowRoot.activeElement.id")
            == "question"
        )
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["width"] >= 340
        assert page.locator("h2").text_content() == "Procurement assistant"
        assert page.get_attribute("#question", "placeholder") == "Type your question…"

        ask(page, "What are the procurement thresholds in Norway?", answers=1)
        answer = page.locator(".msg.bot").first
        assert "NOK" in answer.locator(".text").text_content()
        assert answer.locator(".sources a").count() >= 1
        overflow = page.locator(".log").evaluate("log => log.scrollWidth - log.clientWidth")
        assert overflow <= 0, "nothing sticks out sideways at 360 px"
        [message] = stored(settings, MessageRow)
        answer.locator("button.escalate").click()
        answer.locator("form.escalation button[type=submit]").click()
        page.get_by_text("Sent! An adviser will follow up.").wait_for()
        [escalation] = stored(settings, EscalationRow)
        assert (escalation.message_id, escalation.region, escalation.contact) == (
            message.id,
            "nordland",  # stored as the region id
            None,
        )

        page.keyboard.press("Escape")
        assert panel.is_hidden() and launcher.is_visible()
        assert launcher.get_attribute("aria-expanded") == "false"
        assert page.evaluate(
            "document.querySelector('innkjop-assistant').shadowRoot.activeElement.className"
        ) == ("launcher")


def test_errors_show_a_message_keep_the_question_and_retry(app_settings, deps, open_page):
    settings = app_settings.model_copy(update={"rate_limit_per_minute": 2})
    question = QUESTIONS["p07"]["question"]  # the national threshold
    with serve(create_app(settings, deps=deps)) as base:
        page = open_page()
        page.goto(base + "/")
        page.locator("innkjop-assistant .launcher").click()

        page.route("**/v1/chat/stream", lambda route: route.abort("connectionrefused"))
        page.fill("#question", question)
        page.press("#question", "Enter")
        error = page.locator(".error")
        error.wait_for()
        assert "Fikk ikke kontakt" in error.text_content()
        assert page.input_value("#question") == question, "the question is not lost"
        assert page.locator(".msg.user.failed").count() == 1

        page.unroute("**/v1/chat/stream")
        page.locator(".error button").click()
        page.locator(".msg.bot .sources a").first.wait_for()
        assert error.is_hidden()
        assert page.locator(".msg.user").count() == 1 and page.locator(".msg.user.failed").count() == 0
        assert page.input_value("#question") == ""

        ask(page, "Hva er EØS-terskelverdien for statlige kjøp?", answers=2)
        page.fill("#question", "Og for bygg og anlegg?")
        page.press("#question", "Enter")  # third question within the minute: the server says 429
        error.wait_for()
        assert "For mange spørsmål" in error.text_content()
        assert page.input_value("#question") == "Og for bygg og anlegg?"
        assert len(stored(settings, MessageRow)) == 2

        page.locator("button.new").click()
        assert page.locator(".msg").count() == 0 and page.locator(".starters").is_visible()
        assert page.evaluate("Object.keys(localStorage).length") == 0
