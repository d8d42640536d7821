"""Accessibility in real headless Chromium: axe-core (from npm, `tests/browser/package.json`, installed by
.ci/run with `npm ci`) injected by Playwright into the demo page, the widget in each of its states at
desktop width and 375 px, and every staff page, with 0 serious or critical violations (WCAG 2.2 AA rules
and axe's best practices). Also what axe cannot judge alone: every widget control is at least 24 × 24 px,
icons are inline SVG with a text label (no emoji, which Debian's Chromium shows as empty boxes), focus
stays in the full-screen mobile dialog and goes back to the launcher, and /favicon.ico exists.
"""

from __future__ import annotations

import os
import re

import httpx
import pytest
from conftest import ROOT
from staff_support import PASSWORD, UNANSWERED, add_staff, staff_store
from widget_support import serve

from assistant.app import create_app
from assistant.core.answer import build_deps

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
QUESTION = "Hvor mye skal klima og miljø vektes?"
WIDGET = 'document.querySelector("innkjop-assistant").shadowRoot'


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"{AXE} is missing: npm ci --prefix tests/browser"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    """axe's serious and critical violations on the page as it is now (shadow roots included)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def new_page(browser, width: int = 1100, height: int = 760):
    # bypass_csp: axe is added as an inline script, which the pages' own CSP (rightly) forbids
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(20_000)
    return context, context.new_page()


def ask(page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(
        f"""() => [...{WIDGET}.querySelectorAll(".msg.bot")].some(m => !m.hasAttribute("aria-busy")
              && m.querySelector(".actions"))"""
    )


@pytest.mark.parametrize("width", [1100, 375])
def test_demo_page_and_widget_have_no_serious_axe_violations(app_settings, deps, browser, axe_source, width):
    with serve(create_app(app_settings, deps=deps)) as base:
        context, page = new_page(browser, width=width)
        page.goto(base + "/")
        found = {"demo page, widget closed": serious_violations(page, axe_source)}
        page.locator("innkjop-assistant .launcher").click()
        found["widget open"] = serious_violations(page, axe_source)
        ask(page, QUESTION)
        page.locator("innkjop-assistant .more").first.click()  # a source's excerpt shown
        found["answer with sources"] = serious_violations(page, axe_source)
        page.locator("innkjop-assistant .actions .down").first.click()
        found["feedback form"] = serious_violations(page, axe_source)
        page.locator("innkjop-assistant .actions .escalate").first.click()
        found["hand-off form"] = serious_violations(page, axe_source)
        context.close()
    print(f"axe, widget at {width} px:", {state: len(v) for state, v in found.items()})
    assert {state: v for state, v in found.items() if v} == {}


def test_staff_pages_have_no_serious_axe_violations(browser, axe_source, tmp_path):
    settings = staff_store(tmp_path)
    add_staff(settings)
    with serve(create_app(settings, deps=build_deps(settings))) as base:
        asked = httpx.post(f"{base}/v1/chat", json={"question": UNANSWERED}).json()
        context, page = new_page(browser)
        page.goto(f"{base}/staff/login")
        found = {"login": serious_violations(page, axe_source)}
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/staff/login" not in url)
        for path in (
            "/staff/queue",
            f"/staff/questions/{asked['message_id']}",
            "/staff",
            "/staff/clusters",
            "/staff/log",
            "/staff/users",
            "/staff/regions",
            "/staff/sources",
        ):
            page.goto(base + path)
            found[path] = serious_violations(page, axe_source)
        context.close()
    print("axe, staff pages:", {name: len(v) for name, v in found.items()})
    assert {name: v for name, v in found.items() if v} == {}


CONTROLS = f"""() => {{
  const root = {WIDGET};
  return [...root.querySelectorAll("button, input, textarea, select")]
    .filter(node => node.getClientRects().length)
    .map(node => {{
      const box = node.getBoundingClientRect();
      return {{name: node.className || node.id || node.textContent.trim(), width: box.width, height: box.height}};
    }});
}}"""
EMOJI = r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]"


@pytest.mark.parametrize("width", [1100, 375])
def test_widget_controls_are_24_px_with_svg_icons_and_text_labels(app_settings, deps, browser, width):
    with serve(create_app(app_settings, deps=deps)) as base:
        context, page = new_page(browser, width=width)
        page.goto(base + "/")
        page.locator("innkjop-assistant .launcher").click()
        ask(page, QUESTION)
        page.locator("innkjop-assistant .actions .up").first.click()
        small = [c for c in page.evaluate(CONTROLS) if c["width"] < 24 or c["height"] < 24]
        assert small == []
        shown = page.evaluate(f"() => {WIDGET}.querySelector('.wrap').textContent")
        assert not re.findall(EMOJI, shown), "emoji render as empty boxes without an emoji font"
        for selector in (".close", ".new", ".actions .up", ".actions .down", ".actions .escalate", ".more"):
            button = page.locator(f"innkjop-assistant {selector}").first
            assert button.locator("svg.icon").count() == 1, selector
            assert button.text_content().strip(), f"{selector} has a visible text label"
        assert page.locator("innkjop-assistant .actions .up").first.text_content().strip() == "Nyttig"
        context.close()


TAB_PATH = f"() => {WIDGET}.activeElement && ({WIDGET}.activeElement.className || {WIDGET}.activeElement.id)"


def test_focus_stays_in_the_full_screen_dialog_and_returns_to_the_launcher(app_settings, deps, browser):
    with serve(create_app(app_settings, deps=deps)) as base:
        context, page = new_page(browser, width=375, height=700)
        page.goto(base + "/")
        page.locator("innkjop-assistant .launcher").click()
        panel = page.locator("innkjop-assistant .panel")
        assert panel.get_attribute("aria-modal") == "true"
        seen = []
        for _ in range(12):  # more presses than the dialog has controls
            page.keyboard.press("Tab")
            assert page.evaluate(f"() => {WIDGET}.activeElement !== null"), "focus left the dialog"
            seen.append(page.evaluate(TAB_PATH))
        assert seen.count("new") >= 2, seen  # it came round again
        for _ in range(12):
            page.keyboard.press("Shift+Tab")
            assert page.evaluate(f"() => {WIDGET}.activeElement !== null"), "focus left the dialog"
        page.evaluate("() => document.querySelector('nav a').focus()")  # e.g. a screen reader's jump
        assert page.evaluate(TAB_PATH) == "question"
        page.keyboard.press("Escape")
        assert page.evaluate(TAB_PATH) == "launcher"
        context.close()

        context, page = new_page(browser, width=1100)  # beside the page, the panel is not modal
        page.goto(base + "/")
        page.locator("innkjop-assistant .launcher").click()
        assert page.locator("innkjop-assistant .panel").get_attribute("aria-modal") is None
        page.locator("innkjop-assistant button.close").click()
        assert page.evaluate(TAB_PATH) == "launcher"
        context.close()


def test_favicon_exists_and_the_widget_words_come_from_assistant_texts(app_settings, deps):
    from assistant.core.texts import WIDGET as WORDS

    with serve(create_app(app_settings, deps=deps)) as base:
        icon = httpx.get(base + "/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
        assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
        script = httpx.get(base + "/widget.js").text
    assert "/*STRINGS*/null" not in script
    for texts in WORDS.values():
        for text in texts.values():
            assert text in script, text
