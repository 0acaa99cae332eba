"""The sandbox's page in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Chromium comes from `scripts/install-services.sh`; Playwright never downloads a browser here.
When Chromium is missing this test fails: a skipped browser test would hide a broken page.

Screenshots are kept as artifacts, named `<what>-<width>.png`: in
`$TRT_TEST_ARTIFACTS/screenshots/<test>/` when that variable is set, else in `screenshots/`
under the test's temporary folder (`/tmp/pytest-of-$USER/pytest-<N>/<test>0/`; pytest keeps
the last three runs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect, sync_playwright

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
ARTIFACTS_VARIABLE = "TRT_TEST_ARTIFACTS"
WIDTHS = (360, 390, 1280)  # two phones and a desktop
HEIGHT = 800


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


def screenshots(tmp_path: Path) -> Path:
    """Where this test's screenshots go: `$TRT_TEST_ARTIFACTS/screenshots/<test>/` when that
    variable is set (kept across runs), else `screenshots/` in the test's temporary folder."""
    kept = os.environ.get(ARTIFACTS_VARIABLE)
    folder = Path(kept) / "screenshots" / tmp_path.name if kept else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # this run's pictures only
        old.unlink()
    return folder


def as_person(page: Page, key: str, name: str) -> None:
    page.click(f"#people button[data-key={key}]")
    expect(page.locator("#status")).to_have_text(f"connected as {name}", timeout=WAIT_MS)


def send(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")
    expect(page.locator(".msg.user .text").last).to_have_text(text, timeout=WAIT_MS)


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def cut_labels(keyboard: Locator) -> list[str]:
    """The buttons whose label does not fit on one line in their button."""
    return list(
        keyboard.evaluate_all(
            "buttons => buttons.filter(b => b.scrollWidth > b.clientWidth + 1"
            " || b.getClientRects().length !== 1).map(b => b.textContent)"
        )
    )


@pytest.mark.subprocess
def test_the_page_fits_phones_and_desktops_and_keyboards_get_a_message_s_width(
    sandbox: SandboxProcess, browser: BrowserContext, tmp_path: Path
) -> None:
    url = sandbox.wait_ready()
    problems: list[str] = []
    page = open_page(browser, url + "#admin", problems)
    expect(page.locator("#status")).to_have_text("connected as Admin", timeout=WAIT_MS)
    send(page, "/start")
    tutorial = page.locator(".msg.bot .keyboard").last
    expect(tutorial).to_be_visible(timeout=WAIT_MS)
    send(page, "/admin")
    panel = page.locator(".msg.bot", has_text="Admin panel").last
    expect(panel.locator(".keyboard .button").first).to_be_visible(timeout=WAIT_MS)
    folder = screenshots(tmp_path)

    for width in (*WIDTHS, 1000):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_timeout(100)  # a layout pass
        assert overflow(page) == 0, f"{width} px: the page is wider than the window"
        expect(page.locator("#send")).to_be_in_viewport(ratio=1)
        expect(page.locator("#text")).to_be_in_viewport(ratio=1)
        box = panel.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        if width >= 1000:  # Telegram's width for a message with buttons: none is cut
            assert box["width"] >= 540, f"{width} px: the keyboard is squeezed to {box}"
            assert cut_labels(panel.locator(".keyboard .button")) == []
        page.screenshot(path=str(folder / f"admin-panel-{width}.png"))

    as_person(page, "ann", "Ann")  # a user's chat at each width, with the composer in use
    send(page, "/start")
    expect(page.locator(".msg.bot .keyboard .button").first).to_be_visible(timeout=WAIT_MS)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.fill("#text", "a long line typed on a phone to see the box keep its place " * 3)
        page.wait_for_timeout(100)
        assert overflow(page) == 0, f"{width} px: the page is wider than the window"
        expect(page.locator("#send")).to_be_in_viewport(ratio=1)
        page.screenshot(path=str(folder / f"chat-{width}.png"))
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(
        [f"admin-panel-{w}.png" for w in (*WIDTHS, 1000)] + [f"chat-{w}.png" for w in WIDTHS]
    )
    assert problems == []
    code, _ = sandbox.stop()
    assert code == 0, sandbox.log()


@pytest.mark.subprocess
def test_a_paid_invoice_shows_its_receipt_and_cannot_be_paid_again(
    sandbox: SandboxProcess, browser: BrowserContext, tmp_path: Path
) -> None:
    url = sandbox.wait_ready()
    problems: list[str] = []
    page = open_page(browser, url + "#chen", problems)
    expect(page.locator("#status")).to_have_text("connected as Chen", timeout=WAIT_MS)
    send(page, "/start")
    expect(page.locator(".msg.bot .keyboard").last).to_be_visible(timeout=WAIT_MS)
    send(page, "/topup")
    packages = page.locator(".msg.bot .keyboard .button", has_text="⭐ 50 →").last
    packages.click()
    pay = page.locator(".msg.bot .keyboard .button.pay").last
    expect(pay).to_have_text("Pay with ⭐ 50", timeout=WAIT_MS)
    invoice = page.locator(".msg.bot", has=page.locator(".invoice")).last
    message_id = invoice.get_attribute("data-message-id")

    pay.click()
    expect(page.locator(".msg.system").last).to_have_text("Paid ⭐ 50", timeout=WAIT_MS)
    receipt = page.locator(f".msg[data-message-id='{message_id}'] .keyboard .button")
    expect(receipt).to_have_text("🧾 Receipt · paid ⭐ 50", timeout=WAIT_MS)
    expect(receipt).to_be_disabled()
    expect(page.locator(f".msg[data-message-id='{message_id}'] .invoice-paid")).to_be_visible()
    credited = page.locator(".msg.bot .text", has_text="✅ Thank you!")
    expect(credited).to_have_count(1, timeout=WAIT_MS)

    again = page.evaluate(
        """async (id) => {
            const response = await fetch("/api/pay", {method: "POST",
                headers: {"content-type": "application/json"},
                body: JSON.stringify({user_id: 1000003, message_id: Number(id)})});
            return (await response.json()).result;
        }""",
        message_id,
    )
    assert again["status"] == "already_paid" and again["message"] is None  # nothing charged
    page.reload()  # what the chat's snapshot says: paid
    expect(receipt).to_be_disabled(timeout=WAIT_MS)
    page.wait_for_timeout(1000)  # a second credit would have come by now
    expect(page.locator(".msg.system", has_text="Paid ⭐")).to_have_count(1)
    expect(credited).to_have_count(1)
    page.screenshot(path=str(screenshots(tmp_path) / "paid-invoice-1280.png"))
    assert problems == []
    code, _ = sandbox.stop()
    assert code == 0, sandbox.log()
