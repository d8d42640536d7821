"""Shared fixtures. Each test gets its own settings and temp dirs; nothing depends on the developer's env.

`ingested` is one real ingest of corpus/ with the real packaged model into a real Chroma on a temp dir,
shared by the session (read-only for tests). Tests that change the store build their own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from assistant.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIELD = ROOT / "tests" / "eval" / "field"  # documents in the shapes real sources have, and their questions
PUBLIC_EVAL = ROOT / "tests" / "eval" / "public.jsonl"  # byte copy of the public set, so every clone has it

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def unavailable(message: str) -> NoReturn:
    """A tool the test needs is missing: skip on a developer's machine, fail under CI (`.ci/run` sets CI and
    installs every tool), so a missing install step can never hide a whole file of tests."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def make_settings(data_dir: Path, **overrides) -> Settings:
    """Settings isolated from the environment and any .env file."""
    values = {"data_dir": data_dir, "corpus_dirs": [CORPUS], "chroma_url": None, "database_url": None}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def write_documents(folder: Path, documents: dict[str, str]) -> Path:
    """A folder holding `documents` (file name → text), for tests that ingest their own small corpus."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def ingested(tmp_path_factory) -> Settings:
    """Settings pointing at a store holding the real corpus, embedded with the real packaged model."""
    from ingest.pipeline import run

    settings = make_settings(tmp_path_factory.mktemp("store"))
    report = run(settings, [CORPUS])
    assert not report.plan.errors, report.plan.errors
    return settings


@pytest.fixture(scope="session")
def field_deps(tmp_path_factory):
    """The core over the field documents (HTML pages, PDFs, DOCX, pasted text), ingested with the real model."""
    from assistant.core.answer import build_deps
    from ingest.pipeline import run

    settings = make_settings(tmp_path_factory.mktemp("field"), corpus_dirs=[FIELD / "docs"])
    report = run(settings, [FIELD / "docs"])
    assert not report.plan.errors, report.plan.errors
    return build_deps(settings)


@pytest.fixture(scope="session")
def deps(ingested):
    from assistant.core.answer import build_deps

    return build_deps(ingested)


@pytest.fixture
def app_settings(ingested, tmp_path) -> Settings:
    """The shared store with a fresh SQLite database for this test."""
    return ingested.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'test.db'}"})


@pytest.fixture
def client(app_settings, deps):
    """A TestClient over the real app, real core and real store (lifespan run)."""
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app(app_settings, deps=deps)) as test_client:
        yield test_client


# ---- browser tests: one headless Chromium (Debian's package via Playwright) per module ----------------
# Never `playwright install`: `.ci/run` installs Debian's chromium. Missing: skip locally, fail under CI.

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


# The container smoke test's timings (tests/deploy), printed in pytest's closing summary so CI's log shows them.
# They live here, not in a tests/deploy/conftest.py: a second module named `conftest` shadows this one for the
# tests that `from conftest import …`.
STACK_TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def stack_timings(pytestconfig) -> dict[str, float]:
    """step → seconds; tests/deploy/test_container_stack.py fills it."""
    return pytestconfig.stash.setdefault(STACK_TIMINGS, {})


def pytest_terminal_summary(terminalreporter, config) -> None:
    timings = config.stash.get(STACK_TIMINGS, {})
    if timings:
        terminalreporter.section("container stack timings")
        for step, seconds in timings.items():
            terminalreporter.write_line(f"{step}: {seconds:.0f} s")
