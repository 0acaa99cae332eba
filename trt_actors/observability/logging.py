"""Structured logging: JSON lines in production, readable lines on a terminal.

Every event has a name (`event`), a time, a level, the actor and the tenant (from the task's
context; `main` and null outside actors) and a correlation id when one is bound. A redaction
step runs last over every field, so bot tokens, keys and URL passwords never reach the output,
not even inside exception text. Logs of libraries (httpx, telegram, psycopg) go through the
same pipeline.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from .redaction import redactor

LogFormat = Literal["json", "console"]
# Below WARNING these log every request or frame, URLs (with their query) included.
_NOISY_LIBRARIES = ("httpx", "httpcore", "telegram", "hpack", "urllib3", "trio-websocket")


def _identity_defaults(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.setdefault("actor", "main")
    event.setdefault("tenant", None)
    return event


def _redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    return {key: redactor.value(value) for key, value in event.items()}


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _identity_defaults,
    ]


def configure_logging(
    level: str = "info", fmt: LogFormat | None = None, stream: TextIO | None = None
) -> None:
    """Set up structlog and the standard library's logging. Safe to call again.

    `fmt=None` picks console lines when `stream` is a terminal, JSON lines otherwise.
    """
    stream = stream or sys.stderr
    if fmt is None:
        fmt = "console" if stream.isatty() else "json"
    renderer: Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        tail: list[Processor] = [structlog.processors.format_exc_info, _redact, renderer]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
        tail = [structlog.processors.format_exc_info, _redact, renderer]
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*_shared_processors(), *tail],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(numeric, stream, tail)


def _route_standard_logging(numeric: int, stream: TextIO, tail: list[Processor]) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_shared_processors(), _logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for name in _NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))


def _logger_name(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    record: Any = event.get("_record")
    if record is not None:
        event["logger"] = record.name
    return event
