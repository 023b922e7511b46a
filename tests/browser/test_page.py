"""The page for everyone: sign-in messages, token refresh, sign-out, the keyboard, a phone."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, Pages
from tests.browser.people import drop_files, jpeg, settled, sign_in, sign_out, upload
from tests.browser.story import PROCESSING_MS


def test_a_wrong_password_is_named_as_such_and_the_password_is_selected_again(
    pages: Pages, open_page: Callable[..., Page]
) -> None:
    pages.expect_console_error(r"status of 400")  # Cognito's refusal, logged by Chromium
    page = open_page("alice")
    form = page.locator("#sign-in-form")
    form.get_by_label("Username").fill("alice")
    form.get_by_label("Password").fill("not-her-password")
    form.get_by_label("Password").press("Enter")
    expect(page.locator("#auth-error")).to_have_text("Wrong username or password.")
    expect(form.get_by_label("Password")).to_be_focused()
    expect(page.locator("#who")).to_be_hidden()


def test_a_session_close_to_expiry_is_refreshed_and_sign_out_forgets_it(
    open_page: Callable[..., Page],
) -> None:
    # given: alice signed in, and her stored session about to expire in two seconds
    page = open_page("alice")
    sign_in(page, "alice")
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('retake.session'))")
    stored["expiresAt"] = int(time.time() * 1000) + 2000
    page.evaluate(
        "session => sessionStorage.setItem('retake.session', JSON.stringify(session))", stored
    )

    # when: the page loads again (the same tab)
    page.reload()

    # then: it refreshed the tokens with the refresh token, and the API still answers
    expect(page.locator("#who")).to_contain_text("alice")
    page.wait_for_function(
        "() => JSON.parse(sessionStorage.getItem('retake.session')).expiresAt > Date.now() + 600000"
    )
    refreshed = page.evaluate("JSON.parse(sessionStorage.getItem('retake.session'))")
    assert refreshed["refreshToken"] == stored["refreshToken"]
    assert refreshed["userId"] == stored["userId"]
    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_visible()

    # when: she signs out, nothing of the session is left in the tab
    sign_out(page)
    assert page.evaluate("sessionStorage.getItem('retake.session')") is None
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_on_a_phone_with_the_keyboard_alone_a_user_signs_in_creates_an_album_and_opens_it(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("bob-phone", viewport=PHONE)

    # when: typing, Tab and Enter only (the page puts the cursor in the username)
    expect(page.locator("#sign-in-form").get_by_label("Username")).to_be_focused()
    page.keyboard.type("bob")
    page.keyboard.press("Tab")
    page.keyboard.type("Retake-demo-1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_focused()
    hash_before = page.evaluate("location.hash")
    page.get_by_role("link", name="Skip to content").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.evaluate("location.hash") == hash_before
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "new-album-title":
            break
    page.keyboard.type("Pocket album")
    page.keyboard.press("Enter")
    card = page.locator(".card-link", has_text="Pocket album")
    expect(card).to_be_visible()
    card.focus()
    page.keyboard.press("Enter")

    # then: the album opens
    expect(page.get_by_role("heading", level=1, name="Pocket album")).to_be_focused()

    # when: three files are dropped on it: a photo, a broken "photo" and a text file
    drop_files(
        page,
        ".dropzone",
        [
            ("pocket.jpg", "image/jpeg", jpeg(320, 240)),
            ("broken.jpg", "image/jpeg", b"these bytes are no JPEG"),
            ("notes.txt", "text/plain", b"not a photo"),
        ],
    )

    # then: each file has its own row: ready, failed with the pipeline's reason, refused
    def state(name: str) -> Locator:
        return page.locator(".upload", has_text=name).locator(".upload-state")

    expect(state("notes.txt")).to_contain_text("Not uploaded: text/plain is not a photo type")
    expect(state("pocket.jpg")).to_have_text("Ready", timeout=PROCESSING_MS)
    expect(state("broken.jpg")).to_contain_text("Processing failed: ", timeout=PROCESSING_MS)
    expect(page.locator(".grid.photos img.thumb")).to_have_count(1)
    expect(page.locator(".grid.photos .badge-processing_failed")).to_contain_text(
        "Processing failed"
    )

    # then: nothing is wider than the phone's screen
    for route in ("#/albums", page.url.split("/", 3)[-1]):
        page.goto(page.url.split("#")[0] + route.lstrip("/"))
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_photo_is_untagged_moved_trashed_and_restored_and_an_album_unshared(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path
) -> None:
    # given: alice's two albums, and a photo uploaded into the first
    page = open_page("alice")
    sign_in(page, "alice")
    for title in ("Spring", "Autumn"):
        page.get_by_label("New album title").fill(title)
        page.get_by_label("New album title").press("Enter")
        expect(page.locator(".card-link", has_text=title)).to_be_visible()
    page.locator(".card-link", has_text="Spring").click()
    photo = tmp_path / "blossom.jpg"
    photo.write_bytes(jpeg(400, 300, (240, 180, 200)))
    upload(page, [photo], PROCESSING_MS)
    page.locator(".grid.photos .tile-link").first.click()
    expect(page.locator(".photo-image img")).to_be_visible()

    # when: she tags it, then removes the tag with its own button
    page.get_by_label("Add a tag").fill("pink")
    page.get_by_label("Add a tag").press("Enter")
    expect(page.locator(".tags .tag", has_text="pink")).to_have_class("tag")
    page.get_by_role("button", name="Remove tag pink").click()
    expect(page.locator(".tags .tag", has_text="pink")).to_have_count(0)

    # when: she moves it to the other album
    page.get_by_label("Album", exact=True).select_option(label="Autumn")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".breadcrumbs")).to_contain_text("Autumn")
    settled(page)

    # when: she puts it in the trash, finds it there, and restores it
    page.get_by_role("button", name="Move to the trash").click()
    expect(page.get_by_role("button", name="Restore from the trash")).to_be_visible()
    settled(page)
    page.get_by_role("link", name="Trash").click()
    expect(page.locator(".grid.photos .tile")).to_have_count(1)
    page.locator(".grid.photos .tile-link").click()
    page.get_by_role("button", name="Restore from the trash").click()
    expect(page.get_by_role("button", name="Move to the trash")).to_be_visible()
    settled(page)
    page.locator(".breadcrumbs a").last.click()
    expect(page.get_by_role("heading", level=1, name="Autumn")).to_be_visible()
    expect(page.locator(".grid.photos .tile")).to_have_count(1)

    # when: she shares the album, then stops sharing it
    page.get_by_role("button", name="Share by link").click()
    link = page.get_by_label("Anyone with this link can see the album").input_value()
    page.get_by_role("button", name="Stop sharing").click()
    expect(page.get_by_role("button", name="Share by link")).to_be_visible()
    settled(page)

    # then: the old link opens nothing
    pages.expect_console_error(r"status of 404")
    visitor = open_page("visitor")
    visitor.goto(link)
    expect(visitor.get_by_role("alert")).to_contain_text("does not open any album")
