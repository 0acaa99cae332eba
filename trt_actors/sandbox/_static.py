"""The page's files (HTML, CSS, JS), shipped as package data in `static/` and served as is.

Only the files named in `STATIC_TYPES` are served; they are read once, when the server
starts. Every answer carries a Content-Security-Policy that allows scripts and styles from
this origin only, so even a rendering mistake cannot run a bot's text as code.
"""

from __future__ import annotations

from importlib import resources

from trt_actors.web import Request, Response, Router

STATIC_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "render.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
#: Images and media may come from any emulator's port (or a URL the bot sent); the page
#: talks only to its own origin and to its chat websocket.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data: blob:; "
    "media-src *; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
}


def load_static() -> dict[str, bytes]:
    """Read every page file from the package; raises FileNotFoundError if one is missing."""
    folder = resources.files("trt_actors.sandbox") / "static"
    return {name: (folder / name).read_bytes() for name in STATIC_TYPES}


def add_static_routes(router: Router, files: dict[str, bytes]) -> None:
    """Serve `/` (the page) and `/static/{name}` (its scripts and styles)."""

    async def page(request: Request) -> Response:
        return _file("index.html", files)

    async def asset(request: Request) -> Response:
        return _file(request.params["name"], files)

    router.add("GET", "/", page)
    router.add("GET", "/static/{name}", asset)


def _file(name: str, files: dict[str, bytes]) -> Response:
    body = files.get(name)
    if body is None:
        return Response.text("not found", 404, headers=HEADERS)
    return Response.bytes(body, STATIC_TYPES[name], headers=HEADERS)
