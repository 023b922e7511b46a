// Turning API values into words a person reads.

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : TIME.format(date);
}

export function bytes(size) {
  if (size === undefined || size === null) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

/** "RetitlePhoto" -> "Retitle photo". */
export function commandName(type) {
  const words = String(type || "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A short form of a long id, for tables; the full id goes in a title. */
export function shortId(id) {
  const text = String(id || "");
  return text.length > 13 ? `${text.slice(0, 8)}…` : text;
}

/** A value from a before/after map, as one line of text. */
export function value(raw) {
  if (raw === null || raw === undefined || raw === "") return "—";
  if (Array.isArray(raw)) return raw.length ? raw.join(", ") : "—";
  if (typeof raw === "object") return JSON.stringify(raw);
  return String(raw);
}

/** "<input type=datetime-local>" value -> ISO 8601 in UTC, or null. */
export function localToIso(local) {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** ISO 8601 -> a value for <input type=datetime-local step=1>, in local time. */
export function isoToLocal(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
