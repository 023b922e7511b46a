"""The issue's journeys in Chromium: a new gallery user, another user, an auditor, support.

The gallery user's journey runs once (`story`) and the other roles act on what
it left: their tests run it themselves when run alone.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages, api_call, cognito
from tests.browser.people import settled, sign_in, sign_out
from tests.browser.story import (
    FIRST_TITLE,
    SCRIPT_CAPTION,
    SECOND_TITLE,
    Story,
    gallery_journey,
)
from tests.e2e.conftest import RunningStack, http
from tests.e2e.conftest import sign_in as cognito_sign_in

_stories: dict[str, Story] = {}


def refused_undo(stack: RunningStack) -> str:
    """A regex for an undo the API refuses at once (409 `undo_conflict`): Chromium logs it."""
    return f"^{re.escape(stack.api_url)}/commands/[^/?]+/undo$"


def story(pages: Pages, open_page: Callable[..., Page], folder: Path, stack: RunningStack) -> Story:
    """The gallery user's journey, run by the first test that needs it."""
    if "zoe" not in _stories:
        # Cognito answers 400 to a sign-in of an unconfirmed account; Chromium logs it.
        pages.expect_failed_request(400, cognito(stack))
        pages.expect_failed_request(409, refused_undo(stack))
        page = open_page("zoe")
        _stories["zoe"] = gallery_journey(page, folder)
        sign_out(page)
    return _stories["zoe"]


def test_a_new_user_signs_up_uploads_tags_undoes_redoes_and_shares(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path, stack: RunningStack
) -> None:
    # given: the journey (sign up, album, upload, tag, Ctrl+Z, Ctrl+Shift+Z, retitles, share)
    journey = story(pages, open_page, tmp_path, stack)

    # then: what the API holds is what the page showed
    tokens = cognito_sign_in(stack.cognito, stack.info.client_id, journey.username)
    photo = http("GET", f"{stack.api_url}/photos/{journey.photo_id}", tokens["IdToken"]).body
    assert (photo["title"], photo["caption"], photo["tags"]) == (
        SECOND_TITLE,
        SCRIPT_CAPTION,
        ["beach"],
    )
    assert (photo["status"], photo["album_id"]) == ("ready", journey.album_id)

    # when: anyone opens the share link, without signing in
    visitor = open_page("visitor")
    visitor.goto(journey.share_url)
    expect(visitor.get_by_role("heading", level=1, name=journey.album_title)).to_be_visible()
    expect(visitor.locator(".grid.photos img.thumb")).to_have_count(2)
    expect(visitor.locator(".tile", has_text=SECOND_TITLE)).to_contain_text("beach")


def test_another_user_cannot_see_the_album(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path, stack: RunningStack
) -> None:
    journey = story(pages, open_page, tmp_path, stack)

    bob = open_page("bob")
    sign_in(bob, "bob")
    expect(bob.get_by_role("heading", level=1, name="Your albums")).to_be_visible()
    expect(bob.locator(".card-link", has_text=journey.album_title)).to_have_count(0)
    pages.expect_failed_request(404, api_call(stack, f"/albums/{journey.album_id}"))
    bob.goto(f"{bob.url.split('#')[0]}#/albums/{journey.album_id}")
    expect(bob.get_by_role("alert")).to_contain_text("No album")
    expect(bob.get_by_role("heading", level=1)).to_have_text("This page could not be shown")


def test_the_auditor_finds_exports_and_sees_the_album_before_the_tag(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path, stack: RunningStack
) -> None:
    journey = story(pages, open_page, tmp_path, stack)
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")

    # when: she searches the trail by person
    expect(audrey.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
    audrey.get_by_role("combobox", name="Person").fill(journey.username)
    audrey.get_by_role("button", name="Search").click()
    rows = audrey.locator("#audit-results tbody tr")
    expect(rows.first).to_be_visible()
    found = {row.get_attribute("data-type") for row in rows.all()}
    # then: she pages through it, ten at a time
    audrey.get_by_label("Per page").select_option("10")
    audrey.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(10)
    expect(audrey.get_by_role("button", name="Next page")).to_be_enabled()
    audrey.get_by_role("button", name="Next page").click()
    expect(audrey.locator("#status")).to_contain_text("on page 2")
    found |= {row.get_attribute("data-type") for row in rows.all()}
    audrey.get_by_role("button", name="Previous page").click()
    expect(audrey.locator("#status")).to_contain_text("on page 1")
    audrey.get_by_label("Per page").select_option("100")
    audrey.get_by_role("button", name="Search").click()
    expect(audrey.locator("#status")).to_contain_text("on page 1")
    found |= {row.get_attribute("data-type") for row in rows.all()}
    assert {"CreateAlbum", "RegisterUpload", "TagPhoto", "UndoCommand", "RedoCommand"} <= found
    assert {"RetitlePhoto", "CaptionPhoto", "ShareAlbum"} <= found

    # when: she narrows it to the photo, only the photo's commands are left
    audrey.get_by_label("Album or photo id").fill(journey.photo_id)
    audrey.get_by_role("button", name="Search").click()
    expect(audrey.locator('#audit-results tr[data-type="CreateAlbum"]')).to_have_count(0)
    expect(rows.first).to_be_visible()
    targets = {row.get_attribute("data-aggregate-id") for row in rows.all()}
    assert targets == {journey.photo_id}
    links = rows.locator("a.target-link")
    assert {link.get_attribute("href") for link in links.all()} == {f"#/photos/{journey.photo_id}"}
    assert {"TagPhoto", "RetitlePhoto", "CaptionPhoto"} <= {
        row.get_attribute("data-type") for row in rows.all()
    }
    audrey.get_by_label("Album or photo id").fill("")

    # when: she narrows it to a time range that ends before any of it, nothing matches
    audrey.get_by_label("Until").fill("2000-01-01T00:00:00")
    audrey.get_by_role("button", name="Search").click()
    expect(audrey.locator("#audit-results")).to_have_text("No command matches.")
    audrey.get_by_label("Until").fill("")
    audrey.get_by_label("From").fill("2000-01-01T00:00:00")

    # when: she narrows it to tagging, then exports it both ways
    audrey.get_by_label("Command type").fill("TagPhoto")
    audrey.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    tag_command = rows.first.get_attribute("data-command-id")
    with audrey.expect_download() as csv_download:
        audrey.get_by_role("button", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert [row["command_id"] for row in exported] == [tag_command]
    with audrey.expect_download() as jsonl_download:
        audrey.get_by_role("button", name="Export JSON Lines").click()
    lines = Path(jsonl_download.value.path()).read_text().splitlines()
    assert [json.loads(line)["command_id"] for line in lines] == [tag_command]

    # when: she opens the album and moves its slider to just before the tag
    audrey.get_by_label("Album id").fill(journey.album_id)
    audrey.get_by_role("button", name="Open album").click()
    expect(audrey.get_by_role("heading", level=1, name=journey.album_title)).to_be_visible()
    slider = audrey.get_by_label("Moment in its history")
    moment = audrey.locator("#as-of-moment")
    expect(moment).to_contain_text("of")
    slider.focus()
    slider.press("Home")
    for _ in range(40):
        if "Tag photo" in moment.inner_text():
            break
        slider.press("ArrowRight")
    expect(moment).to_contain_text("After Tag photo")
    result = audrey.locator(".as-of-result")
    expect(result.locator(".tile", has_text="beach")).to_have_count(1)
    slider.press("ArrowLeft")
    expect(moment).not_to_contain_text("Tag photo")
    expect(result.locator(".tile")).to_have_count(2)
    expect(result.locator(".tile", has_text="beach")).to_have_count(0)

    # when: she verifies the trail
    audrey.get_by_role("link", name="Audit", exact=True).click()
    audrey.get_by_role("button", name="Verify the trail").click()
    expect(audrey.locator("#verify-result")).to_contain_text(re.compile(r"^Intact: \d+ streams"))


def test_support_reverts_a_retitle_with_a_reason_and_the_user_sees_it(
    pages: Pages, open_page: Callable[..., Page], tmp_path: Path, stack: RunningStack
) -> None:
    journey = story(pages, open_page, tmp_path, stack)
    pages.expect_failed_request(409, refused_undo(stack))
    sam = open_page("sam")
    sign_in(sam, "sam")
    expect(sam.get_by_role("heading", level=1, name="Support")).to_be_visible()

    # when: support finds the person's retitles
    sam.get_by_role("combobox", name="Person").fill(journey.username)
    sam.get_by_label("Command type").fill("RetitlePhoto")
    sam.get_by_role("button", name="Find").click()
    retitles = sam.locator('#support-results tr[data-type="RetitlePhoto"]')
    expect(retitles).to_have_count(2)
    older, newer = retitles.last, retitles.first

    # then: the older one is refused, and the page names the later retitle that conflicts
    older.get_by_role("button", name="Revert…").click()
    older.get_by_label("Reason").fill("Ticket 41: wrong title")
    older.get_by_role("button", name="Revert", exact=True).click()
    expect(sam.locator("#alert")).to_contain_text("Undo refused")
    expect(sam.locator("#alert")).to_contain_text(
        f'{journey.username} renamed the photo "{FIRST_TITLE}" to "{SECOND_TITLE}"'
    )

    # when: a reason is left empty, the revert is not sent
    newer.get_by_role("button", name="Revert…").click()
    newer.get_by_role("button", name="Revert", exact=True).click()
    expect(newer.get_by_role("alert")).to_have_text("A reason is required.")
    reason = "Ticket 42: the customer asked for the old title back"
    newer.get_by_label("Reason").fill(reason)
    newer.get_by_role("button", name="Revert", exact=True).click()
    expect(sam.locator("#status")).to_contain_text("Retitle photo reverted")
    settled(sam)

    # then: the user sees the old title, and the revert with its reason in the history
    zoe = open_page("zoe-again")
    sign_in(zoe, journey.username)
    zoe.goto(f"{zoe.url.split('#')[0]}#/photos/{journey.photo_id}")
    expect(zoe.get_by_role("heading", level=1)).to_have_text(FIRST_TITLE)
    zoe.get_by_role("button", name="History").click()
    revert = zoe.get_by_role("dialog").locator('tr[data-type="UndoCommand"]').first
    expect(revert).to_contain_text(reason)
    expect(revert).to_contain_text(SECOND_TITLE)
    expect(revert).not_to_contain_text("you")
