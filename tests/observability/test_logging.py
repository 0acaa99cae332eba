"""Structured logs: one JSON object per line, identity fields, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from trt_actors.observability.logging import configure_logging
from trt_actors.observability.redaction import Redactor, redact_url, redactor

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
KIE_KEY = "kie-9f8e7d6c5b4a39281706"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    old = structlog.get_config()
    redactor.register([KIE_KEY])
    configure_logging("debug", "json", stream)
    try:
        yield stream
    finally:
        structlog.configure(**old)
        logging.getLogger().handlers.clear()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_event_has_a_name_time_level_actor_and_tenant(output: io.StringIO) -> None:
    structlog.get_logger().info("inbox.appended", update_id=7)
    with structlog.contextvars.bound_contextvars(
        actor="outbound", tenant="t1", correlation_id="c9"
    ):
        structlog.get_logger().warning("outbound.retry")
    first, second = lines(output)
    assert first["event"] == "inbox.appended" and first["level"] == "info"
    assert first["actor"] == "main" and first["tenant"] is None and "timestamp" in first
    assert (second["actor"], second["tenant"], second["correlation_id"]) == ("outbound", "t1", "c9")


def test_secrets_are_removed_from_fields_and_exception_text(output: io.StringIO) -> None:
    log = structlog.get_logger()
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage: 502")
    except RuntimeError:
        log.exception("outbound.failed", key=KIE_KEY, url="postgresql://app:hunter22@db/trt")
    text = output.getvalue()
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert KIE_KEY not in text and "hunter22" not in text
    [event] = lines(output)
    assert "bot***/sendMessage" in str(event["exception"])
    assert event["url"] == "postgresql://app:***@db/trt"


def test_standard_library_logs_go_through_the_same_pipeline(output: io.StringIO) -> None:
    logging.getLogger("psycopg.pool").warning("connection to %s lost", "postgresql://u:pw1234@h/d")
    [event] = lines(output)
    assert event["logger"] == "psycopg.pool"
    assert event["event"] == "connection to postgresql://u:***@h/d lost"


def test_redactor_masks_registered_values_and_shapes() -> None:
    r = Redactor()
    r.register(["abc", "long-secret-value", None])  # too short values are not masked
    assert r.text("abc long-secret-value") == "abc ***"
    assert r.value({"a": [f"t={TOKEN}"], "n": 3}) == {"a": ["t=***"], "n": 3}
    assert redact_url("redis://:pw@localhost:6379/0") == "redis://:***@localhost:6379/0"
    assert redact_url("sqlite:///./data/trt.db") == "sqlite:///./data/trt.db"
