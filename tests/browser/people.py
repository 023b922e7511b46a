"""What a person does on the page, step by step, as Playwright actions (keyboard first)."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Page, expect

PASSWORD = "Retake-demo-1"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in from the front page with the keyboard alone."""
    form = page.locator("#sign-in-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_label("Password").press("Enter")
    expect(page.locator("#who")).to_contain_text(username)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def jpeg(width: int = 640, height: int = 480, color: tuple[int, int, int] = (200, 90, 40)) -> bytes:
    """A real JPEG, made here: a gradient, so it is not a flat colour the encoder skips."""
    image = Image.new("RGB", (width, height), color)
    pixels = image.load()
    assert pixels is not None
    for x in range(0, width, 8):
        for y in range(0, height, 8):
            pixels[x, y] = (x % 256, y % 256, (x + y) % 256)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def open_album(page: Page, title: str) -> None:
    page.get_by_role("link", name="Albums", exact=True).first.click()
    page.locator(".card-link", has_text=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def settled(page: Page) -> None:
    """Wait until no change on the page is pending any more."""
    expect(page.locator('#changes-list [data-state="pending"]')).to_have_count(0)
