// Uploading photos: drag and drop or the file picker, several at once. Each file asks the
// API for a presigned POST, sends its bytes straight to S3 with a progress bar, then shows
// its processing state until the pipeline says ready (or failed, and why).

import { get, post } from "./api.js";
import { settle } from "./changes.js";
import { el, sleep } from "./dom.js";
import { bytes } from "./format.js";
import { stateText, thumbnailOf } from "./photos.js";

const ACCEPTED = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff"];
const PROCESSING_TIMEOUT_MS = 120 * 1000;
let uploaders = 0;

/** POST the file to S3's presigned form, reporting progress (0..1). */
function sendToStorage(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields || {})) form.append(name, value);
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new Error(`The storage refused the file (HTTP ${request.status}).`));
    });
    request.addEventListener("error", () => reject(new Error("The upload was interrupted.")));
    request.addEventListener("abort", () => reject(new Error("The upload was cancelled.")));
    request.send(form);
  });
}

/**
 * Poll the photo until its processing ends; the final photo (or the last one seen).
 * Its registration is followed first, so the photo is never asked for before it exists.
 */
async function processed(started, onUpdate) {
  const registered = await settle(started.command_id);
  if (registered.status !== "succeeded") {
    throw new Error((registered.error && registered.error.message) || "The upload was refused.");
  }
  const deadline = Date.now() + PROCESSING_TIMEOUT_MS;
  let photo = null;
  while (Date.now() < deadline) {
    photo = await get(`/photos/${encodeURIComponent(started.photo_id)}`);
    onUpdate(photo);
    if (photo.status === "ready" && thumbnailOf(photo)) return photo;
    if (photo.status === "processing_failed") return photo;
    await sleep(500);
  }
  return photo;
}

function uploadRow(file) {
  const id = `upload-${++uploaders}`;
  const progress = el("progress", { id: `${id}-progress`, max: 100, value: 0,
    "aria-label": `Upload of ${file.name}` });
  const state = el("span", { class: "upload-state", text: "Waiting…" });
  const preview = el("span", { class: "upload-preview", "aria-hidden": "true" });
  const row = el("li", { class: "upload", dataset: { state: "waiting" } },
    preview,
    el("span", { class: "upload-name", text: file.name }),
    el("span", { class: "upload-size hint", text: bytes(file.size) }),
    progress, state);
  const set = (name, text) => {
    row.dataset.state = name;
    state.textContent = text;
  };
  return { row, progress, preview, set };
}

async function uploadOne(file, albumId, ui) {
  const type = file.type || "application/octet-stream";
  if (!ACCEPTED.includes(type)) {
    ui.set("failed", `Not uploaded: ${file.type || "this file"} is not a photo type Retake takes (JPEG, PNG, WebP, GIF or TIFF).`);
    return null;
  }
  ui.set("uploading", "Uploading…");
  const body = { filename: file.name, content_type: type, size: file.size };
  if (albumId) body.album_id = albumId;
  const started = await post("/uploads", body);
  await sendToStorage(started.upload, file, (share) => {
    ui.progress.value = Math.round(share * 100);
  });
  ui.progress.value = 100;
  ui.set("pending", "Uploaded; processing…");
  const photo = await processed(started, (seen) => {
    if (seen.status === "pending") ui.set("pending", stateText(seen));
  });
  if (!photo) {
    ui.set("pending", "Still processing; it will show up in a moment.");
  } else if (photo.status === "ready") {
    ui.set("ready", "Ready");
    const thumbnail = thumbnailOf(photo);
    if (thumbnail) ui.preview.replaceChildren(el("img", { src: thumbnail, alt: "" }));
  } else if (photo.status === "processing_failed") {
    ui.set("failed", stateText(photo));
  } else {
    ui.set("pending", `${stateText(photo)}; it will show up in a moment.`);
  }
  return photo;
}

/** An upload area for one album (or none: unsorted); `onDone` runs as each file settles. */
export function uploader({ albumId, onDone }) {
  const n = ++uploaders;
  const input = el("input", { id: `files-${n}`, type: "file", multiple: true,
    accept: ACCEPTED.join(","), class: "visually-hidden" });
  const list = el("ul", { class: "uploads", "aria-label": "Uploads" });
  const zone = el("div", { class: "dropzone" },
    el("p", {}, "Drop photos here, or "),
    el("label", { for: input.id, class: "button", text: "Choose photos" }),
    input);
  const element = el("section", { class: "upload-area", "aria-label": "Add photos" }, zone, list);

  function start(files) {
    for (const file of files) {
      const ui = uploadRow(file);
      list.prepend(ui.row);
      uploadOne(file, albumId, ui)
        .catch((error) => ui.set("failed", `Not uploaded: ${error.message || "try again."}`))
        .finally(() => { if (onDone) onDone(); });
    }
  }

  input.addEventListener("change", () => {
    start([...input.files]);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    start([...event.dataTransfer.files]);
  });
  return { element };
}
