"""The widget works under the demo page's Content-Security-Policy: real Chromium reports no CSP violation
while the page loads, the widget opens and an answer streams in (tests/integration/test_security.py checks
the headers themselves)."""

from __future__ import annotations

import pytest
from widget_support import serve

from assistant.app import create_app

pytestmark = pytest.mark.browser


def test_widget_runs_under_the_content_security_policy(app_settings, deps, browser):
    with serve(create_app(app_settings, deps=deps)) as base:
        page = browser.new_page()
        page.set_default_timeout(20_000)
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.on("pageerror", lambda error: messages.append(str(error)))
        response = page.goto(base + "/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.locator("innkjop-assistant .launcher").click()
        page.fill("#question", "Hvor mye skal klima og miljø vektes?")
        page.press("#question", "Enter")
        page.wait_for_function(
            """() => [...document.querySelector("innkjop-assistant").shadowRoot
                  .querySelectorAll(".msg.bot")].some(m => !m.hasAttribute("aria-busy")
                  && m.textContent.includes("30"))"""
        )
        # Styles applied: the launcher is positioned by the widget's own <style> in its shadow root.
        position = page.evaluate(
            """() => getComputedStyle(document.querySelector("innkjop-assistant").shadowRoot
                  .querySelector(".launcher")).position"""
        )
        assert position == "fixed"
    assert not [m for m in messages if "Content Security Policy" in m or "Refused to" in m], messages
