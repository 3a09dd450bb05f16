"""A real headless Chromium (Debian's ``chromium``, installed by ``make test``) driven by Playwright.

Playwright drives the system binary (``executable_path``): its own browser download cannot work here.
Each ``Tab`` records what a test must be able to fail on: page errors, console errors (a CSP violation
is one), JavaScript dialogs (an injected ``alert`` would be one) and the requests the page made.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, Request, sync_playwright

ARTIFACTS = Path(os.environ.get("TINYAGENT_ARTIFACTS", Path(__file__).resolve().parent.parent / "build" / "artifacts"))
# Without the background-networking flags Chromium keeps trying to reach Google on a closed network.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    path = os.environ.get("TINYAGENT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError(
            "No Chromium for the console tests: `make test` installs Debian's chromium package; "
            "elsewhere install Chromium and set TINYAGENT_CHROMIUM to its binary."
        )
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(FLAGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"console-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def tab(browser: Browser) -> Iterator[Tab]:
    """A page in a fresh context (its own session storage), 1280 px wide."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    record = Tab(page)
    page.on("pageerror", lambda exc: record.errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: record.errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (record.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: record.requests.append(request))
    try:
        yield record
    finally:
        context.close()
