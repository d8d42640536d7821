"""Helpers for the staff tests: a small real store that tests may change, staff users, and logging in
through the real login form (CSRF token read from the page, as a browser would)."""

from __future__ import annotations

import re
from pathlib import Path

from widget_support import ingest_documents

from assistant.config import Settings
from assistant.platform.db import Database
from assistant.staff.auth import add_user

PASSWORD = "riktig-passord-123"
DOCUMENTS = {
    "miljo.md": """---
title: Miljøkrav i anskaffelser
source: https://anskaffelser.no/miljo
kind: faq
---
## Hvor mye skal klima og miljø vektes?

Klima og miljø skal vektes med minst 30 prosent når klima og miljø brukes som tildelingskriterium.
Kravet gjelder fra 1. januar 2024 etter forskrift om offentlige anskaffelser § 7-9.
""",
    "terskel.md": """---
title: Terskelverdier
source: https://anskaffelser.no/terskel
kind: law
---
## Nasjonal terskelverdi

Den nasjonale terskelverdien for offentlige anskaffelser er 1,3 millioner kroner eksklusive merverdiavgift.
""",
}
UNANSWERED = "Hvem er kontaktperson for innkjøpsstøtte i Vestland fylkeskommune?"


def staff_store(root: Path, **overrides) -> Settings:
    settings = ingest_documents(root, DOCUMENTS)
    return settings.model_copy(update={"rate_limit_per_minute": 10_000, **overrides})


def add_staff(settings: Settings) -> None:
    db = Database(settings.sqlalchemy_url)
    db.create_all()
    add_user(db, "vest", PASSWORD, role="staff", region="Vestland")
    add_user(db, "nord", PASSWORD, role="staff", region="nordland")
    add_user(db, "admin", PASSWORD, role="admin", region=None)
    db.engine.dispose()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def log_in(client, username: str, password: str = PASSWORD):
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text), "next": "/staff/queue"},
        follow_redirects=False,
    )
