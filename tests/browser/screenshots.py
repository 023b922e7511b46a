"""Screenshots of each role's main page, for the README: `python -m tests.browser.screenshots`.

Starts a local stack of its own (in a temporary folder), fills it through the
page itself as the demo gallery user (albums, uploaded photos, a tag, a share),
then photographs what each role sees first, into `docs/screenshots/`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from local_stack.stack import StackConfig
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, SETTLE_MS
from tests.browser.people import landscape, settled, sign_in, upload
from tests.e2e.conftest import ACCOUNTS, RunningStack

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
ALBUMS = {
    "Lisbon": [
        ("tram.jpg", (70, 130, 200), (196, 170, 120), (520, 110)),
        ("alfama.jpg", (240, 150, 90), (150, 90, 60), (160, 200)),
        ("tagus.jpg", (90, 160, 220), (40, 90, 140), (360, 90)),
    ],
    "Dunes": [
        ("erg.jpg", (250, 190, 120), (210, 150, 80), (600, 140)),
        ("dusk.jpg", (120, 80, 150), (170, 110, 70), (120, 300)),
    ],
    "Harbour lights": [("quay.jpg", (30, 40, 90), (20, 30, 50), (600, 80))],
}


def _page(browser: Browser, site_url: str, viewport: ViewportSize = DESKTOP) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(SETTLE_MS)
    page = context.new_page()
    page.goto(site_url)
    return page


def fill_gallery(page: Page, folder: Path) -> str:
    """Alice's albums, each with uploaded photos; returns her user id."""
    sign_in(page, "alice")
    user_id: str = page.evaluate("JSON.parse(sessionStorage.getItem('retake.session')).userId")
    for title in ALBUMS:
        page.get_by_label("New album title").fill(title)
        page.get_by_label("New album title").press("Enter")
        expect(page.locator(".card-link", has_text=title)).to_be_visible()
    for title, photos in ALBUMS.items():
        page.locator(".card-link", has_text=title).click()
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        files = []
        for name, sky, ground, sun in photos:
            path = folder / name
            path.write_bytes(landscape(sky, ground, sun))
            files.append(path)
        upload(page, files)
        page.get_by_role("link", name="Albums", exact=True).first.click()
    return user_id


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print(f"screenshot: {OUT / name}.png")


def take(browser: Browser, stack: RunningStack, folder: Path) -> None:
    site = stack.info.site_url
    alice = _page(browser, site)
    fill_gallery(alice, folder)

    # The gallery user: the album grid, then one photo with a tag and its history.
    alice.locator(".card-link", has_text="Lisbon").click()
    alice.locator(".grid.photos .tile-link").first.click()
    alice.get_by_label("Title", exact=True).fill("Tram 28")
    alice.get_by_label("Title", exact=True).press("Enter")
    alice.get_by_label("Add a tag").fill("tram")
    alice.get_by_label("Add a tag").press("Enter")
    expect(alice.locator(".tags .tag", has_text="tram")).to_have_class("tag")
    settled(alice)
    shoot(alice, "photo")
    alice.get_by_role("link", name="Albums", exact=True).first.click()
    expect(alice.locator(".card img.cover")).to_have_count(len(ALBUMS))
    shoot(alice, "gallery-user")
    phone = _page(browser, site, PHONE)
    sign_in(phone, "alice")
    expect(phone.locator(".card img.cover")).to_have_count(len(ALBUMS))
    shoot(phone, "gallery-user-phone")

    # The auditor: the trail of alice's commands, then an album as it was.
    audrey = _page(browser, site)
    sign_in(audrey, "audrey")
    audrey.get_by_role("combobox", name="Person").fill("alice")
    audrey.get_by_role("button", name="Search").click()
    expect(audrey.locator("#audit-results tbody tr").first).to_be_visible()
    audrey.get_by_role("button", name="Verify the trail").click()
    expect(audrey.locator("#verify-result")).to_contain_text("checked")
    shoot(audrey, "auditor", full_page=True)

    # Support: the person's operations, one revert form open with its reason.
    sam = _page(browser, site)
    sign_in(sam, "sam")
    sam.get_by_role("combobox", name="Person").fill("alice")
    sam.get_by_label("Command type").fill("RetitlePhoto")
    sam.get_by_role("button", name="Find").click()
    row = sam.locator("#support-results tbody tr").first
    row.get_by_role("button", name="Revert…").click()
    row.get_by_label("Reason").fill("Ticket 42: the customer asked for the old title back")
    shoot(sam, "support")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    saved_environment = dict(os.environ)
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        stack = RunningStack(
            StackConfig(
                data_dir=Path(data),
                moto_port=0,
                api_port=0,
                site_port=0,
                keep_warm=False,
                demo_accounts=ACCOUNTS,
            )
        )
        stack.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            take(browser, stack, Path(data))
        finally:
            browser.close()
            stack.stop()
            os.environ.clear()
            os.environ.update(saved_environment)


if __name__ == "__main__":
    main()
