"""Security headers on every HTTP response (a pure ASGI middleware, so streamed answers are not buffered).

- all responses: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`;
- HTML pages (demo page, staff app): a Content-Security-Policy the widget and the staff pages work under —
  scripts only from this origin (`/widget.js`; no inline script anywhere), inline styles allowed (the widget
  styles its shadow root with a `<style>` element, the staff templates use style attributes), fetches only to
  this origin, no plugins, no `<base>`, framing only by this origin (`frame-ancestors`, `X-Frame-Options`);
- the OpenAPI pages (`/docs`, `/redoc`) load FastAPI's Swagger/ReDoc bundle from its CDN, so they get a
  policy that allows exactly that;
- everything else (JSON, SSE, the widget script): `default-src 'none'; frame-ancestors 'none'`.

`widget.js` deliberately gets no `Cross-Origin-Resource-Policy`: intranet pages on other origins embed it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                for name, value in _headers_for(path, content_type):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers_for(path: str, content_type: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
    if path.startswith(DOCS_PATHS):
        policy = DOCS_POLICY
    elif content_type.startswith(b"text/html"):
        policy = PAGE_POLICY
        headers.append((b"x-frame-options", b"SAMEORIGIN"))
    else:
        policy = API_POLICY
    headers.append((b"content-security-policy", policy.encode()))
    return headers
