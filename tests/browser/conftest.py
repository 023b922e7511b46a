"""Browser fixtures: Debian's Chromium, driven by Playwright, against the whole local stack.

One stack serves the folder (`stack`, package-scoped, the same `RunningStack` the
end-to-end tests use); one browser serves the session, and each test gets fresh
contexts (`open_page`), so cookies and storage never leak between people.

Every page records what its console says. A console error or an uncaught
exception fails the test, unless the test named that very request as one it
makes fail on purpose (`Pages.expect_failed_request`: its status and its URL).
A failing test leaves a screenshot of each of its pages under
`test-output/browser/<test>/`: the hook below for a failed call, `Pages.check`
for a console error (found only after the call, when the pages are closed).
Chromium missing is a failure, never a skip: `.ci/run` installs it first.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import RunningStack, running_stack

_HERE = Path(__file__).parent
OUTPUT = _HERE.parent.parent / "test-output" / "browser"
CHROMIUM = os.environ.get("RETAKE_CHROMIUM", "/usr/bin/chromium")
#: The flags Chromium needs in a container: no sandbox, no GPU, no background traffic.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = ViewportSize(width=1280, height=860)
PHONE = ViewportSize(width=390, height=844)
#: How long the page may take to show the outcome of a command (queue, worker, projection).
SETTLE_MS = 30_000
expect.set_options(timeout=SETTLE_MS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: Chromium driving the web page on the local stack")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser` (deselect with -m 'not browser')."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """After a failed call, a screenshot of every page the test opened."""
    report = yield
    if call.when == "call" and report.failed:
        pages: Pages | None = getattr(item, "_retake_pages", None)
        if pages is not None:
            for path in pages.screenshot_all(OUTPUT / _safe(item.nodeid)):
                report.sections.append(("browser", f"screenshot: {path}"))
    return report


def _safe(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:120]


def api_call(stack: RunningStack, path: str) -> str:
    """A regex for the URL of one call to the API (whatever its query string)."""
    return f"^{re.escape(stack.api_url)}{re.escape(path)}(\\?.*)?$"


def cognito(stack: RunningStack) -> str:
    """A regex for the URL of Cognito's JSON API (one URL for every action)."""
    return f"^{re.escape(stack.info.endpoint.rstrip('/'))}/?$"


# -- the stack and the browser ------------------------------------------------------------


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The whole local stack for the browser tests."""
    data_dir = tmp_path_factory.mktemp("retake-browser")
    with running_stack(data_dir, idle_timeout_seconds=300) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (Playwright cannot download its own here)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install it (apt-get install -y chromium) "
            "or set RETAKE_CHROMIUM. The browser tests never skip.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


# -- pages that watch their console -------------------------------------------------------


@dataclass(frozen=True)
class FailedRequest:
    """A request a test makes fail on purpose: the status it gets and where it goes."""

    status: int
    url: re.Pattern[str]

    def explains(self, message: ConsoleMessage) -> bool:
        """Whether this is Chromium's report of that failure (it names the URL as the source)."""
        return f"status of {self.status} " in message.text and bool(
            self.url.search(message.location.get("url", ""))
        )


@dataclass
class Pages:
    """The pages a test opened, and every console error or uncaught exception they had."""

    browser: Browser
    site_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: list[tuple[str, Page]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Requests a test makes fail on purpose (a 4xx a journey provokes).
    expected: list[FailedRequest] = field(default_factory=list)

    def open(
        self, name: str, viewport: ViewportSize | None = None, timezone_id: str = "UTC"
    ) -> Page:
        """A new person's browser (own context: own storage), at the site's front page."""
        context = self.browser.new_context(
            viewport=viewport or DESKTOP,
            accept_downloads=True,
            locale="en-GB",
            timezone_id=timezone_id,
        )
        context.set_default_timeout(SETTLE_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._console(name, message))
        page.on("pageerror", lambda error: self.errors.append(f"{name}: uncaught {error}"))
        self.pages.append((name, page))
        page.goto(self.site_url)
        return page

    def expect_failed_request(self, status: int, url: str) -> None:
        """Excuse the console error Chromium logs when a request to `url` (a regex) fails."""
        self.expected.append(FailedRequest(status, re.compile(url)))

    def _console(self, name: str, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if not any(failed.explains(message) for failed in self.expected):
            self.errors.append(f"{name}: console error {message.text!r} at {message.location}")

    def check(self, folder: Path) -> None:
        """Fail if any page logged an error, after a screenshot of every page into `folder`."""
        if not self.errors:
            return
        saved = self.screenshot_all(folder)
        raise AssertionError(
            "the browser logged errors:\n"
            + "\n".join(self.errors)
            + "".join(f"\nscreenshot: {path}" for path in saved)
        )

    def screenshot_all(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, page in self.pages:
            if page.is_closed():
                continue
            path = folder / f"{name}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception:  # a crashed page has nothing to show; the failure says why
                continue
            saved.append(path)
        return saved

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Browser, stack: RunningStack
) -> Iterator[Callable[..., Page]]:
    """Open a page as someone (`open_page("alice")`); the test fails on any console error."""
    pages = Pages(browser, stack.info.site_url)
    # The Undo and Redo buttons ask `GET /me/undo` and `/me/redo` what they would act on;
    # "nothing to undo" is a 409 the page reads as such (and Chromium logs as an error).
    for kind in ("undo", "redo"):
        pages.expect_failed_request(409, api_call(stack, f"/me/{kind}"))
    request.node._retake_pages = pages
    yield pages.open
    try:
        pages.check(OUTPUT / _safe(request.node.nodeid))
    finally:
        pages.close()


@pytest.fixture
def pages(request: pytest.FixtureRequest, open_page: Callable[..., Page]) -> Pages:
    """The test's `Pages` (to declare an expected console error)."""
    found: Pages = request.node._retake_pages
    return found
