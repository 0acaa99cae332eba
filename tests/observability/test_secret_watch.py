"""The secret watch of the test kit: it sees what the production log pipeline writes, finds a
secret in every form a line could carry it, and leaves the logging as it found it."""

from __future__ import annotations

import logging
from urllib.parse import quote

import structlog

from trt_actors.settings import Settings
from trt_actors.testing.secret_watch import capturing_logs

TOKEN = "7000000001:AAEmulatorTokenForTestsOnly_0123456789"
OPS = "ops-token-that-nobody-registered"
PASSWORD = "p@ss:w/rd#42"


def settings() -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        ops_token=OPS,
        database_url=f"postgresql://app:{quote(PASSWORD, safe='')}@db.example/trt",
    )


def test_a_secret_the_pipeline_does_not_mask_is_found_in_every_form() -> None:
    with capturing_logs() as watch:
        watch.add_settings(settings())
        log = structlog.get_logger("test")
        log.info("plain", value=OPS)
        log.info("encoded", url=f"https://x.example/?t={quote(OPS + '/', safe='')}")
        log.info("repr", value=repr([OPS]))
        logging.getLogger("psycopg").warning("connecting with %s", PASSWORD)
        log.info("clean", value="nothing to see")
    leaks = watch.leaks()
    assert [leak.label for leak in leaks] == ["ops_token"] * 3 + ["database_url"]
    assert all(OPS not in str(leak).split(" in: ")[0] for leak in leaks)  # labels, not values
    assert '"event": "clean"' in watch.text() or '"event":"clean"' in watch.text()


def test_what_the_pipeline_masks_is_no_leak() -> None:
    with capturing_logs() as watch:
        watch.add_settings(settings())
        structlog.get_logger("test").warning("bot_api.error", url=f"/bot{TOKEN}/getMe")
    assert TOKEN not in watch.text() and "/bot***/getMe" in watch.text()
    assert watch.leaks() == []


def test_the_previous_configuration_is_back_afterwards() -> None:
    before = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with capturing_logs():
        pass
    assert structlog.get_config() == before
    assert root.handlers == handlers and root.level == level
