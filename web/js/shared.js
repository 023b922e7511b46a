// A shared album, for anyone with the link: no sign-in.

import { anonymousGet } from "./api.js";
import { el, fill } from "./dom.js";
import { tile } from "./photos.js";

export async function render(container, [token]) {
  const album = await anonymousGet(`/shared/${encodeURIComponent(token)}`);
  fill(container,
    el("h1", { id: "shared-heading", tabindex: "-1", text: album.title || "(untitled)" }),
    album.description ? el("p", { class: "description", text: album.description }) : null,
    album.photos.length
      ? el("ul", { class: "grid photos", "aria-labelledby": "shared-heading" },
        album.photos.map((photo) => tile(photo, { link: false })))
      : el("p", { class: "empty", text: "No photos in this album." }));
  return {};
}
