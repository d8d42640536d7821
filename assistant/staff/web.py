"""Plumbing of the staff web app: templates, the login dependency, CSRF checks and region scoping.

Every page and API under `/staff` (except the login form) depends on `login_required`: without a valid
session a page redirects to the login form and `/staff/api/…` and exports answer 401 JSON. Forms are
checked with `form_with_csrf`. `scope` turns a requested region into what the user may see (403 for a
staff user asking for another region).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from assistant.core.texts import (
    STAFF_ACTIONS,
    STAFF_ERRORS,
    STAFF_RATINGS,
    STAFF_REASONS,
    STAFF_ROLES,
    STAFF_STATUS,
)
from assistant.errors import AssistantError
from assistant.platform.blocking import run_blocking
from assistant.regions import region_id
from assistant.staff import auth
from assistant.staff.log import STATUSES, LogFilter

WORDS = {
    "status": STAFF_STATUS,
    "reasons": STAFF_REASONS,
    "ratings": STAFF_RATINGS,
    "roles": STAFF_ROLES,
    "actions": STAFF_ACTIONS,
}


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(resources.files("assistant").joinpath("templates")))


class LoginRequired(Exception):
    """Raised by `login_required` for a page; the app turns it into a redirect to the login form."""


def services(request: Request) -> Any:
    return request.app.state.services


async def login_required(request: Request) -> auth.Login:
    svc = services(request)
    login = await run_blocking(
        auth.current, svc.db, request.cookies.get(auth.COOKIE), local=svc.settings.staff_local_login
    )
    if login is None:
        path = request.url.path
        if path.startswith(("/staff/api", "/staff/export")):
            raise HTTPException(401, "Log in at /staff/login first.")
        raise LoginRequired(path)
    request.state.login = login
    return login


async def admin_required(login: Annotated[auth.Login, Depends(login_required)]) -> auth.Login:
    if not login.user.is_admin:
        raise HTTPException(403, STAFF_ERRORS["admin_only"])
    return login


LoggedIn = Annotated[auth.Login, Depends(login_required)]
Admin = Annotated[auth.Login, Depends(admin_required)]


async def form_with_csrf(request: Request, login: auth.Login) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    if not auth.csrf_ok(login, str(form.get("csrf") or "")):
        raise HTTPException(403, STAFF_ERRORS["csrf"])
    return {key: form.getlist(key) if key.endswith("[]") else form.get(key) for key in form}


def scope(login: auth.Login, region: str | None) -> LogFilter:
    """What the user may see for a requested region: staff see their own region only."""
    wanted = region_id(region)
    if login.user.is_admin:
        return LogFilter(region=wanted)
    if wanted and wanted != login.user.region:
        raise HTTPException(403, STAFF_ERRORS["own_region"])
    return LogFilter(regions=[login.user.region or ""])


def log_filter(
    login: auth.Login,
    region: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> LogFilter:
    f = scope(login, region)
    f.channel = channel or None
    if status and status not in STATUSES:
        raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}")
    f.status = status or None
    try:
        f.since = date.fromisoformat(since) if since else None
        f.until = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise HTTPException(422, STAFF_ERRORS["bad_date"]) from exc
    return f


def staff_error(exc: AssistantError) -> str:
    """A staff form's problem in bokmål (the code's text, or the exception's own message if unknown)."""
    return STAFF_ERRORS.get(exc.code, exc.message).format(min=auth.MIN_PASSWORD)


def render(request: Request, name: str, status_code: int = 200, **context) -> Any:
    login = getattr(request.state, "login", None)
    return templates().TemplateResponse(
        request,
        name,
        {"login": login, "regions": request.app.state.regions, "words": WORDS, **context},
        status_code=status_code,
    )
