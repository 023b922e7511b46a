"""The page for everyone: sign-in messages, token refresh, sign-out, the keyboard, a phone.

And what the journeys cannot show on a live stack: a console error failing the
test, a change held pending by a read side that lags, a broken trail, an upload
bar on a slow line.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Locator, Page, Route, expect

from tests.browser.conftest import PHONE, SETTLE_MS, Pages, api_call, cognito
from tests.browser.people import (
    drop_files,
    jpeg,
    noisy_jpeg,
    settled,
    sign_in,
    sign_out,
    tab_to,
    upload,
)
from tests.browser.story import PROCESSING_MS
from tests.e2e.conftest import RunningStack


def test_a_console_error_fails_the_test_and_leaves_a_screenshot_of_each_page(
    pages: Pages, open_page: Callable[..., Page], stack: RunningStack, tmp_path: Path
) -> None:
    # given: two pages; a failed request is excused only where the test said it would fail
    alice = open_page("alice")
    visitor = open_page("visitor")
    pages.expect_failed_request(404, api_call(stack, "/shared/expected"))
    for token in ("expected", "unexpected"):
        with visitor.expect_console_message(lambda message: message.type == "error"):
            visitor.evaluate(
                "url => fetch(url).catch(() => null)", f"{stack.api_url}/shared/{token}"
            )
    with alice.expect_console_message(lambda message: message.type == "error"):
        alice.evaluate("console.error('the page broke')")

    # when: the test's pages are checked, as the fixture does after every test
    with pytest.raises(AssertionError) as failure:
        pages.check(tmp_path)

    # then: the unexpected errors are named, not the expected one, and each page is on file
    report = str(failure.value)
    assert "the page broke" in report
    assert "/shared/unexpected" in report
    assert "/shared/expected" not in report
    assert sorted(path.name for path in tmp_path.iterdir()) == ["alice.png", "visitor.png"]
    assert f"screenshot: {tmp_path / 'alice.png'}" in report
    pages.errors.clear()  # this test's errors were made on purpose


def test_a_change_shows_as_pending_until_its_command_is_projected_then_settles(
    open_page: Callable[..., Page],
) -> None:
    # given: the API's read side is made to lag: every command status says "not projected yet"
    page = open_page("alice")
    sign_in(page, "alice")
    lagging = True
    projected_for_real: list[str] = []

    def status(route: Route) -> None:
        response = route.fetch()
        record = response.json()
        if record.get("projected"):
            projected_for_real.append(record["command_id"])
        if lagging:
            record["projected"] = False
        route.fulfill(response=response, json=record)

    page.route("**/commands/*", status)

    # when: she creates an album, and the command is done and projected
    title = f"Lagging {uuid.uuid4().hex[:6]}"
    page.get_by_label("New album title").fill(title)
    page.get_by_label("New album title").press("Enter")
    change = page.locator("#changes-list .change", has_text=title)
    expect(change).to_have_attribute("data-state", "pending")
    deadline = time.monotonic() + SETTLE_MS / 1000
    while len(projected_for_real) < 2 and time.monotonic() < deadline:
        if change.get_attribute("data-state") != "pending":
            break
        page.wait_for_timeout(200)  # the page polls the status meanwhile

    # then: the page still says the change is pending, as the status it reads says
    assert change.get_attribute("data-state") == "pending", change.inner_text()
    assert len(projected_for_real) >= 2, "the command was never projected"
    expect(change.locator(".change-state")).to_have_text("Pending…")
    expect(page.locator(".card.pending", has_text=title)).to_contain_text("Creating…")

    # when: the status says projected, the change settles and the album is there
    lagging = False
    expect(change).to_have_attribute("data-state", "done")
    expect(change.locator(".change-state")).to_have_text("Saved.")
    expect(page.locator(".card-link", has_text=title)).to_be_visible()


def test_a_broken_trail_is_named_by_its_stream_version_and_reason(
    open_page: Callable[..., Page],
) -> None:
    # given: the verification finds one break (the API's answer, altered on its way)
    broken = {
        "streams_checked": 7,
        "events_checked": 42,
        "intact": False,
        "breaks": [
            {"stream_id": "photo-5e1d", "version": 3, "reason": "hash does not match event 3"}
        ],
    }
    page = open_page("audrey")
    sign_in(page, "audrey")

    def verify(route: Route) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        route.fulfill(response=route.fetch(), json=broken)

    page.route("**/audit/verify", verify)

    # when: she verifies the trail
    page.get_by_role("button", name="Verify the trail").click()

    # then: the page says it is broken, and names the stream, the version and the reason
    result = page.locator("#verify-result")
    expect(result).to_contain_text("Broken: 7 streams and 42 events checked; 1 break(s) found.")
    expect(result.locator("li")).to_have_text(
        "photo-5e1d at version 3: hash does not match event 3"
    )
    expect(result).not_to_contain_text("Intact")


def test_a_wrong_password_is_named_as_such_and_the_password_is_selected_again(
    pages: Pages, open_page: Callable[..., Page], stack: RunningStack
) -> None:
    pages.expect_failed_request(400, cognito(stack))  # Cognito's refusal, logged by Chromium
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


def fits_the_phone(page: Page) -> None:
    """Nothing on the page is wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


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
    tab_to(page, page.get_by_label("New album title"))
    title = f"Pocket album {uuid.uuid4().hex[:4]}"
    page.keyboard.type(title)
    page.keyboard.press("Enter")
    card = page.locator(".card-link", has_text=title)
    expect(card).to_be_visible()
    tab_to(page, card)
    page.keyboard.press("Enter")

    # then: the album opens
    expect(page.get_by_role("heading", level=1, name=title)).to_be_focused()

    # when: a photo is chosen from the picker, opened from the keyboard
    tab_to(page, page.locator(".upload-area input[type=file]"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        FilePayload(name="pocket.jpg", mimeType="image/jpeg", buffer=jpeg(320, 240))
    )
    # and: two files are dropped on it: a broken "photo" and a text file
    drop_files(
        page,
        ".dropzone",
        [
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

    # then: nothing is wider than the phone's screen: the albums, the album, the photo
    site = page.url.split("#")[0]
    album = page.url.split("#")[1]
    photo = page.locator(".grid.photos .tile", has=page.locator("img.thumb"))
    photo_link = photo.locator(".tile-link").get_attribute("href") or ""
    photo_title = photo.locator(".tile-title").inner_text()
    for route, heading in (("#/albums", "Your albums"), (f"#{album}", title)):
        page.goto(site + route)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        expect(page.locator(".grid img").first).to_have_js_property("complete", True)
        fits_the_phone(page)
    page.goto(site + photo_link)
    expect(page.get_by_role("heading", level=1)).to_have_text(photo_title)
    expect(page.locator(".photo-image img")).to_have_js_property("complete", True)
    fits_the_phone(page)

    # then: nor are the auditor's trail and support's search on a phone
    audrey = open_page("audrey-phone", viewport=PHONE)
    sign_in(audrey, "audrey")
    expect(audrey.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
    expect(audrey.locator("#audit-results tbody tr").first).to_be_visible()
    fits_the_phone(audrey)
    sam = open_page("sam-phone", viewport=PHONE)
    sign_in(sam, "sam")
    expect(sam.get_by_role("heading", level=1, name="Support")).to_be_visible()
    sam.get_by_role("combobox", name="Person").fill("bob")
    sam.get_by_role("button", name="Find").click()
    expect(sam.locator("#support-results tbody tr").first).to_be_visible()
    fits_the_phone(sam)


#: Records every value each upload's <progress> takes, in order, as the page sets it.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.target.tagName === "PROGRESS") window.progressSeen.push(change.target.value);
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["value"] });
}"""


def test_an_upload_bar_follows_the_bytes_as_they_are_sent(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    # given: alice in an album of hers, her uploads held to 200 KB/s (Chromium's throttling)
    page = open_page("alice")
    sign_in(page, "alice")
    title = f"Slow line {uuid.uuid4().hex[:4]}"
    page.get_by_label("New album title").fill(title)
    page.get_by_label("New album title").press("Enter")
    page.locator(".card-link", has_text=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    page.evaluate(RECORD_PROGRESS)
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 200_000},
    )

    # when: she uploads a photo of about 500 KB
    photo = tmp_path / "static.jpg"
    photo.write_bytes(noisy_jpeg())
    upload(page, [photo], PROCESSING_MS)

    # then: its bar went up step by step while the bytes were on their way, and ended full
    seen: list[int] = page.evaluate("window.progressSeen")
    on_the_way = [value for value in seen if 0 < value < 100]
    assert len(set(on_the_way)) >= 3, f"the bar went {seen}"
    assert seen == sorted(seen), f"the bar went back: {seen}"
    assert seen[-1] == 100


def test_a_photo_is_untagged_moved_trashed_and_restored_and_an_album_unshared(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path, stack: RunningStack
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
    token = link.rsplit("/", 1)[-1]  # the page asks the API for the album of this token
    pages.expect_failed_request(404, api_call(stack, f"/shared/{token}"))
    visitor = open_page("visitor")
    visitor.goto(link)
    expect(visitor.get_by_role("alert")).to_contain_text("does not open any album")
