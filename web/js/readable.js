// A change as people read it: when (local, relative, exact on hover), and before → after
// as labelled values (titles, tag names, album names, Camera, Taken, Dimensions), never JSON.

import { all, get } from "./api.js";
import { el } from "./dom.js";
import { bytes, commandName } from "./format.js";

const EXACT = new Intl.DateTimeFormat(undefined, {
  dateStyle: "full", timeStyle: "long",
});
const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const STEPS = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"]];

/** "3 min ago", "yesterday"; null beyond a week (a date reads better then). */
export function relative(iso, now = Date.now()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  let amount = (date.getTime() - now) / 1000;
  if (Math.abs(amount) < 45) return "just now";
  for (const [size, unit] of STEPS) {
    if (Math.abs(amount) < size) {
      const words = RELATIVE.format(Math.round(amount), unit);
      return words.replace(/ minutes?/, " min").replace(/ seconds?/, " s");
    }
    amount /= size;
  }
  return null;
}

/**
 * A <time> in the viewer's local time. `relative` style: "3 min ago" (the date beyond a
 * week); `exact` style: "4 Dec 2026, 22:03". Either way the exact instant is its title.
 */
export function moment(iso, { style = "relative" } = {}) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return el("span", { class: "hint", text: "—" });
  const exact = EXACT.format(date);
  const ago = relative(iso);
  const text = style === "relative" && ago ? ago : LOCAL.format(date);
  const title = style === "relative" || !ago ? exact : `${exact} (${ago})`;
  return el("time", { datetime: date.toISOString(), title, text });
}

const PHOTO_STATES = { pending: "Processing", ready: "Ready", processing_failed: "Processing failed" };
/** Fields nobody reads: the pipeline's bookkeeping and the ids a change carries. */
const SILENT = new Set(["album_joined_at", "owner", "album_id_before", "photo_id", "purged",
  "version", "updated_at", "created_at", "orientation", "gps"]);
const LABELS = {
  title: "Title", description: "Description", caption: "Caption", tags: "Tags",
  album_id: "Album", share_token: "Sharing", deleted: "State", trashed: "In the trash",
  status: "Processing", failure_reason: "Why it failed", filename: "File", content_type: "Type",
  size: "Size", format: "Format", renditions: "Sizes made", camera: "Camera", captured_at: "Taken",
  display_name: "Display name", dimensions: "Dimensions", album: "Album",
};

function label(name) {
  if (LABELS[name]) return LABELS[name];
  const words = String(name).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One value as text; `albums` maps album ids to titles. */
function say(name, raw, albums) {
  if (name === "album_id") {
    if (!raw) return "No album (unsorted)";
    return albums.get(raw) || "an album no longer there";
  }
  if (name === "share_token") return raw ? "Shared by link" : "Not shared";
  if (raw === null || raw === undefined || raw === "") return "—";
  if (name === "deleted") return raw ? "Deleted" : "In use";
  if (typeof raw === "boolean") return raw ? "Yes" : "No";
  if (name === "status") return PHOTO_STATES[raw] || String(raw);
  if (name === "size") return bytes(raw);
  if (name === "captured_at") {
    const date = new Date(raw);
    return Number.isNaN(date.getTime()) ? String(raw) : LOCAL.format(date);
  }
  if (name === "renditions") return Object.keys(raw).join(", ") || "none";
  if (Array.isArray(raw)) return raw.length ? raw.map((item) => say("", item, albums)).join(", ") : "none";
  if (typeof raw === "object") {
    return Object.entries(raw).map(([key, item]) => `${label(key)}: ${say(key, item, albums)}`).join("; ");
  }
  return String(raw);
}

/**
 * The changed fields of one before/after pair as [label, before, after] rows: width and
 * height as Dimensions; metadata as its own labelled fields (Camera, Taken).
 */
export function changedFields(before, after) {
  const spread = (side) => {
    const out = { ...side };
    if (out.metadata && typeof out.metadata === "object") {
      for (const [key, item] of Object.entries(out.metadata)) {
        if (key === "width" || key === "height" || key === "format") continue;
        out[key] = item;
      }
      delete out.metadata;
    }
    if ("width" in out || "height" in out) {
      out.dimensions = out.width && out.height ? `${out.width} × ${out.height}` : null;
      delete out.width;
      delete out.height;
    }
    return out;
  };
  const old = spread(before || {});
  const now = spread(after || {});
  // A new item lists only what it was given, and an album is not "in" itself.
  const created = !before || Object.keys(before).length === 0;
  const isAlbum = created && !("photo_id" in now);
  const empty = (item) => item === null || item === undefined || item === "" || item === false
    || (typeof item === "object" && Object.keys(item).length === 0);
  const names = [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .filter((name) => !SILENT.has(name) && !(isAlbum && name === "album_id"))
    .filter((name) => !(created && empty(now[name]) && name !== "album_id"));
  return names.filter((name) => JSON.stringify(old[name]) !== JSON.stringify(now[name]))
    .map((name) => ({ name, label: label(name), before: name in old ? old[name] : undefined, after: now[name] }));
}

/** Before → after as a description list; "—" when nothing a person reads changed. */
export function beforeAfter(before, after, albums = new Map()) {
  const rows = changedFields(before, after);
  if (!rows.length) return el("span", { class: "hint", text: "—" });
  return el("dl", { class: "diff" }, rows.map((row) => [
    el("dt", { text: row.label }),
    el("dd", {},
      row.before === undefined ? null : [el("del", { text: say(row.name, row.before, albums) }), " → "],
      el("ins", { text: row.after === undefined ? "—" : say(row.name, row.after, albums) })),
  ]));
}

/** The sentence for a record or entry: the server's summary, or its kind of command. */
export function summaryOf(record) {
  return record.summary || commandName(record.type);
}

/** Album id -> title of one person's albums, deleted ones too (`owner` null: the viewer's). */
export async function albumTitles(owner) {
  const query = { include_deleted: true, limit: 100 };
  if (owner) query.owner = owner;
  const albums = await all("/albums", query).catch(() => []);
  return new Map(albums.map((album) => [album.album_id, album.title || "(untitled)"]));
}

/** Every entry of an album's or photo's history (kind: "albums" | "photos"), oldest first. */
export async function historyOf(kind, id) {
  const entries = [];
  let cursor = null;
  do {
    const page = await get(`/${kind}/${encodeURIComponent(id)}/history`, { cursor, limit: 500 });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor);
  return entries;
}
