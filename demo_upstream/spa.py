"""``/public/spa/``: a demo single-page app, the static files of ``static/spa/``.

The gateway relays ``/spa/`` here on an anonymous route without a token, so the page loads
before anyone signs in; its script then signs in through the gateway's JSON API and calls this
upstream through the gateway's ``/api/`` relay. The files carry their own
Content-Security-Policy (the gateway keeps an upstream's), which allows scripts, styles and
connections (fetch and WebSocket) to this origin only and no inline script at all.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from demo_upstream.guard import OPEN_ROUTE_PREFIX

SPA_DIR = Path(__file__).with_name("static") / "spa"
# Only these files, by name: nothing else under the directory can be asked for.
FILES = {
    "": ("index.html", "text/html"),
    "index.html": ("index.html", "text/html"),
    "app.js": ("app.js", "text/javascript"),
    "app.css": ("app.css", "text/css"),
    "icon.svg": ("icon.svg", "image/svg+xml"),
}
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/public/spa/{name:[^/]*}", spa_file, name=f"{OPEN_ROUTE_PREFIX}spa")


async def spa_file(request: web.Request) -> web.Response:
    entry = FILES.get(request.match_info["name"])
    if entry is None:
        raise web.HTTPNotFound(text='{"error": "no such file"}', content_type="application/json")
    filename, content_type = entry
    return web.Response(
        body=(SPA_DIR / filename).read_bytes(), content_type=content_type, charset="utf-8",
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            # Small files that change with the code: always ask again (ETag-less, so fetched).
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        })
