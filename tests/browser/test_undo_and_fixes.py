"""Undo and redo that say what they do, and the page's bugs of issue 17, in Chromium.

The buttons name what they would act on (`GET /me/undo`, `/me/redo`); after an
undo or redo a notice names what changed, links to it and offers the opposite;
a new change ends the redo chain. And: the Recent changes panel leaks nothing
to the next person, closes, and covers no control; History closes on Back;
focus stays in the field after creating an album; "Link copied." clears
itself; the time-travel label follows a picked instant; History and Support
fit a 390 px screen, with tag-remove buttons of 44 by 44 px.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, Pages
from tests.browser.people import jpeg, settled, sign_in, sign_out, upload
from tests.browser.story import PROCESSING_MS
from tests.e2e.conftest import RunningStack

UNDO = "#undo-button"
REDO = "#redo-button"


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def new_album(page: Page, title: str) -> str:
    """Create an album from the albums page; its id (from its card's link)."""
    page.get_by_label("New album title").fill(title)
    page.get_by_label("New album title").press("Enter")
    card = page.locator(".card-link", has_text=title)
    expect(card).to_be_visible()
    settled(page)
    return (card.get_attribute("href") or "").rsplit("/", 1)[-1]


def open_album(page: Page, title: str) -> None:
    page.locator(".card-link", has_text=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def rename(page: Page, title: str) -> None:
    """Rename the open album and wait until the change is saved."""
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Title", exact=True).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    settled(page)


def names(button: Locator, pattern: str) -> None:
    """The button's accessible name matches `pattern` (a regex), once the API answered."""
    expect(button).to_have_accessible_name(re.compile(pattern))


def within_viewport(page: Page, elements: Locator, width: int) -> None:
    """Every visible one of `elements` lies inside the screen's width."""
    boxes = elements.evaluate_all(
        """(nodes) => nodes.filter((n) => n.getClientRects().length).map((n) => {
            const r = n.getBoundingClientRect();
            const text = (n.innerText || n.value || "").slice(0, 40);
            return { left: r.left, right: r.right, text };
        })"""
    )
    assert boxes, "nothing to measure"
    outside = [box for box in boxes if box["left"] < -0.5 or box["right"] > width + 0.5]
    assert not outside, f"off-screen at {width} px: {outside}"


def not_covered(page: Page, control: Locator) -> None:
    """What is at the control's centre is the control itself (nothing lies over it)."""
    control.scroll_into_view_if_needed()
    on_top = control.evaluate(
        """(node) => {
            const r = node.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit === node || node.contains(hit);
        }"""
    )
    assert on_top, f"{control} is covered"


# -- undo and redo --------------------------------------------------------------------


def test_after_an_undo_a_new_change_ends_the_redo_chain(open_page: Callable[..., Page]) -> None:
    # given: alice's album, renamed
    page = open_page("alice")
    sign_in(page, "alice")
    first, second, third = unique("Chain"), unique("Chain renamed"), unique("Chain again")
    new_album(page, first)
    open_album(page, first)
    rename(page, second)

    # when: she undoes the rename with the button that names it
    names(page.locator(UNDO), f'^Undo: .*"{second}"')
    page.locator(UNDO).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    settled(page)

    # then: Redo names the rename it would bring back
    names(page.locator(REDO), f'^Redo: .*"{second}"')

    # when: she makes a new change instead
    rename(page, third)

    # then: there is nothing to redo any more, and the button says so
    redo = page.locator(REDO)
    expect(redo).to_have_text("Nothing to redo")
    expect(redo).to_be_disabled()
    names(page.locator(UNDO), f'^Undo: .*"{third}"')
    # and: the shortcut is answered in words, with nothing re-applied
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("Control+Shift+Z")
    expect(page.locator("#status")).to_contain_text("nothing to redo")
    expect(page.get_by_role("heading", level=1)).to_have_text(third)


def test_an_undo_from_another_page_names_the_album_links_to_it_and_offers_redo(
    open_page: Callable[..., Page],
) -> None:
    # given: alice renamed an album, then went back to the list of her albums
    page = open_page("alice")
    sign_in(page, "alice")
    before, after = unique("Trip"), unique("Trip renamed")
    new_album(page, before)
    open_album(page, before)
    rename(page, after)
    page.get_by_role("link", name="Albums", exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_visible()

    # when: she presses Undo there
    names(page.locator(UNDO), f'^Undo: .*"{after}"')
    page.locator(UNDO).click()

    # then: the notice names the change and links to the album, by its title now
    notice = page.locator("#undo-notice")
    expect(notice).to_contain_text("Undone:")
    expect(notice).to_contain_text(after)
    link = notice.get_by_role("link", name=f"Open the album “{before}”")
    expect(link).to_be_visible()
    settled(page)

    # when: she follows the link, the album shows the title it has again
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(before)

    # when: she takes the notice's opposite action
    notice.get_by_role("button", name=re.compile("^Redo")).click()

    # then: the rename is back, and the notice offers to undo it again
    expect(page.get_by_role("heading", level=1)).to_have_text(after)
    expect(notice).to_contain_text("Redone:")
    expect(notice.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    settled(page)


def test_an_undo_refused_for_a_later_change_names_that_change_in_a_sentence(
    pages: Pages, open_page: Callable[..., Page], stack: RunningStack
) -> None:
    # given: alice renamed her album, and has its history open on that rename
    page = open_page("alice")
    sign_in(page, "alice")
    title, middle, last = unique("Twice"), unique("Twice once"), unique("Twice twice")
    album_id = new_album(page, title)
    open_album(page, title)
    rename(page, middle)
    page.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog")
    undo_rename = dialog.locator('tr[data-type="RenameAlbum"]').get_by_role(
        "button", name=re.compile("^Undo")
    )
    expect(undo_rename).to_be_visible()

    # when: she renames it again in another tab, then undoes the first rename in this one
    other = open_page("alice-other-tab")
    sign_in(other, "alice")
    other.goto(f"{other.url.split('#')[0]}#/albums/{album_id}")
    expect(other.get_by_role("heading", level=1)).to_have_text(middle)
    rename(other, last)
    pages.expect_failed_request(409, f"^{re.escape(stack.api_url)}/commands/[^/]+/undo$")
    undo_rename.click()

    # then: the refusal is a sentence naming the later rename by its titles, and no id
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("Undo refused")
    expect(alert).to_contain_text(f'"{last}"')
    expect(alert).not_to_contain_text(re.compile("[0-9a-f]{8}-[0-9a-f]{4}"))
    expect(page.locator("#changes")).not_to_contain_text("Pending")


# -- the Recent changes panel ---------------------------------------------------------


def test_signing_out_leaves_nothing_of_the_last_person_for_the_next_one(
    open_page: Callable[..., Page],
) -> None:
    # given: alice made a change and undid it: the panel and the notice name her album
    page = open_page("alice")
    sign_in(page, "alice")
    secret = unique("Private")
    new_album(page, secret)
    panel = page.locator("#changes")
    expect(panel).to_contain_text(secret)
    names(page.locator(UNDO), f'^Undo: .*"{secret}"')
    page.locator(UNDO).click()
    expect(page.locator("#undo-notice")).to_contain_text(secret)
    settled(page)

    # when: she signs out, and bob signs in in the same tab
    sign_out(page)
    expect(panel).to_be_hidden()
    expect(page.locator("#undo-notice")).to_be_hidden()
    sign_in(page, "bob")
    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_visible()

    # then: nothing of hers is on his screen
    expect(panel).to_be_hidden()
    expect(page.locator("body")).not_to_contain_text(secret)
    assert secret not in page.locator("body").inner_html()


def test_the_changes_panel_covers_no_control_and_closes_with_its_button_and_esc(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    # given: alice on a photo of hers
    page = open_page("alice")
    sign_in(page, "alice")
    title = unique("Panel")
    new_album(page, title)
    open_album(page, title)
    photo = tmp_path / "panel.jpg"
    photo.write_bytes(jpeg(320, 240))
    upload(page, [photo], PROCESSING_MS)
    page.locator(".grid.photos .tile-link").first.click()
    expect(page.locator(".photo-image img")).to_be_visible()

    # when: she tags it, and the change shows in the panel
    page.get_by_label("Add a tag").fill("harbour")
    page.get_by_label("Add a tag").press("Enter")
    panel = page.locator("#changes")
    expect(panel).to_contain_text("harbour")
    settled(page)

    # then: the panel lies over none of the page's controls (the Tag button among them)
    not_covered(page, page.get_by_role("button", name="Tag", exact=True))
    for control in page.locator("#view button, #view input, #view select, #view textarea").all():
        if control.is_visible():
            not_covered(page, control)

    # when: Esc, then a new change, then its Close button
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    page.get_by_label("Add a tag").fill("boats")
    page.get_by_label("Add a tag").press("Enter")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("boats")
    expect(panel).not_to_contain_text("harbour")
    settled(page)
    panel.get_by_role("button", name="Close recent changes").click()

    # then: it is closed
    expect(panel).to_be_hidden()


# -- the other bugs -------------------------------------------------------------------


def test_the_history_dialog_closes_when_the_browser_goes_back(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("alice")
    sign_in(page, "alice")
    title = unique("Back")
    new_album(page, title)
    open_album(page, title)
    page.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator('tr[data-type="CreateAlbum"]')).to_have_count(1)

    page.go_back()

    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_visible()
    expect(page.locator("#history-dialog")).to_be_hidden()
    assert page.evaluate("document.querySelector('#history-dialog').open") is False


def test_creating_an_album_with_enter_keeps_the_focus_in_the_field(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("alice")
    sign_in(page, "alice")
    field = page.get_by_label("New album title")
    title = unique("Focus")

    field.fill(title)
    field.press("Enter")

    expect(page.locator(".card-link", has_text=title)).to_be_visible()
    settled(page)
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    # and: the next title can be typed straight away
    page.keyboard.type("next")
    expect(field).to_have_value("next")


def test_link_copied_clears_itself_while_a_status_stays(
    open_page: Callable[..., Page], stack: RunningStack
) -> None:
    page = open_page("alice")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "alice")
    title = unique("Copy")
    new_album(page, title)
    open_album(page, title)
    page.get_by_role("button", name="Share by link").click()
    expect(page.get_by_label("Anyone with this link can see the album")).to_have_value(
        re.compile("#/shared/")
    )
    settled(page)

    page.get_by_role("button", name="Copy link").click()

    status = page.locator("#status")
    expect(status).to_have_text("Link copied.")
    expect(status).to_have_text("", timeout=10_000)


def test_the_time_travel_label_follows_a_picked_instant(open_page: Callable[..., Page]) -> None:
    # given: alice's album, renamed over a second after it was created
    page = open_page("alice")
    sign_in(page, "alice")
    first, second = unique("Then"), unique("Now")
    album_id = new_album(page, first)
    # The picker has one-second steps: the instant picked lies between the two changes.
    between = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    while datetime.now(UTC) < between + timedelta(milliseconds=300):
        time.sleep(0.05)  # the clock, not the page: nothing on the page to wait for
    open_album(page, first)
    rename(page, second)

    # when: the auditor opens the album and picks the instant between the two changes
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")
    audrey.goto(f"{audrey.url.split('#')[0]}#/albums/{album_id}")
    label = audrey.locator("#as-of-moment")
    expect(label).to_contain_text("2 of 2")
    audrey.get_by_label("Or pick an instant").fill(between.strftime("%Y-%m-%dT%H:%M:%S"))
    audrey.get_by_role("button", name="Show", exact=True).click()

    # then: the label says that instant and the moment it falls after; the album as it was
    shown = between.strftime("%H:%M:%S")
    expect(label).to_contain_text(f"At {between.day} {between:%b %Y}")
    expect(label).to_contain_text(shown)
    expect(label).to_contain_text("1 of 2")
    expect(audrey.locator("#as-of-slider")).to_have_value("0")
    expect(audrey.locator("#as-of-heading")).to_contain_text(first)


def test_on_a_390_px_screen_history_and_support_fit_and_tag_remove_is_44_px(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    # given: alice on a phone, a tagged photo in an album she renamed
    page = open_page("alice-phone", viewport=PHONE)
    sign_in(page, "alice")
    title, renamed = unique("Phone"), unique("Phone album renamed with a long title")
    new_album(page, title)
    open_album(page, title)
    rename(page, renamed)
    album_id = page.url.rsplit("/", 1)[-1]
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(jpeg(320, 240))
    upload(page, [photo], PROCESSING_MS)
    page.locator(".grid.photos .tile-link").first.click()
    page.get_by_label("Add a tag").fill("seaside")
    page.get_by_label("Add a tag").press("Enter")
    remove = page.get_by_role("button", name="Remove tag seaside")
    expect(remove).to_be_visible()
    settled(page)

    # then: the tag's remove button is a 44 by 44 px target, on screen
    box = remove.bounding_box()
    assert box is not None
    assert box["width"] >= 44 and box["height"] >= 44, box
    within_viewport(page, remove, PHONE["width"])

    # then: the album's History fits: every cell and button within the screen
    page.goto(f"{page.url.split('#')[0]}#/albums/{album_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    page.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator('tr[data-type="RenameAlbum"]')).to_have_count(1)
    within_viewport(page, dialog.locator("td, td button, ins, del"), PHONE["width"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    dialog.get_by_role("button", name="Close").click()

    # then: support's operations on that album fit too, the revert buttons on screen
    sam = open_page("sam-phone", viewport=PHONE)
    sign_in(sam, "sam")
    expect(sam.get_by_role("heading", level=1, name="Support")).to_be_visible()
    sam.get_by_label("Album or photo id").fill(album_id)
    sam.get_by_role("button", name="Find").click()
    rows = sam.locator("#support-results tbody tr")
    expect(rows.first).to_be_visible()
    within_viewport(
        sam, sam.locator("#support-results td, #support-results button"), PHONE["width"]
    )
    assert sam.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
