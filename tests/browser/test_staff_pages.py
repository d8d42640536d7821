"""The staff pages in real headless Chromium against the real app on uvicorn: log in, see the queue,
write a verified answer, see the buyer's next answer cite it, export the queue as CSV; a page opened without
logging in lands on the login form."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from staff_support import PASSWORD, UNANSWERED, add_staff, staff_store
from widget_support import serve

from assistant.app import create_app
from assistant.core.answer import build_deps

pytestmark = pytest.mark.browser


def test_log_in_answer_from_the_queue_and_export(browser, tmp_path):
    settings = staff_store(tmp_path)
    add_staff(settings)
    with serve(create_app(settings, deps=build_deps(settings))) as base:
        asked = httpx.post(f"{base}/v1/chat/stream", json={"question": UNANSWERED, "region": "Vestland"})
        assert '"refused": true' in asked.text
        context = browser.new_context(accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(f"{base}/staff/queue")
        assert page.url.startswith(f"{base}/staff/login")
        page.fill("input[name=username]", "vest")
        page.fill("input[name=password]", "wrong-password-1")
        page.click("button[type=submit]")
        page.get_by_role("alert").wait_for()
        page.fill("input[name=username]", "vest")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/staff/queue")
        row = page.locator("tr.entry")
        assert row.count() == 1 and UNANSWERED in row.first.text_content()

        row.first.locator("a").click()
        page.locator("strong.question").wait_for()
        page.fill(
            "textarea[name=answer]", "Kontakt Kari Nordmann i innkjøpsteamet til Vestland fylkeskommune."
        )
        page.fill("textarea[name=links]", "https://www.vestlandfylke.no/innkjop")
        page.click("form.answer-form button[type=submit]")
        page.get_by_role("status").wait_for()
        assert page.locator("tr.entry").count() == 0  # the open queue is empty now

        after = httpx.post(f"{base}/v1/chat", json={"question": UNANSWERED}).json()
        assert not after["refused"] and after["citations"][0]["kind"] == "verified_answer"

        page.goto(f"{base}/staff/queue?status=answered")
        with page.expect_download() as download:
            page.get_by_text("Last ned CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert UNANSWERED in text and "answered" in text

        page.goto(f"{base}/staff")
        assert page.locator("svg.chart").count() == 2

        # the buyer comes back to the widget: the adviser's answer is shown under the question
        conversation = next(
            line for line in asked.text.split("\n") if line.startswith("data: ") and "conversation_id" in line
        )
        conversation_id = json.loads(conversation[6:])["conversation_id"]
        buyer = browser.new_page()
        buyer.goto(f"{base}/")
        buyer.evaluate(
            "([key, id]) => localStorage.setItem(key, id)",
            [f"innkjop-assistant:conversation:{base}", conversation_id],
        )
        buyer.reload()
        buyer.locator("innkjop-assistant .launcher").click()
        staff = buyer.locator(".msg.staff")
        staff.wait_for(timeout=20_000)
        assert "Kari Nordmann" in staff.text_content() and "Vestland" in staff.text_content()
        buyer.close()
        context.close()
        assert errors == []
