// What every view needs to know about a photo: its images and its processing state.

import { el } from "./dom.js";

const STATES = { pending: "Processing…", ready: "Ready", processing_failed: "Processing failed" };

function urlOf(photo, size) {
  const urls = photo.urls || {};
  return urls[size] || null;
}

export const thumbnailOf = (photo) => urlOf(photo, "thumbnail");
export const largeOf = (photo) => urlOf(photo, "large") || urlOf(photo, "original");

export function stateText(photo) {
  const text = STATES[photo.status] || photo.status || "";
  return photo.status === "processing_failed" && photo.failure_reason
    ? `${text}: ${photo.failure_reason}` : text;
}

/** One photo in a grid of thumbnails, linking to its own view. */
export function tile(photo, { link = true } = {}) {
  const thumbnail = thumbnailOf(photo);
  const name = photo.title || photo.filename || "(untitled)";
  const image = thumbnail
    ? el("img", { class: "thumb", src: thumbnail, alt: name, loading: "lazy" })
    : el("span", { class: "thumb thumb-empty", "aria-hidden": "true", text: stateText(photo) });
  const caption = el("span", { class: "tile-title", text: name });
  const badge = photo.status && photo.status !== "ready"
    ? el("span", { class: `badge badge-${photo.status}`, text: stateText(photo) }) : null;
  const tags = photo.tags && photo.tags.length
    ? el("span", { class: "tile-tags", text: photo.tags.join(", ") }) : null;
  const body = [image, caption, badge, tags];
  return el("li", { class: "tile", dataset: { photoId: photo.photo_id } },
    link ? el("a", { href: `#/photos/${photo.photo_id}`, class: "tile-link" }, body)
      : el("div", { class: "tile-link" }, body));
}
