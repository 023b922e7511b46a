// One album as a grid of thumbnails, with what its owner may do to it: rename, describe,
// share by link (and copy it), stop sharing, delete, upload into it, see its history.
// "unsorted" and "trash" are the owner's photos in no album, and those in the trash.

import { all, del, get, patch, post } from "./api.js";
import { track } from "./changes.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { openHistory } from "./history.js";
import { announce, confirmDone } from "./notice.js";
import { tile } from "./photos.js";
import { timeTravel } from "./timetravel.js";
import { uploader } from "./upload.js";

const SPECIAL = {
  unsorted: { title: "Unsorted photos", query: { album_id: "unsorted" }, empty: "No unsorted photos." },
  trash: { title: "Trash", query: { trashed: true }, empty: "The trash is empty." },
};

export function shareLink(token) {
  return `${location.origin}${location.pathname}#/shared/${encodeURIComponent(token)}`;
}

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    confirmDone("Link copied.");
  } catch {
    input.focus();
    input.select();
    announce("Press Ctrl+C to copy the selected link.");
  }
}

function photoGrid(photos, emptyText, labelledBy) {
  if (!photos.length) return el("p", { class: "empty", text: emptyText });
  return el("ul", { class: "grid photos", "aria-labelledby": labelledBy }, photos.map((p) => tile(p)));
}

async function renderSpecial(container, kind, ctx) {
  const spec = SPECIAL[kind];
  const area = el("div");
  const upload = kind === "unsorted" && ctx.roles.mayWrite()
    ? uploader({ albumId: null, onDone: () => load() }) : null;
  fill(container,
    el("p", { class: "breadcrumbs" }, el("a", { href: "#/albums", text: "Albums" })),
    el("h1", { id: "album-heading", tabindex: "-1", text: spec.title }),
    upload ? upload.element : null,
    area);
  async function load() {
    const photos = await all("/photos", { ...spec.query, limit: 100 });
    if (ctx.isCurrent()) fill(area, photoGrid(photos, spec.empty, "album-heading"));
  }
  await load();
  return { refresh: load };
}

function textForm(id, label, value, button, multiline) {
  const input = multiline
    ? el("textarea", { id, rows: 2, maxlength: 2000 }, value)
    : el("input", { id, value, maxlength: 200, required: true });
  const form = el("form", { class: "inline-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: id, text: label }), input),
    el("button", { type: "submit", class: "secondary", text: button }));
  return { form, input };
}

export async function render(container, [albumId], ctx) {
  if (SPECIAL[albumId]) return renderSpecial(container, albumId, ctx);
  const path = `/albums/${encodeURIComponent(albumId)}`;
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const heading = el("h1", { id: "album-heading", tabindex: "-1" });
  const description = el("p", { class: "description" });
  const sharing = el("div", { class: "sharing" });
  const owner = el("div", { class: "owner-tools" });
  const gallery = el("div");
  const historyButton = el("button", { type: "button", class: "secondary", text: "History" });
  const upload = ctx.roles.mayWrite() ? uploader({ albumId, onDone: () => load() }) : null;
  const travel = ctx.roles.readsEverything() ? timeTravel(albumId) : null;
  let album = null;

  historyButton.addEventListener("click", () =>
    openHistory("album", albumId, album ? album.title : "", album ? album.owner : null));

  fill(container,
    el("p", { class: "breadcrumbs" }, el("a", { href: "#/albums", text: "Albums" })),
    el("div", { class: "title-row" }, heading, historyButton),
    description,
    error,
    owner,
    sharing,
    upload ? upload.element : null,
    el("h2", { id: "album-photos-heading", text: "Photos" }),
    gallery,
    travel ? travel.element : null);

  const act = (form, label, send) => busy(form, async () => {
    showError(error, "");
    const accepted = await send();
    form.classList.add("pending");
    try {
      await track(accepted, label);
    } finally {
      form.classList.remove("pending");
    }
  }, (failure) => showError(error, failure.message));

  let tools = null;

  /** Built once, so a reload after a change keeps focus and typing where they are. */
  function renderOwnerTools() {
    if (!ctx.roles.mayWrite() || ctx.roles.isSupport()) return;
    if (tools) {
      for (const [input, value] of [[tools.title, album.title], [tools.description, album.description]]) {
        if (document.activeElement !== input) input.value = value || "";
      }
      return;
    }
    const rename = textForm("album-title", "Title", album.title, "Rename");
    const describe = textForm("album-description", "Description", album.description, "Save description", true);
    onSubmit(rename.form, () => {
      const title = rename.input.value.trim();
      if (!title) return showError(error, "An album needs a title.");
      act(rename.form, `Rename album to “${title}”`, () => patch(path, { title }));
    });
    onSubmit(describe.form, () => {
      const text = describe.input.value;
      act(describe.form, "Describe album", () => patch(path, { description: text }));
    });
    const remove = el("button", { type: "button", class: "danger", text: "Delete album" });
    remove.addEventListener("click", () => act(remove, `Delete album “${album.title}”`, () => del(path))
      .then(() => { if (ctx.isCurrent()) location.hash = "#/albums"; }));
    fill(owner, rename.form, describe.form, el("p", {}, remove,
      el("span", { class: "hint", text: " Its photos stay, unsorted; Undo brings it back." })));
    tools = { title: rename.input, description: describe.input };
  }

  let shownToken;

  function renderSharing() {
    if (shownToken === album.share_token) return;
    shownToken = album.share_token;
    const hadFocus = sharing.contains(document.activeElement);
    const refocus = () => { if (hadFocus) { const b = sharing.querySelector("button"); if (b) b.focus(); } };
    queueMicrotask(refocus);
    const mine = ctx.roles.mayWrite() && !ctx.roles.isSupport();
    if (!album.share_token) {
      const share = el("button", { type: "button", text: "Share by link" });
      share.addEventListener("click", () => act(share, "Share album", () => post(`${path}/share`)));
      return fill(sharing, el("p", { class: "hint", text: "Not shared." }), mine ? share : null);
    }
    const link = shareLink(album.share_token);
    const input = el("input", { id: "share-link", value: link, readonly: true });
    const copyButton = el("button", { type: "button", class: "secondary", text: "Copy link" });
    copyButton.addEventListener("click", () => copy(link, input));
    const unshare = el("button", { type: "button", class: "secondary", text: "Stop sharing" });
    unshare.addEventListener("click", () => act(unshare, "Stop sharing album", () => del(`${path}/share`)));
    fill(sharing, el("div", { class: "inline-form" },
      el("div", { class: "field" }, el("label", { for: "share-link", text: "Anyone with this link can see the album" }), input),
      copyButton, mine ? unshare : null));
  }

  async function load() {
    const detail = await get(path, { limit: 100 });
    if (!ctx.isCurrent()) return;
    album = detail;
    heading.textContent = album.title || "(untitled)";
    description.textContent = album.description || "";
    renderOwnerTools();
    renderSharing();
    fill(gallery, photoGrid(detail.photos.items, "No photos in this album yet.", "album-photos-heading"));
    if (travel) travel.load(detail.photos.items);
  }

  await load();
  return { refresh: load };
}
