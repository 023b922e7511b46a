// For auditors (and support): search the trail, page through it, export it, open an album
// as it was, and verify that the trail's hash chains are intact.

import { download, get, post } from "./api.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { localToIso } from "./format.js";
import { COMMAND_TYPES } from "./kinds.js";
import { announce } from "./notice.js";
import { personPicker } from "./people.js";
import { trailTable } from "./trail.js";

function input(id, label, attributes = {}) {
  const control = el("input", { id, name: id, ...attributes });
  return { control, field: el("div", { class: "field" }, el("label", { for: id, text: label }), control) };
}

function select(id, label, options) {
  const control = el("select", { id, name: id },
    options.map(([value, text]) => el("option", { value, text })));
  return { control, field: el("div", { class: "field" }, el("label", { for: id, text: label }), control) };
}

/** The search form's filters, as the API's query parameters. */
export function searchForm(prefix, { withTime = true, onPick } = {}) {
  const person = personPicker(`${prefix}-person`, "Person", { onPick });
  const type = input(`${prefix}-type`, "Command type", { list: `${prefix}-types`, autocomplete: "off" });
  const types = el("datalist", { id: `${prefix}-types` }, COMMAND_TYPES.map((t) => el("option", { value: t })));
  const target = input(`${prefix}-target`, "Album or photo id", { autocomplete: "off", spellcheck: "false" });
  const status = select(`${prefix}-status`, "Outcome",
    [["", "Any"], ["succeeded", "Succeeded"], ["rejected", "Rejected"], ["accepted", "Queued"], ["failed", "Failed"]]);
  const since = input(`${prefix}-since`, "From", { type: "datetime-local", step: 1 });
  const until = input(`${prefix}-until`, "Until", { type: "datetime-local", step: 1 });
  const fields = [person.field, type.field, types, target.field, status.field];
  if (withTime) fields.push(since.field, until.field);
  const filters = () => ({
    actor: person.value(),
    type: type.control.value.trim(),
    aggregate_id: target.control.value.trim(),
    status: status.control.value,
    since: withTime ? localToIso(since.control.value) : null,
    until: withTime ? localToIso(until.control.value) : null,
  });
  return { fields, filters, person: person.input, picker: person };
}

function saveBlob({ blob }, filename) {
  const href = URL.createObjectURL(blob);
  const link = el("a", { href, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

function verification(report) {
  const summary = `${report.streams_checked} streams and ${report.events_checked} events checked`;
  if (report.intact) {
    return el("p", { class: "ok", text: `Intact: ${summary}; every hash chain holds.` });
  }
  return el("div", { class: "error" },
    el("p", { text: `Broken: ${summary}; ${report.breaks.length} break(s) found.` }),
    el("ul", {}, report.breaks.map((b) => el("li", {},
      el("code", { text: b.stream_id }), ` at version ${b.version}: ${b.reason}`))));
}

export async function render(container) {
  // Choosing a person searches at once: the trail filtered by them.
  const search = searchForm("audit", { onPick: () => form.requestSubmit() });
  const size = select("audit-limit", "Per page", [["10", "10"], ["25", "25"], ["50", "50"], ["100", "100"]]);
  size.control.value = "25";
  const form = el("form", { class: "filters", novalidate: true, "aria-label": "Search the trail" },
    search.fields, size.field,
    el("div", { class: "form-actions" }, el("button", { type: "submit", text: "Search" })));
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const results = el("div", { id: "audit-results", "aria-live": "polite" });
  const previous = el("button", { type: "button", class: "secondary", text: "Previous page", disabled: true });
  const next = el("button", { type: "button", class: "secondary", text: "Next page", disabled: true });
  const pageLabel = el("span", { class: "hint" });
  const csv = el("button", { type: "button", class: "secondary", text: "Export CSV" });
  const jsonl = el("button", { type: "button", class: "secondary", text: "Export JSON Lines" });
  const verifyButton = el("button", { type: "button", text: "Verify the trail" });
  const verifyResult = el("div", { id: "verify-result", "aria-live": "polite" });
  const albumId = input("audit-album", "Album id", { autocomplete: "off", spellcheck: "false" });
  const albumForm = el("form", { class: "inline-form", novalidate: true }, albumId.field,
    el("button", { type: "submit", class: "secondary", text: "Open album" }));

  // Cursors of the pages seen so far: page n is fetched with cursors[n].
  let cursors = [null];
  let page = 0;
  let filters = {};
  // Only the latest search is shown: an earlier answer that arrives late is dropped.
  let asked = 0;

  async function show(index) {
    const mine = ++asked;
    const answer = await get("/audit/commands", { ...filters, limit: size.control.value, cursor: cursors[index] });
    if (mine !== asked) return;
    page = index;
    cursors = cursors.slice(0, index + 1);
    if (answer.cursor) cursors.push(answer.cursor);
    fill(results, answer.items.length
      ? trailTable(answer.items, { caption: "Commands found" })
      : el("p", { class: "empty", text: "No command matches." }));
    previous.disabled = page === 0;
    next.disabled = !answer.cursor;
    pageLabel.textContent = `Page ${page + 1}`;
    announce(`${answer.items.length} command(s) on page ${page + 1}.`);
  }

  onSubmit(form, () => {
    showError(error, "");
    filters = search.filters();
    cursors = [null];
    busy(form, () => show(0), (failure) => showError(error, failure.message));
  });
  previous.addEventListener("click", () => busy(previous, () => show(page - 1), (f) => showError(error, f.message)));
  next.addEventListener("click", () => busy(next, () => show(page + 1), (f) => showError(error, f.message)));
  for (const [button, format] of [[csv, "csv"], [jsonl, "jsonl"]]) {
    button.addEventListener("click", () => busy(button, async () => {
      const file = await download("/audit/export", { ...search.filters(), format });
      saveBlob(file, `retake-audit.${format}`);
      announce(`Exported as ${format === "csv" ? "CSV" : "JSON Lines"}.`);
    }, (failure) => showError(error, failure.message)));
  }
  verifyButton.addEventListener("click", () => busy(verifyButton, async () => {
    fill(verifyResult, el("p", { class: "hint", text: "Checking every hash chain…" }));
    fill(verifyResult, verification(await post("/audit/verify")));
  }, (failure) => fill(verifyResult, el("p", { class: "error", text: failure.message }))));
  onSubmit(albumForm, () => {
    const id = albumId.control.value.trim();
    if (id) location.hash = `#/albums/${encodeURIComponent(id)}`;
  });

  fill(container,
    el("h1", { id: "audit-heading", tabindex: "-1", text: "Audit trail" }),
    form,
    error,
    el("div", { class: "toolbar" }, previous, pageLabel, next, el("span", { class: "spacer" }), csv, jsonl),
    results,
    el("h2", { text: "An album as it was" }),
    el("p", { class: "hint", text: "Open an album to move through its history with a slider." }),
    albumForm,
    el("h2", { text: "Integrity" }),
    el("p", {}, verifyButton),
    verifyResult);
  filters = search.filters();
  await show(0);
  return {};
}
