"""A new gallery user's journey, run once and shared by the tests of the other roles.

`gallery_journey` is the issue's user journey in a real browser: sign up and
confirm, create an album, upload two real JPEGs and see their thumbnails, open
one and read its details, tag it, undo with Ctrl+Z and redo with Ctrl+Shift+Z,
then with the Undo and Redo buttons, retitle it twice (so undoing the first
retitle conflicts with the second), caption it with a script tag, share the
album and read the album's history. What it leaves behind is a `Story` for the
auditor and support tests.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.people import PASSWORD, jpeg, settled

FIRST_TITLE = "Sunset"
SECOND_TITLE = "Sunset over the bay"
#: Upload, S3 push, four pipeline filters and two projections: slow on a busy two-core machine.
PROCESSING_MS = 120_000
#: The size of the journey's JPEGs.
JPEG_WIDTH, JPEG_HEIGHT = 640, 480
SCRIPT_CAPTION = '<script>window.__injected = 1</script><b id="bold">not bold</b>'


@dataclass(frozen=True)
class Story:
    username: str
    user_id: str
    album_title: str
    album_id: str
    photo_id: str
    share_url: str


def sign_up_and_confirm(page: Page, username: str) -> None:
    """Sign up, try to sign in before confirming (refused, clearly), confirm, land signed in."""
    page.get_by_role("button", name="Create an account").click()
    form = page.locator("#sign-up-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Email").fill(f"{username}@retake.example")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    confirm = page.locator("#confirm-form")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("any code confirms the account")
    # Back to sign in before confirming: the page says why it cannot, and asks for the code.
    confirm.get_by_role("button", name="Back to sign in").click()
    sign_in = page.locator("#sign-in-form")
    sign_in.get_by_label("Username").fill(username)
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.locator("#auth-error")).to_have_text(
        "This account is not confirmed yet. Enter the confirmation code we sent you."
    )
    expect(confirm).to_be_visible()
    expect(confirm.get_by_label("Username")).to_have_value(username)
    confirm.get_by_label("Confirmation code").fill("000000")
    confirm.get_by_label("Confirmation code").press("Enter")
    expect(page.locator("#who")).to_have_text(username)
    expect(page.get_by_role("heading", level=1, name="Your albums")).to_be_visible()


def create_album(page: Page, title: str) -> str:
    page.get_by_label("New album title").fill(title)
    page.get_by_label("New album title").press("Enter")
    card = page.locator(".card-link", has_text=title)
    expect(card).to_be_visible()
    href = card.get_attribute("href") or ""
    return href.rsplit("/", 1)[-1]


def upload_two_jpegs(page: Page, folder: Path) -> None:
    """Upload two files at once with the file picker; each shows progress, then Ready."""
    files = []
    for name, color in (("harbour.jpg", (30, 90, 200)), ("dunes.jpg", (220, 170, 60))):
        path = folder / name
        path.write_bytes(jpeg(JPEG_WIDTH, JPEG_HEIGHT, color))
        files.append(path)
    page.locator(".upload-area input[type=file]").set_input_files(files)
    uploads = page.locator(".uploads .upload")
    expect(uploads).to_have_count(2)
    for upload in uploads.all():
        expect(upload.locator("progress")).to_have_attribute("value", "100")
        expect(upload.locator(".upload-state")).to_have_text("Ready", timeout=PROCESSING_MS)
    thumbnails = page.locator(".grid.photos img.thumb")
    expect(thumbnails).to_have_count(2)
    for thumbnail in thumbnails.all():
        expect(thumbnail).to_have_js_property("complete", True)
        assert thumbnail.evaluate("image => image.naturalWidth") > 0


def tag_undo_redo(page: Page) -> None:
    """Tag "beach"; Ctrl+Z takes it away and Ctrl+Shift+Z brings it back, then the buttons."""
    page.get_by_label("Add a tag").fill("beach")
    page.get_by_label("Add a tag").press("Enter")
    beach = page.locator(".tags .tag", has_text="beach")
    expect(beach).to_have_class("tag")  # settled: no longer pending
    settled(page)
    # Shortcuts act outside text fields (a field keeps its own Ctrl+Z).
    page.get_by_role("button", name="History").focus()
    page.keyboard.press("Control+z")
    expect(beach).to_have_count(0)
    settled(page)
    page.keyboard.press("Control+Shift+Z")
    expect(beach).to_have_count(1)
    settled(page)
    # The buttons name what they act on: the tag, from the API's summary.
    expect(page.locator("#undo-button")).to_have_accessible_name(re.compile('^Undo: .*"beach"'))
    page.locator("#undo-button").click()
    expect(beach).to_have_count(0)
    settled(page)
    expect(page.locator("#redo-button")).to_have_accessible_name(re.compile('^Redo: .*"beach"'))
    page.locator("#redo-button").click()
    expect(beach).to_have_count(1)
    settled(page)


def retitle_twice_and_caption(page: Page) -> None:
    for title in (FIRST_TITLE, SECOND_TITLE):
        page.get_by_label("Title", exact=True).fill(title)
        page.get_by_label("Title", exact=True).press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        settled(page)
    page.get_by_label("Caption").fill(SCRIPT_CAPTION)
    page.get_by_role("button", name="Save caption").click()
    caption = page.locator("#photo-caption")
    expect(caption).to_have_text(SCRIPT_CAPTION)
    settled(page)
    assert caption.locator("b, script").count() == 0
    assert page.evaluate("window.__injected") is None


def refused_undo_names_the_later_change(page: Page) -> None:
    """The first retitle's history entry offers no Undo, and names the second retitle."""
    page.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("tbody tr").first).to_be_visible()
    tagged = dialog.locator('tr[data-type="TagPhoto"]')
    expect(tagged).to_contain_text("Undone, then redone")
    expect(tagged).to_contain_text("beach")
    expect(tagged.get_by_role("button", name=re.compile("^Undo Tag photo"))).to_be_visible()
    first_retitle = dialog.locator('tr[data-type="RetitlePhoto"]').last  # newest first
    # The history knows the second retitle stands in the way: no Undo, and it says why.
    expect(first_retitle.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    expect(first_retitle).to_contain_text("This cannot be undone while a later change stands")
    expect(first_retitle).to_contain_text(f'"{SECOND_TITLE}"')
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SECOND_TITLE)


def details_say(page: Page, name: str) -> Locator:
    """The value of one of the photo's details ("Dimensions", "Status")."""
    return page.locator("dl.details dt", has_text=name).locator("xpath=following-sibling::dd[1]")


def album_history_names_its_changes(page: Page) -> None:
    """The album's history panel: created and shared, both by you."""
    page.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog")
    for command, what in (("CreateAlbum", "Create album"), ("ShareAlbum", "Share album")):
        row = dialog.locator(f'tr[data-type="{command}"]')
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(1)).to_have_text("you")
        expect(row.locator("td").nth(2)).to_contain_text(what)
    expect(dialog.locator('tr[data-type="TagPhoto"]')).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def share(page: Page) -> str:
    page.get_by_role("button", name="Share by link").click()
    link = page.get_by_label("Anyone with this link can see the album")
    expect(link).to_have_value(re.compile(r"#/shared/"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#status")).to_contain_text(re.compile("copied|Ctrl\\+C"))
    return link.input_value()


def gallery_journey(page: Page, folder: Path) -> Story:
    username = f"zoe-{uuid.uuid4().hex[:6]}"
    sign_up_and_confirm(page, username)
    user_id = page.evaluate("JSON.parse(sessionStorage.getItem('retake.session')).userId")

    album_title = "Holidays"
    album_id = create_album(page, album_title)
    page.locator(".card-link", has_text=album_title).click()
    expect(page.get_by_role("heading", level=1, name=album_title)).to_be_visible()
    upload_two_jpegs(page, folder)

    page.locator(".grid.photos .tile-link").first.click()
    expect(page.locator(".photo-image img")).to_be_visible()
    photo_id = page.url.rsplit("/", 1)[-1]
    expect(details_say(page, "Status")).to_have_text("Ready")
    expect(details_say(page, "Dimensions")).to_have_text(f"{JPEG_WIDTH} \u00d7 {JPEG_HEIGHT}")
    tag_undo_redo(page)
    retitle_twice_and_caption(page)
    refused_undo_names_the_later_change(page)

    page.locator(".breadcrumbs a").last.click()
    expect(page.get_by_role("heading", level=1, name=album_title)).to_be_visible()
    share_url = share(page)
    settled(page)
    album_history_names_its_changes(page)
    page.get_by_role("link", name="Albums", exact=True).first.click()
    cover = page.locator(".card", has_text=album_title).locator("img.cover")
    expect(cover).to_have_js_property("complete", True)
    assert cover.evaluate("image => image.naturalWidth") > 0
    return Story(username, user_id, album_title, album_id, photo_id, share_url)
