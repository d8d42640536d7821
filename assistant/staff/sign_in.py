"""Signing in to and out of `/staff`: the login page, local users' password form, the OpenID Connect
provider's redirect flow (`/staff/oidc/start` → the provider → `/staff/oidc/callback`) and sign-out, at the
provider too where it supports RP-initiated logout.

Routes only: the provider protocol is `assistant.staff.oidc`, users and sessions `assistant.staff.auth`.
A refused sign-in is a bokmål page with a 4xx status (502 when the provider cannot be reached), never a
redirect back into a new sign-in.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from assistant.core.texts import STAFF_ERRORS, STAFF_SIGN_IN
from assistant.errors import ConfigError
from assistant.platform.blocking import run_blocking
from assistant.staff import auth, oidc
from assistant.staff.web import LoggedIn, form_with_csrf, render, services

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.config import Settings
    from assistant.regions import Regions

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False)
LOGIN_CSRF = "staff_login_csrf"
SIGN_IN_COOKIE = "staff_sign_in"  # the state of the sign-in this browser started
CALLBACK = "/staff/oidc/callback"
SIGNED_OUT = "/staff/signed-out"


def mount(app: FastAPI, settings: Settings, regions: Regions) -> None:
    """The sign-in routes, and the provider client when one is configured (ConfigError for settings that
    leave nobody a way in, or map claims to regions that do not exist)."""
    if not settings.staff_oidc_issuer and not settings.staff_local_login:
        raise ConfigError(
            "staff_local_login is off and no staff_oidc_issuer is set: nobody could sign in to /staff.",
            code="no_staff_sign_in",
        )
    app.state.staff_oidc = oidc.OidcClient(settings, regions) if settings.staff_oidc_issuer else None
    app.include_router(router)


def _provider(request: Request) -> oidc.OidcClient | None:
    return getattr(request.app.state, "staff_oidc", None)


def _cookie_args(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/staff"}


def _inside_staff(target: str | None) -> str:
    """`target` if it is a path under /staff, else /staff (never another site)."""
    target = target or "/staff"
    return target if target.startswith("/staff") and not target.startswith("//") else "/staff"


def _public(request: Request, path: str) -> str:
    base = services(request).settings.staff_public_url or str(request.base_url)
    return base.rstrip("/") + path


def _refusal(request: Request, exc: oidc.SignInRefused):
    logger.info("staff sign-in refused", extra={"code": exc.code, "status": exc.status})
    response = render(
        request,
        "staff/sign_in_refused.html",
        exc.status,
        heading=STAFF_SIGN_IN.get(f"{exc.code}_heading", STAFF_SIGN_IN["refused_heading"]),
        code=exc.code,
        message=STAFF_SIGN_IN[exc.code].format(**exc.fields),
        person=exc.fields.get("person"),
        subject=exc.fields.get("subject"),
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/staff")
    return response


# ---- the login page and local users --------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str = "/staff", error: str | None = None):
    token = secrets.token_urlsafe(24)  # double-submit token: the form field must match the cookie
    settings = services(request).settings
    response = render(
        request,
        "staff/login.html",
        csrf=token,
        next=_inside_staff(next),
        error=error,
        local=settings.staff_local_login,
        provider_label=settings.staff_oidc_label if _provider(request) else None,
    )
    response.set_cookie(LOGIN_CSRF, token, max_age=3600, **_cookie_args(request))
    return response


@router.post("/login")
async def login(request: Request):
    svc = services(request)
    if not svc.settings.staff_local_login:
        return _refusal(request, oidc.SignInRefused("local_disabled", 403))
    form = await request.form()
    cookie, field = request.cookies.get(LOGIN_CSRF) or "", str(form.get("csrf") or "")
    if not cookie or not secrets.compare_digest(cookie, field):
        raise HTTPException(403, STAFF_ERRORS["login_expired"])
    target = _inside_staff(str(form.get("next") or ""))
    result = await run_blocking(
        auth.log_in,
        svc.db,
        str(form.get("username") or ""),
        str(form.get("password") or ""),
        hours=svc.settings.staff_session_hours,
    )
    if result is None:
        return render(
            request,
            "staff/login.html",
            401,
            csrf=cookie,
            next=target,
            error=STAFF_ERRORS["login_failed"],
            local=True,
            provider_label=svc.settings.staff_oidc_label if _provider(request) else None,
        )
    token, _ = result
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        auth.COOKIE, token, max_age=svc.settings.staff_session_hours * 3600, **_cookie_args(request)
    )
    response.delete_cookie(LOGIN_CSRF, path="/staff")
    return response


# ---- the provider --------------------------------------------------------------------------------------


@router.get("/oidc/start")
async def oidc_start(request: Request, next: str = "/staff"):
    provider = _provider(request)
    if provider is None:
        raise HTTPException(404, STAFF_SIGN_IN["no_provider"])
    try:
        url, pending = await provider.start(_public(request, CALLBACK), _inside_staff(next))
    except oidc.SignInRefused as exc:
        return _refusal(request, exc)
    await run_blocking(oidc.save_pending, services(request).db, pending)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        SIGN_IN_COOKIE, pending.state, max_age=oidc.SIGN_IN_MINUTES * 60, **_cookie_args(request)
    )
    return response


@router.get("/oidc/callback")
async def oidc_callback(request: Request):
    provider = _provider(request)
    if provider is None:
        raise HTTPException(404, STAFF_SIGN_IN["no_provider"])
    try:
        return await _finish(request, provider)
    except oidc.SignInRefused as exc:
        return _refusal(request, exc)


async def _finish(request: Request, provider: oidc.OidcClient):
    svc = services(request)
    query = request.query_params
    state, cookie = query.get("state") or "", request.cookies.get(SIGN_IN_COOKIE) or ""
    # The state must be the one this browser started with (a callback opened in another browser is a
    # login-CSRF attempt) and still pending (a used one is a replay).
    if not state or not cookie or not secrets.compare_digest(state, cookie):
        raise oidc.SignInRefused("sign_in_expired", 400)
    pending = await run_blocking(oidc.take_pending, svc.db, state)
    if pending is None:
        raise oidc.SignInRefused("sign_in_expired", 400)
    if query.get("error"):
        logger.info("provider refused the sign-in", extra={"error": query.get("error")[:64]})
        raise oidc.SignInRefused("provider_refused", 401)
    if not query.get("code"):
        raise oidc.SignInRefused("sign_in_expired", 400)
    identity, id_token = await provider.finish(pending, query["code"])
    if identity.access is None:
        raise oidc.SignInRefused("no_access", 403, person=identity.name, subject=identity.subject)
    token, _ = await run_blocking(
        auth.sign_in_provider_user,
        svc.db,
        identity,
        id_token=id_token,
        hours=svc.settings.staff_session_hours,
    )
    response = RedirectResponse(pending.next_path, status_code=303)
    response.set_cookie(
        auth.COOKIE, token, max_age=svc.settings.staff_session_hours * 3600, **_cookie_args(request)
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/staff")
    return response


# ---- signing out ---------------------------------------------------------------------------------------


@router.post("/logout")
async def logout(request: Request, login: LoggedIn):
    await form_with_csrf(request, login)
    await run_blocking(auth.log_out, services(request).db, request.cookies.get(auth.COOKIE))
    request.state.login = None  # the page after this shows nobody signed in
    provider = _provider(request)
    if login.id_token and provider is not None:
        url = await provider.logout_url(login.id_token, _public(request, SIGNED_OUT))
        # A page that moves on to the provider, not a redirect: the staff pages' CSP (`form-action 'self'`)
        # rightly stops a form's redirect to another site.
        response = render(
            request,
            "staff/signed_out.html",
            message=STAFF_SIGN_IN["signing_out" if url else "signed_out"],
            provider_url=url,
            continue_label=STAFF_SIGN_IN["signing_out_continue"],
        )
    else:
        response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/staff")
    return response


@router.get("/signed-out")
async def signed_out(request: Request):
    return render(request, "staff/signed_out.html", message=STAFF_SIGN_IN["signed_out"])
