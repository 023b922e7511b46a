// One photo with its details, and what its owner may do: retitle, caption, tag and untag,
// move to another album, trash and restore, reprocess a failed one, see its history.

import { all, del, get, patch, post, put } from "./api.js";
import { track } from "./changes.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { bytes, when } from "./format.js";
import { openHistory } from "./history.js";
import { largeOf, stateText } from "./photos.js";
import { albumTitles } from "./readable.js";

function details(photo, albumTitle) {
  const rows = [
    ["Status", stateText(photo)],
    ["Album", albumTitle],
    ["File", photo.filename],
    ["Type", photo.content_type],
    ["Size", bytes(photo.size)],
    ["Dimensions", photo.width && photo.height ? `${photo.width} × ${photo.height}` : ""],
    ["Uploaded", when(photo.created_at)],
    ["Last change", when(photo.updated_at)],
    ["In the trash", photo.trashed ? "Yes" : ""],
  ].filter(([, value]) => value);
  return el("dl", { class: "details" }, rows.map(([name, value]) => [
    el("dt", { text: name }), el("dd", { text: value })]));
}

function field(id, label, control, button) {
  return el("form", { class: "inline-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: id, text: label }), control),
    el("button", { type: "submit", class: "secondary", text: button }));
}

export async function render(container, [photoId], ctx) {
  const path = `/photos/${encodeURIComponent(photoId)}`;
  const mine = ctx.roles.mayWrite() && !ctx.roles.isSupport();
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const heading = el("h1", { id: "photo-heading", tabindex: "-1" });
  const crumbs = el("p", { class: "breadcrumbs" });
  const image = el("div", { class: "photo-image" });
  const caption = el("p", { class: "caption", id: "photo-caption" });
  const info = el("div");
  const tagList = el("ul", { class: "tags", "aria-label": "Tags" });
  const historyButton = el("button", { type: "button", class: "secondary", text: "History" });
  const tools = el("div", { class: "owner-tools" });
  const title = el("input", { id: "photo-title", maxlength: 200, required: true });
  const captionInput = el("textarea", { id: "photo-caption-input", rows: 2, maxlength: 2000 });
  const newTag = el("input", { id: "new-tag", maxlength: 50, autocomplete: "off" });
  const albumSelect = el("select", { id: "photo-album" });
  const trashButton = el("button", { type: "button", class: "danger" });
  const reprocessButton = el("button", { type: "button", class: "secondary", hidden: true, text: "Process again" });
  let photo = null;
  let albums = [];
  /** Titles of the owner's albums, for those who read others' photos (never an album id). */
  let albumNames = new Map();
  const pendingTags = new Set();

  historyButton.addEventListener("click", () =>
    openHistory("photo", photoId, photo ? photo.title : "", photo ? photo.owner : null));

  const act = (control, label, send) => busy(control, async () => {
    showError(error, "");
    const accepted = await send();
    await track(accepted, label);
  }, (failure) => showError(error, failure.message));

  if (mine) {
    const retitle = field("photo-title", "Title", title, "Retitle");
    const captionForm = field("photo-caption-input", "Caption", captionInput, "Save caption");
    const tagForm = field("new-tag", "Add a tag", newTag, "Tag");
    const moveForm = field("photo-album", "Album", albumSelect, "Move");
    onSubmit(retitle, () => {
      const wanted = title.value.trim();
      if (!wanted) return showError(error, "A photo needs a title.");
      act(retitle, `Retitle photo to “${wanted}”`, () => patch(path, { title: wanted }));
    });
    onSubmit(captionForm, () => {
      const wanted = captionInput.value;
      act(captionForm, "Caption photo", () => patch(path, { caption: wanted }));
    });
    onSubmit(tagForm, () => {
      const tag = newTag.value.trim();
      if (!tag) return showError(error, "Type a tag first.");
      newTag.value = "";
      pendingTags.add(tag);
      renderTags();
      act(tagForm, `Tag photo “${tag}”`, () => post(`${path}/tags`, { tags: [tag] }))
        .finally(() => { pendingTags.delete(tag); renderTags(); newTag.focus(); });
    });
    onSubmit(moveForm, () => {
      const target = albumSelect.value || null;
      const name = target ? albumSelect.selectedOptions[0].textContent : "no album";
      act(moveForm, `Move photo to ${name}`, () => put(`${path}/album`, { album_id: target }));
    });
    trashButton.addEventListener("click", () => {
      const restoring = photo.trashed;
      act(trashButton, restoring ? "Restore photo" : "Move photo to the trash",
        () => (restoring ? post(`${path}/restore`) : del(path)));
    });
    reprocessButton.addEventListener("click", () => {
      act(reprocessButton, "Process photo again", () => post(`${path}/reprocess`));
    });
    fill(tools, retitle, captionForm, tagForm, moveForm, el("p", {}, trashButton, " ", reprocessButton));
  }

  function renderTags() {
    if (!photo) return;
    const shown = [...photo.tags, ...[...pendingTags].filter((t) => !photo.tags.includes(t))];
    fill(tagList, shown.map((tag) => {
      const pending = pendingTags.has(tag) && !photo.tags.includes(tag);
      const chip = el("li", { class: pending ? "tag pending" : "tag", dataset: { tag } },
        el("span", { class: "tag-name", text: tag }),
        pending ? el("span", { class: "hint", text: " (saving…)" }) : null);
      if (mine && !pending) {
        const remove = el("button", { type: "button", class: "tag-remove", "aria-label": `Remove tag ${tag}`, text: "×" });
        remove.addEventListener("click", () => {
          chip.classList.add("pending");
          act(remove, `Untag photo “${tag}”`, () => del(`${path}/tags/${encodeURIComponent(tag)}`));
        });
        chip.append(remove);
      }
      return chip;
    }));
    if (!shown.length) tagList.append(el("li", { class: "hint", text: "No tags." }));
  }

  function albumTitle() {
    if (!photo.album_id) return "None (unsorted)";
    const found = albums.find((a) => a.album_id === photo.album_id);
    return found ? found.title : (albumNames.get(photo.album_id) || "Its album");
  }

  async function load() {
    const [current, owned] = await Promise.all([
      get(path),
      mine ? all("/albums") : Promise.resolve([]),
    ]);
    if (!ctx.isCurrent()) return;
    photo = current;
    albums = owned;
    if (!mine && photo.album_id && !albumNames.has(photo.album_id)) {
      albumNames = await albumTitles(photo.owner);
      if (!ctx.isCurrent()) return;
    }
    heading.textContent = photo.title || photo.filename || "(untitled)";
    caption.textContent = photo.caption || "";
    const back = photo.album_id ? `#/albums/${photo.album_id}` : "#/albums/unsorted";
    fill(crumbs, el("a", { href: "#/albums", text: "Albums" }), " › ",
      el("a", { href: photo.trashed ? "#/albums/trash" : back, text: photo.trashed ? "Trash" : albumTitle() }));
    const large = largeOf(photo);
    fill(image, large
      ? el("img", { src: large, alt: photo.title || photo.filename || "" })
      : el("p", { class: "thumb-empty", text: stateText(photo) }));
    fill(info, details(photo, albumTitle()));
    renderTags();
    if (mine) {
      if (document.activeElement !== title) title.value = photo.title || "";
      if (document.activeElement !== captionInput) captionInput.value = photo.caption || "";
      const chosen = document.activeElement === albumSelect ? albumSelect.value : photo.album_id || "";
      fill(albumSelect, el("option", { value: "", text: "No album (unsorted)" }),
        albums.map((a) => el("option", { value: a.album_id, text: a.title })));
      albumSelect.value = chosen;
      trashButton.textContent = photo.trashed ? "Restore from the trash" : "Move to the trash";
      trashButton.className = photo.trashed ? "secondary" : "danger";
      reprocessButton.hidden = photo.status !== "processing_failed";
    }
  }

  fill(container,
    crumbs,
    el("div", { class: "title-row" }, heading, historyButton),
    error,
    el("div", { class: "photo-page" },
      el("figure", { class: "photo" }, image, el("figcaption", {}, caption)),
      el("div", { class: "photo-side" },
        el("h2", { id: "tags-heading", text: "Tags" }), tagList,
        el("h2", { text: "Details" }), info,
        mine ? el("h2", { text: "Change" }) : null, tools)));
  await load();
  return { refresh: load };
}
