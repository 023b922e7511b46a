// The gallery's front page: the albums as a grid with covers, and a form for a new one.

import { all, post } from "./api.js";
import { track } from "./changes.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { thumbnailOf } from "./photos.js";
import { uploader } from "./upload.js";

function card(album, photos) {
  const inAlbum = photos.filter((photo) => photo.album_id === album.album_id);
  const cover = inAlbum.map(thumbnailOf).find(Boolean);
  const count = `${inAlbum.length} photo${inAlbum.length === 1 ? "" : "s"}`;
  return el("li", { class: "card" },
    el("a", { href: `#/albums/${album.album_id}`, class: "card-link" },
      cover
        ? el("img", { class: "cover", src: cover, alt: "", loading: "lazy" })
        : el("span", { class: "cover cover-empty", "aria-hidden": "true", text: "No photos" }),
      el("span", { class: "card-title", text: album.title || "(untitled)" }),
      el("span", { class: "card-meta", text: album.share_token ? `${count} · shared` : count })));
}

function pendingCard(title) {
  return el("li", { class: "card pending", "aria-busy": "true" },
    el("span", { class: "cover cover-empty", "aria-hidden": "true", text: "…" }),
    el("span", { class: "card-title", text: title }),
    el("span", { class: "card-meta", text: "Creating…" }));
}

export async function render(container, _params, ctx) {
  const grid = el("ul", { class: "grid", "aria-labelledby": "albums-heading" });
  const empty = el("p", { class: "empty", hidden: true, text: "No albums yet." });
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const title = el("input", { id: "new-album-title", name: "title", maxlength: 200, required: true });
  const createButton = el("button", { type: "submit", text: "Create album" });
  const form = el("form", { class: "inline-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "new-album-title", text: "New album title" }), title),
    createButton);
  const upload = uploader({ albumId: null, onDone: () => load() });

  fill(container,
    el("h1", { id: "albums-heading", tabindex: "-1", text: "Your albums" }),
    ctx.roles.mayWrite() ? form : null,
    error,
    grid,
    empty,
    el("p", { class: "more-links" },
      el("a", { href: "#/albums/unsorted", text: "Unsorted photos" }), " · ",
      el("a", { href: "#/albums/trash", text: "Trash" })),
    ctx.roles.mayWrite() ? upload.element : null);

  async function load() {
    const [albums, photos] = await Promise.all([all("/albums"), all("/photos", { limit: 100 })]);
    if (!ctx.isCurrent()) return;
    const pending = [...grid.querySelectorAll(".card.pending")];
    grid.replaceChildren(...albums.map((a) => card(a, photos)), ...pending);
    empty.hidden = albums.length > 0 || pending.length > 0;
  }

  onSubmit(form, () => {
    const wanted = title.value.trim();
    if (!wanted) {
      showError(error, "Give the album a title.");
      title.focus();
      return;
    }
    showError(error, "");
    // Only the button is held while the request is sent: a disabled field would drop the
    // focus to the page, and Enter in it must leave the person where they were typing.
    title.readOnly = true;
    busy(createButton, async () => {
      let accepted;
      try {
        accepted = await post("/albums", { title: wanted });
      } finally {
        title.readOnly = false;
        if (!document.activeElement || document.activeElement === document.body) title.focus();
      }
      title.value = "";
      const placeholder = pendingCard(wanted);
      grid.append(placeholder);
      empty.hidden = true;
      // Followed outside `busy`: the next album can be typed and created meanwhile.
      track(accepted, `Create album “${wanted}”`)
        .catch((failure) => showError(error, failure.message))
        .finally(() => {
          placeholder.remove();
          load().catch((failure) => showError(error, failure.message));
        });
    }, (failure) => showError(error, failure.message));
  });

  await load();
  return { refresh: load };
}
