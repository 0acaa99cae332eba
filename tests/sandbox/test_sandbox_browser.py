"""The sandbox's page in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Chromium comes from `scripts/install-services.sh`; Playwright never downloads a browser here.
When Chromium is missing this test fails: a skipped browser test would hide a broken page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from .process import SandboxProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 10_000


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: run `bash scripts/install-services.sh` (Debian's chromium)"
    )
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    workdir = tmp_path / "sandbox"
    workdir.mkdir()
    process = SandboxProcess(workdir)
    try:
        yield process
    finally:
        process.kill()


def open_page(browser: BrowserContext, url: str, problems: list[str]) -> Page:
    page = browser.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.goto(url)
    return page


@pytest.mark.subprocess
def test_start_then_press_a_menu_button_in_chromium(
    sandbox: SandboxProcess, browser: BrowserContext, tmp_path: Path
) -> None:
    url = sandbox.wait_ready()
    problems: list[str] = []
    page = open_page(browser, url, problems)
    expect(page.locator("#status")).to_have_text("connected as Ann", timeout=WAIT_MS)
    expect(page.locator("#people button[aria-pressed=true]")).to_contain_text("Ann")

    page.click("#start")
    expect(page.locator(".msg.user .text").last).to_have_text("/start", timeout=WAIT_MS)
    menu = page.locator(".msg.bot").filter(has=page.locator(".keyboard")).last
    expect(menu.locator(".keyboard button").first).to_be_visible(timeout=WAIT_MS)
    message_id = menu.get_attribute("data-message-id")
    before = menu.locator(".text").inner_text()

    menu.locator(".keyboard button").first.click()
    edited = page.locator(f".msg.bot[data-message-id='{message_id}']")
    expect(edited.locator(".text")).not_to_have_text(before, timeout=WAIT_MS)
    expect(edited.locator(".meta")).to_contain_text("edited")
    page.screenshot(path=str(tmp_path / "sandbox.png"))

    page.click("#people button[data-key=boris]")  # one click switches person
    expect(page.locator("#status")).to_have_text("connected as Boris", timeout=WAIT_MS)
    expect(page.locator("#chat .hint")).to_be_visible()
    page.fill("#text", "<b>not html</b>")
    page.press("#text", "Enter")
    expect(page.locator(".msg.user .text").last).to_have_text("<b>not html</b>", timeout=WAIT_MS)
    assert page.locator(".msg.user b").count() == 0

    assert problems == []
    code, _ = sandbox.stop()
    assert code == 0, sandbox.log()
