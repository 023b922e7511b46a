"""What a person does on the page, step by step, as Playwright actions (keyboard first)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Locator, Page, expect

PASSWORD = "Retake-demo-1"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in from the front page with the keyboard alone."""
    form = page.locator("#sign-in-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_label("Password").press("Enter")
    expect(page.locator("#who")).to_contain_text(username)


def tab_to(page: Page, target: Locator, presses: int = 30) -> None:
    """Press Tab until `target` has the focus, as someone without a mouse gets there."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reached in {presses} presses of Tab")


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


def noisy_jpeg(width: int = 800, height: int = 600) -> bytes:
    """A real JPEG of noise: it hardly compresses, so its upload takes a while (about 500 KB)."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 90).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def open_album(page: Page, title: str) -> None:
    page.get_by_role("link", name="Albums", exact=True).first.click()
    page.locator(".card-link", has_text=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def settled(page: Page) -> None:
    """Wait until no change on the page is pending any more."""
    expect(page.locator('#changes-list [data-state="pending"]')).to_have_count(0)


def landscape(
    sky: tuple[int, int, int], ground: tuple[int, int, int], sun: tuple[int, int], size: int = 720
) -> bytes:
    """A small made-up landscape as a JPEG: a sky fading to the horizon, a sun, the ground."""
    width, height = size, size * 3 // 4
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = height * 5 // 8
    for y in range(horizon):
        fade = y / horizon
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(c + (255 - c) * fade * 0.6) for c in sky),
        )
    x, y = sun
    draw.ellipse([x - 40, y - 40, x + 40, y + 40], fill=(255, 236, 170))
    for y in range(horizon, height):
        shade = (y - horizon) / (height - horizon)
        draw.line([(0, y), (width, y)], fill=tuple(int(c * (1 - 0.4 * shade)) for c in ground))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def upload(page: Page, files: list[Path], timeout_ms: float = 120_000) -> None:
    """Upload files with the picker of the page's upload area; wait until each is Ready."""
    page.locator(".upload-area input[type=file]").set_input_files(files)
    rows = page.locator(".uploads .upload")
    expect(rows).to_have_count(len(files))
    for row in rows.all():
        expect(row.locator(".upload-state")).to_have_text("Ready", timeout=timeout_ms)


def drop_files(page: Page, selector: str, files: list[tuple[str, str, bytes]]) -> None:
    """Drag files (name, type, bytes) from outside the browser and drop them on `selector`."""
    payload = [
        {"name": name, "type": kind, "data": base64.b64encode(data).decode()}
        for name, kind, data in files
    ]
    page.locator(selector).evaluate(
        """(zone, files) => {
            const transfer = new DataTransfer();
            for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, { type: file.type }));
            }
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true,
                    dataTransfer: transfer }));
            }
        }""",
        payload,
    )
