"""`create_app(settings)`: the FastAPI application. The lifespan opens the store and database and loads
the embedding model once; routes live in `assistant.channels`. Errors always leave as
`{"error": {"code", "message"}}` with a 4xx/5xx status, never as a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import __version__
from assistant.config import Settings
from assistant.core.answer import Deps, build_deps
from assistant.errors import AssistantError, ChannelAuthError, InputError, StoreError
from assistant.platform.db import Database
from assistant.platform.logs import configure_logging
from assistant.platform.process import limit_malloc_arenas
from assistant.services import Services

log = logging.getLogger(__name__)


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _status_for(exc: AssistantError) -> int:
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ChannelAuthError):
        return 401
    if isinstance(exc, StoreError):
        return 503
    return 500


# What `answer.validate` accepts, as JSON Schema: after stripping, at least one character, none of them
# NUL (lone surrogates cannot be sent as JSON text). Python's `\s` is `str.strip`'s whitespace.
QUESTION_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def document_question_limits(app: FastAPI, settings: Settings) -> None:
    """OpenAPI for every request body with a `question`: the limits `answer.validate` enforces (a 400 with
    a stable code, not a 422), so a request the schema allows is one the API accepts."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            for model in schema.get("components", {}).get("schemas", {}).values():
                question = model.get("properties", {}).get("question")
                if (
                    question is not None
                    and question.get("type") == "string"
                    and "question" in model.get("required", [])
                ):
                    question.update(
                        minLength=1, maxLength=settings.max_question_chars, pattern=QUESTION_PATTERN
                    )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _start_refresher(app: FastAPI, settings: Settings, db: Database) -> asyncio.Task | None:
    """Refresh due sources in the background (docs/sources.md); `refresh_check_seconds` 0 turns it off."""
    if settings.refresh_check_seconds <= 0:
        return None
    from assistant.staff.sources import review_changes
    from ingest.web.scheduler import Refresher

    app.state.refresher = Refresher(settings, db, review_changes(db))
    return asyncio.create_task(app.state.refresher.run_forever(), name="source-refresher")


def create_app(settings: Settings, *, deps: Deps | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(settings.sqlalchemy_url, user_hash_key=settings.user_hash_key)
        db.create_all()
        app.state.services = Services(settings, deps or build_deps(settings), db)
        refreshing = _start_refresher(app, settings, db)
        yield
        if refreshing is not None:
            refreshing.cancel()
        db.engine.dispose()

    app = FastAPI(
        title="Innkjøpsassistent API",
        version=__version__,
        description="Cited answers on environmental and social responsibility in public procurement.",
        lifespan=lifespan,
    )

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = _status_for(exc)
        retry = {"Retry-After": "5"} if status == 503 else None  # store or database down: worth retrying
        return JSONResponse(error_body(exc.code, exc.message), status_code=status, headers=retry)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ())[1:]) or 'body'}: {err.get('msg')}"
            for err in exc.errors()
        )
        return JSONResponse(error_body("invalid_request", problems or "Invalid request."), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(SQLAlchemyError)
    async def database_error(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        if isinstance(exc, DataError):  # the database refused a value (e.g. NUL in PostgreSQL text): input
            return JSONResponse(
                error_body("invalid_text", "The request contains characters that cannot be stored."),
                status_code=400,
            )
        # Database down or restarting: a clear 503 that clients may retry; the pool reconnects by itself.
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            error_body("database_unavailable", "The database cannot be reached; try again shortly."),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side."), status_code=500
        )

    from assistant.channels import stream, web
    from assistant.channels.headers import SecurityHeadersMiddleware
    from assistant.channels.limits import RateLimiter
    from assistant.platform.metrics import MetricsMiddleware

    if settings.cors_origins:  # empty: no CORS headers, so browsers allow the same origin only
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.include_router(web.router)
    app.include_router(stream.router)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if not settings.user_hash_key and (settings.slack_bot_token or settings.microsoft_app_id):
        log.warning(
            "ASSISTANT_USER_HASH_KEY is not set: Slack and Teams user ids in the question log are hashed "
            "without a secret, so anyone with the log could test which user asked. Set it in production."
        )
    if settings.slack_bot_token and settings.slack_signing_secret:
        from assistant.channels import slack

        slack.mount(app, settings)
    if settings.microsoft_app_id or settings.teams_auth_disabled:
        from assistant.channels import teams

        teams.mount(app, settings)
    from assistant.channels.notify import tell_buyer
    from assistant.staff import routes as staff

    # The Teams bot exists only once Teams is mounted; the live settings are the services' (tests swap them).
    async def tell_buyer_here(live: Settings, entry, reply) -> str | None:
        return await tell_buyer(live, entry, reply, teams=getattr(app.state, "teams_bot", None))

    app.state.tell_buyer = tell_buyer_here
    staff.mount(app, settings)
    document_question_limits(app, settings)
    return app


def app_from_env() -> FastAPI:
    """The app with settings from the environment: for `uvicorn --factory assistant.app:app_from_env`.

    `assistant serve --workers N` starts its workers this way, since each worker builds its own app.
    """
    settings = Settings()
    limit_malloc_arenas(settings.malloc_arenas)
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
