"""A tiny router: method + path pattern → handler, with per-route limits.

Patterns are literal paths with `{name}` placeholders matching one path segment (or part
of one: `/bot{token}/{method}`), and `{name:path}` matching the rest of the path, slashes
included (`/file/bot{token}/{file_path:path}`). Matching runs on the raw path, so an
encoded slash (`%2F`) stays inside its segment; parameters are percent-decoded after.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from trt_actors.web._request import Request
from trt_actors.web._response import Response

Handler = Callable[[Request], Awaitable[Response]]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(path))?\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One route. `None` limits mean "use the server's default"."""

    methods: frozenset[str]
    pattern: str
    handler: Handler
    max_body_bytes: int | None
    handler_timeout: float | None
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A route that matched a request, with its decoded path parameters."""

    route: Route
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class NotFound:
    """No route has this path."""


@dataclass(frozen=True, slots=True)
class MethodNotAllowed:
    """Routes have this path but not this method; `allowed` lists the methods they take."""

    allowed: tuple[str, ...]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn a route pattern into an anchored regular expression with named groups."""
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern must start with '/': {pattern!r}")
    parts: list[str] = []
    position = 0
    for found in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[position : found.start()]))
        name, kind = found.group(1), found.group(2)
        parts.append(f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)")
        position = found.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts) + r"\Z")


class Router:
    """Routes requests to handlers. Routes are tried in the order they were added.

    HEAD is answered by a route's GET handler (the server drops the body) unless a route
    declares HEAD itself.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    def add(
        self,
        methods: str | Iterable[str],
        pattern: str,
        handler: Handler,
        *,
        max_body_bytes: int | None = None,
        handler_timeout: float | None = None,
    ) -> Route:
        """Register `handler` for `methods` (e.g. "POST" or ("GET", "POST")) on `pattern`."""
        names = (methods,) if isinstance(methods, str) else tuple(methods)
        route = Route(
            methods=frozenset(m.upper() for m in names),
            pattern=pattern,
            handler=handler,
            max_body_bytes=max_body_bytes,
            handler_timeout=handler_timeout,
            regex=compile_pattern(pattern),
        )
        self._routes.append(route)
        return route

    def route(
        self,
        methods: str | Iterable[str],
        pattern: str,
        *,
        max_body_bytes: int | None = None,
        handler_timeout: float | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""

        def register(handler: Handler) -> Handler:
            self.add(
                methods,
                pattern,
                handler,
                max_body_bytes=max_body_bytes,
                handler_timeout=handler_timeout,
            )
            return handler

        return register

    def match(self, method: str, path: str) -> RouteMatch | NotFound | MethodNotAllowed:
        """Find the route for `method` and the raw (percent-encoded) `path`."""
        allowed: set[str] = set()
        for route in self._routes:
            found = route.regex.match(path)
            if found is None:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods):
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                return RouteMatch(route, params)
            allowed |= route.methods
        if not allowed:
            return NotFound()
        if "GET" in allowed:
            allowed.add("HEAD")
        return MethodNotAllowed(tuple(sorted(allowed)))
