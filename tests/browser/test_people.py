"""People by name: the auditor's person picker, support starting from a person, a history
people read (summaries, local times, no ids), each role's landing page, and a profile.

Each test makes what it needs as the demo accounts: alice ("Alice Liddell"), audrey the
auditor, sam of support, and bob ("Bob Builder").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from tests.browser.people import jpeg, settled, sign_in, upload
from tests.browser.story import PROCESSING_MS

#: A uuid anywhere in a text: what no person should ever read.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ALICE = "Alice Liddell (alice)"


def no_ids(area: Locator) -> None:
    text = area.inner_text()
    assert not UUID.search(text), f"an id shows: {UUID.search(text)}"
    assert "{" not in text, "JSON shows"


def new_album(page: Page, title: str) -> None:
    page.get_by_label("New album title").fill(title)
    page.get_by_label("New album title").press("Enter")
    expect(page.locator(".card-link", has_text=title)).to_be_visible()
    settled(page)


def rename_album(page: Page, title: str, new_title: str) -> None:
    page.locator(".card-link", has_text=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    page.get_by_label("Title", exact=True).fill(new_title)
    page.get_by_label("Title", exact=True).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(new_title)
    settled(page)


def pick_person(page: Page, typed: str, shown: str) -> None:
    """Type into the person picker, see the suggestion, choose it with the keyboard."""
    person = page.get_by_role("combobox", name="Person")
    person.press_sequentially(typed)
    option = page.get_by_role("option", name=shown)
    expect(option).to_be_visible()
    expect(person).to_have_attribute("aria-expanded", "true")
    person.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(person).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    person.press("Enter")
    expect(person).to_have_value(shown)
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_each_role_lands_on_its_own_page(open_page: Callable[..., Page]) -> None:
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")
    expect(audrey.get_by_role("heading", level=1, name="Audit trail")).to_be_focused()
    expect(audrey.locator("#who")).to_have_text("Audrey Auditor (audrey, auditors)")
    # "Your albums" is never an auditor's page: it sends her back to the trail
    audrey.goto(audrey.url.split("#")[0] + "#/albums")
    expect(audrey.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()

    sam = open_page("sam")
    sign_in(sam, "sam")
    expect(sam.get_by_role("heading", level=1, name="Support")).to_be_focused()
    expect(sam.locator("#who")).to_have_text("Sam Support (sam, support)")
    expect(sam.locator("main")).not_to_contain_text("account id")

    alice = open_page("alice")
    sign_in(alice, "alice")
    expect(alice.get_by_role("heading", level=1, name="Your albums")).to_be_focused()
    expect(alice.locator("#who")).to_have_text(ALICE)
    no_ids(alice.locator("main"))


def test_an_auditor_finds_alice_by_typing_ali_and_filters_the_trail_by_her(
    open_page: Callable[..., Page],
) -> None:
    # given: alice made an album, and bob one too
    title = f"Picnic {uuid.uuid4().hex[:6]}"
    alice = open_page("alice")
    sign_in(alice, "alice")
    new_album(alice, title)
    bob = open_page("bob")
    sign_in(bob, "bob")
    new_album(bob, f"Bob's {uuid.uuid4().hex[:6]}")

    # when: the auditor types "ali" in the person filter and picks the suggestion
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")
    pick_person(audrey, "ali", ALICE)

    # then: the trail is hers alone: her name, the summary sentence, local times
    rows = audrey.locator("#audit-results tbody tr")
    expect(rows.locator("td.who").filter(has_not_text=ALICE)).to_have_count(0)  # bob's gone
    expect(rows.first).to_be_visible()
    whos = {text.strip() for text in rows.locator("td.who").all_inner_texts()}
    assert whos == {ALICE}, whos
    created = audrey.locator('#audit-results tr[data-type="CreateAlbum"]', has_text=title)
    expect(created.locator("td.summary")).to_contain_text(re.compile(f"created .*{title}"))
    moment = created.locator("time")
    expect(moment).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(moment).to_have_attribute("title", re.compile(r"\d\d:\d\d"))
    no_ids(audrey.locator("#audit-results"))

    # then: Escape closes the suggestions, and typing again offers them again
    person = audrey.get_by_role("combobox", name="Person")
    person.fill("")
    person.press_sequentially("Bob")
    expect(audrey.get_by_role("option", name=re.compile(r"^Bob .*\(bob\)$"))).to_be_visible()
    person.press("Escape")
    expect(audrey.get_by_role("listbox")).to_be_hidden()
    expect(person).to_have_attribute("aria-expanded", "false")


def test_support_finds_alice_by_name_and_reverts_her_rename_with_a_reason(
    open_page: Callable[..., Page],
) -> None:
    # given: alice created an album and renamed it
    old, new = f"Lakes {uuid.uuid4().hex[:6]}", f"Lakes in June {uuid.uuid4().hex[:6]}"
    alice = open_page("alice")
    sign_in(alice, "alice")
    new_album(alice, old)
    rename_album(alice, old, new)

    # when: support finds her by name
    sam = open_page("sam")
    sign_in(sam, "sam")
    pick_person(sam, "Alice", ALICE)

    # then: her recent operations, each with before → after in the words she used
    expect(sam.locator("#support-operations")).to_have_text(f"Recent operations of {ALICE}")
    renamed = sam.locator('#support-results tr[data-type="RenameAlbum"]', has_text=new)
    expect(renamed).to_have_count(1)
    expect(renamed.locator(".change-cell del")).to_have_text(old)
    expect(renamed.locator(".change-cell ins")).to_have_text(new)
    expect(renamed.locator("td.who")).to_have_text(ALICE)
    no_ids(sam.locator("#support-results"))

    # when: he opens the revert, sees the change again, and reverts it with a reason
    renamed.get_by_role("button", name="Revert…").click()
    form = renamed.locator(".reason-form")
    expect(form.locator(".revert-change")).to_contain_text(f"{old} → {new}")
    reason = "Ticket 77: she asked for the old title back"
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Revert", exact=True).click()
    expect(sam.locator("#status")).to_contain_text("Rename album reverted")
    settled(sam)

    # then: alice sees her old title, and in its history the revert by Sam, by name
    alice.get_by_role("link", name="Albums", exact=True).first.click()
    expect(alice.locator(".card-link", has_text=old)).to_be_visible()
    alice.locator(".card-link", has_text=old).click()
    alice.get_by_role("button", name="History").click()
    dialog = alice.get_by_role("dialog")
    revert = dialog.locator('tr[data-type="UndoCommand"]')
    expect(revert).to_have_count(1)
    expect(revert.locator("td.who")).to_have_text("Sam Support (support)")
    expect(revert).to_contain_text(reason)
    expect(revert).to_contain_text(re.compile(f"Takes back: .*{new}"))
    no_ids(dialog)


def test_history_shows_summaries_local_times_and_no_ids(open_page: Callable[..., Page]) -> None:
    # given: alice, in New Zealand, made an album, renamed it and shared it
    zone = "Pacific/Auckland"
    title = f"Harbour {uuid.uuid4().hex[:6]}"
    alice = open_page("alice", timezone_id=zone)
    sign_in(alice, "alice")
    new_album(alice, title)
    rename_album(alice, title, f"{title} at night")
    alice.get_by_role("button", name="Share by link").click()
    expect(alice.get_by_role("button", name="Stop sharing")).to_be_visible()
    settled(alice)

    # when: she opens its history
    alice.get_by_role("button", name="History").click()
    dialog = alice.get_by_role("dialog")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(3)

    # then: each change is a sentence, by "you", just now, the exact local instant on hover
    renamed = dialog.locator('tr[data-type="RenameAlbum"]')
    expect(renamed.locator(".summary")).to_contain_text(re.compile(f"renamed .*{title}"))
    expect(renamed.locator("td.who")).to_have_text("you")
    expect(renamed.get_by_role("button", name=re.compile("^Undo Rename album"))).to_be_visible()
    expect(renamed.locator(".diff dt")).to_have_text("Title")
    expect(renamed.locator(".diff del")).to_have_text(title)
    shared = dialog.locator('tr[data-type="ShareAlbum"]')
    expect(shared.locator(".diff")).to_contain_text("Not shared → Shared by link")
    moment = renamed.locator("time")
    expect(moment).to_have_text(re.compile(r"^(just now|\d+ min ago|\d+ s ago)$"))
    instant = datetime.fromisoformat(moment.get_attribute("datetime") or "")
    local = instant.astimezone(ZoneInfo(zone))
    expect(moment).to_have_attribute("title", re.compile(local.strftime("%H:%M:%S")))
    no_ids(dialog)

    # then: "Undo this" only where an undo applies; the others say why not
    for row in rows.all():
        offers = row.get_by_role("button", name=re.compile("^(Undo|Redo) ")).count()
        reason = row.locator(".cannot-undo").count()
        assert offers + reason <= 1, row.inner_text()

    # when: she undoes the share from its entry
    shared.get_by_role("button", name=re.compile("^Undo Share album")).click()

    # then: the share offers "Redo this", and the undo itself names what it took back
    expect(shared.get_by_role("button", name=re.compile("^Redo Share album"))).to_be_visible()
    undo = dialog.locator('tr[data-type="UndoCommand"]')
    expect(undo.locator("td.who")).to_have_text("you")
    expect(undo).to_contain_text(re.compile("Takes back: .*shared"))
    expect(undo.get_by_role("button", name=re.compile("^Undo "))).to_have_count(0)
    no_ids(dialog)


def test_a_photo_s_history_names_its_albums_and_an_auditor_reads_its_album_by_title(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    # given: alice's photo, uploaded into one album and moved to another
    first, second = f"Coast {uuid.uuid4().hex[:6]}", f"Hills {uuid.uuid4().hex[:6]}"
    alice = open_page("alice")
    sign_in(alice, "alice")
    new_album(alice, first)
    new_album(alice, second)
    alice.locator(".card-link", has_text=first).click()
    photo = tmp_path / "cliff.jpg"
    photo.write_bytes(jpeg(320, 240))
    upload(alice, [photo], PROCESSING_MS)
    alice.locator(".grid.photos .tile-link").first.click()
    expect(alice.locator(".photo-image img")).to_be_visible()
    alice.get_by_label("Album", exact=True).select_option(label=second)
    alice.get_by_role("button", name="Move", exact=True).click()
    expect(alice.locator(".breadcrumbs")).to_contain_text(second)
    settled(alice)

    # when: she opens its history
    alice.get_by_role("button", name="History").click()
    dialog = alice.get_by_role("dialog")
    moved = dialog.locator('tr[data-type="MovePhoto"]')

    # then: the move reads as album titles, the pipeline's work as labelled fields
    expect(moved.locator(".diff dt")).to_have_text("Album")
    expect(moved.locator(".diff del")).to_have_text(first)
    expect(moved.locator(".diff ins")).to_have_text(second)
    processed = dialog.locator("tr", has=alice.locator(".diff dt", has_text="Dimensions"))
    expect(processed.locator("td.who")).to_have_text("Retake (image processing)")
    expect(processed).to_contain_text("320 \u00d7 240")
    no_ids(dialog)
    dialog.get_by_role("button", name="Close").click()

    # then: the auditor reads the photo's album by its title, never its id
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")
    audrey.goto(audrey.url.split("#")[0] + "#/" + alice.url.split("#/")[1])
    expect(audrey.locator(".breadcrumbs")).to_contain_text(second)
    album = audrey.locator("dl.details dt", has_text="Album").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(album).to_have_text(second)
    no_ids(audrey.locator("main"))


def test_a_person_changes_their_display_name_and_sees_it_pending_then_saved(
    open_page: Callable[..., Page],
) -> None:
    # given: bob on his profile, from his name in the header
    bob = open_page("bob")
    sign_in(bob, "bob")
    bob.locator("#who a").click()
    expect(bob.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
    expect(bob.locator("#profile-facts")).to_contain_text("bob")
    wanted = f"Bob Builder {uuid.uuid4().hex[:4]}"

    # when: he saves a new display name
    bob.get_by_label("Display name", exact=True).fill(wanted)
    bob.get_by_role("button", name="Save name").click()

    # then: it is a change like any other, pending until projected, then his name
    change = bob.locator("#changes-list .change", has_text=wanted)
    expect(change).to_be_visible()
    expect(change).to_have_attribute("data-state", "done")
    expect(bob.locator("#profile-state")).to_have_text(f"People now see you as “{wanted}”.")
    expect(bob.locator("#who")).to_have_text(f"{wanted} (bob)")

    # then: the auditor finds him by his new name
    audrey = open_page("audrey")
    sign_in(audrey, "audrey")
    person = audrey.get_by_role("combobox", name="Person")
    person.press_sequentially(wanted[:14])
    expect(audrey.get_by_role("option", name=f"{wanted} (bob)")).to_be_visible()
