// An album as it was at any instant: a slider over the moments its history (and its photos'
// histories) changed it, and a picker for any other instant. Reads `?as_of=`.

import { get } from "./api.js";
import { el, fill, onSubmit } from "./dom.js";
import { commandName, isoToLocal, localToIso, when } from "./format.js";
import { tile } from "./photos.js";
import { who } from "./undo.js";

async function historyOf(kind, id) {
  const entries = [];
  let cursor = null;
  do {
    const page = await get(`/${kind}s/${encodeURIComponent(id)}/history`, { cursor, limit: 500 });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor);
  return entries;
}

export function timeTravel(albumId) {
  const slider = el("input", { id: "as-of-slider", type: "range", min: 0, max: 0, step: 1, value: 0,
    "aria-describedby": "as-of-moment" });
  const moment = el("output", { id: "as-of-moment", for: "as-of-slider" });
  const picker = el("input", { id: "as-of-instant", type: "datetime-local", step: 1 });
  const pickerForm = el("form", { class: "inline-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "as-of-instant", text: "Or pick an instant" }), picker),
    el("button", { type: "submit", class: "secondary", text: "Show" }));
  const result = el("div", { class: "as-of-result", "aria-live": "polite" });
  const element = el("section", { class: "time-travel", "aria-labelledby": "time-travel-heading" },
    el("h2", { id: "time-travel-heading", text: "As it was" }),
    el("div", { class: "field" }, el("label", { for: "as-of-slider", text: "Moment in its history" }), slider),
    el("p", {}, moment),
    pickerForm,
    result);
  let moments = [];
  let asked = 0;
  let timer = null;

  async function show(iso, label) {
    const mine = ++asked;
    fill(result, el("p", { class: "hint", text: "Loading…" }));
    try {
      const then = await get(`/albums/${encodeURIComponent(albumId)}`, { as_of: iso, limit: 100 });
      if (mine !== asked) return;
      const photos = then.photos.items;
      fill(result,
        el("h3", { id: "as-of-heading" }, `“${then.title}” at ${when(iso)}`),
        label ? el("p", { class: "hint", text: label }) : null,
        then.description ? el("p", { class: "description", text: then.description }) : null,
        photos.length
          ? el("ul", { class: "grid photos", "aria-labelledby": "as-of-heading" }, photos.map((p) => tile(p, { link: false })))
          : el("p", { class: "empty", text: "No photos at that instant." }));
    } catch (error) {
      if (mine === asked) fill(result, el("p", { class: "error", text: error.message }));
    }
  }

  function describe(index) {
    const m = moments[index];
    if (!m) return "";
    return `After ${m.what} by ${m.who} — ${when(m.time)} (${index + 1} of ${moments.length})`;
  }

  slider.addEventListener("input", () => {
    const index = Number(slider.value);
    const text = describe(index);
    moment.textContent = text;
    slider.setAttribute("aria-valuetext", text);
    clearTimeout(timer);
    timer = setTimeout(() => show(moments[index].time, text), 200);
  });
  onSubmit(pickerForm, () => {
    const iso = localToIso(picker.value);
    if (!iso) return;
    // The slider and its label follow the picked instant: the last moment at or before it.
    const picked = new Date(iso).getTime();
    const index = moments.map((m) => new Date(m.time).getTime()).filter((t) => t <= picked).length - 1;
    if (index >= 0) slider.value = String(index);
    const text = index >= 0
      ? `At ${when(iso)}: ${describe(index).charAt(0).toLowerCase()}${describe(index).slice(1)}`
      : `At ${when(iso)}: before its first change`;
    moment.textContent = text;
    slider.setAttribute("aria-valuetext", text);
    show(iso, "");
  });

  /** (Re)read the histories; `photos` are the album's photos now. */
  async function load(photos) {
    const histories = await Promise.all([
      historyOf("album", albumId),
      ...photos.map((p) => historyOf("photo", p.photo_id).catch(() => [])),
    ]);
    const seen = new Map();
    for (const entry of histories.flat()) {
      seen.set(entry.time, { time: entry.time, what: commandName(entry.type), who: who(entry.actor) });
    }
    moments = [...seen.values()].sort((a, b) => (a.time < b.time ? -1 : 1));
    slider.max = String(Math.max(0, moments.length - 1));
    slider.disabled = moments.length === 0;
    if (!moments.length) return;
    if (Number(slider.value) > moments.length - 1 || !moment.textContent) {
      slider.value = String(moments.length - 1);
    }
    const index = Number(slider.value);
    moment.textContent = describe(index);
    slider.setAttribute("aria-valuetext", moment.textContent);
    if (!picker.value) picker.value = isoToLocal(moments[index].time);
    if (!result.childElementCount) await show(moments[index].time, moment.textContent);
  }

  return { element, load };
}
