// For support staff: start from a person (found by name), see their recent operations with
// before → after, and revert one with a reason that cannot be left empty (it is kept in the
// audit trail). A refused revert explains the conflict.

import { get } from "./api.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { commandName } from "./format.js";
import { searchForm } from "./audit.js";
import { targetLink } from "./kinds.js";
import { announce, clearAlert } from "./notice.js";
import { actorOf, personName } from "./people.js";
import { albumTitles, beforeAfter, historyOf, summaryOf } from "./readable.js";
import { isUndone, trailTable } from "./trail.js";
import { revert } from "./undo.js";

/** How many of a person's latest operations the page shows. */
const RECENT = 50;

/**
 * Each record's change (its history entry: before and after), read from the history of
 * every album and photo the records acted on, one listing per item.
 */
async function changesOf(records) {
  const items = new Map();
  for (const record of records) {
    const link = record.status === "succeeded" ? targetLink(record) : null;
    if (link) items.set(record.aggregate_id, link.split("/")[1]);
  }
  const entries = new Map();
  await Promise.all([...items].map(async ([id, kind]) => {
    const found = await historyOf(kind, id).catch(() => []);
    for (const entry of found) if (entry.command_id) entries.set(entry.command_id, entry);
  }));
  return entries;
}

const NOT_REVERTIBLE = new Set(["AttachProcessing", "FailProcessing", "PurgePhoto"]);

function revertible(record) {
  return record.status === "succeeded" && !NOT_REVERTIBLE.has(record.type);
}

export async function render(container, _params, ctx) {
  // Choosing a person shows their recent operations at once.
  const search = searchForm("support", { withTime: false, onPick: () => form.requestSubmit() });
  const form = el("form", { class: "filters", novalidate: true, "aria-label": "Find operations" },
    search.fields, el("div", { class: "form-actions" }, el("button", { type: "submit", text: "Find" })));
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const results = el("div", { id: "support-results" });
  let filters = null;
  let changes = new Map();
  let albums = new Map();

  function change(record) {
    const entry = changes.get(record.command_id);
    return entry ? beforeAfter(entry.before, entry.after, albums) : el("span", { class: "hint", text: "—" });
  }

  function revertForm(record, cell) {
    const id = `reason-${record.command_id}`;
    const undone = isUndone(record);
    const kind = undone ? "redo" : "undo";
    const reason = el("textarea", { id, rows: 2, maxlength: 2000, required: true, "aria-required": "true" });
    const force = el("input", { id: `force-${record.command_id}`, type: "checkbox" });
    const problem = el("p", { class: "error", role: "alert", hidden: true });
    const what = summaryOf(record);
    const revertButton = el("button", { type: "submit", text: undone ? "Redo" : "Revert" });
    const panel = el("form", { class: "stack reason-form", novalidate: true, "aria-label": `${undone ? "Redo" : "Revert"} ${what}` },
      el("div", { class: "revert-change" },
        el("p", { class: "hint", text: undone ? "Redoing brings back this change:" : "Reverting takes back this change:" }),
        change(record)),
      el("label", { for: id, text: "Reason (required; kept in the audit trail)" }), reason,
      el("div", { class: "check" }, force,
        el("label", { for: force.id, text: "Override a conflict with later changes" })),
      problem, revertButton);
    onSubmit(panel, () => {
      const why = reason.value.trim();
      if (!why) {
        showError(problem, "A reason is required.");
        reason.focus();
        return;
      }
      showError(problem, "");
      clearAlert();
      busy(panel, async () => {
        const body = { reason: why };
        if (force.checked) body.force = true;
        const path = `/commands/${encodeURIComponent(record.command_id)}/${kind}`;
        const done = await revert(kind, path, body, `${undone ? "Redo" : "Revert"} ${commandName(record.type)}`);
        if (done && done.status === "succeeded") {
          announce(`${commandName(record.type)} ${undone ? "redone" : "reverted"}.`);
          await find();
        }
      }, (failure) => showError(problem, failure.message));
    });
    return panel;
  }

  function actions(record, cell) {
    if (!revertible(record)) return;
    const undone = isUndone(record);
    const open = el("button", { type: "button", class: "secondary",
      text: undone ? "Redo…" : "Revert…", "aria-expanded": "false" });
    let panel = null;
    open.addEventListener("click", () => {
      if (panel) {
        panel.remove();
        panel = null;
        open.setAttribute("aria-expanded", "false");
        return;
      }
      panel = revertForm(record, cell);
      cell.append(panel);
      open.setAttribute("aria-expanded", "true");
      panel.querySelector("textarea").focus();
    });
    cell.append(open);
  }

  // Only the latest search is shown: an earlier answer that arrives late is dropped.
  let asked = 0;

  async function find() {
    const mine = ++asked;
    const answer = await get("/audit/commands", { ...filters, limit: RECENT });
    if (!ctx.isCurrent() || mine !== asked) return;
    const person = search.picker.chosen();
    const ownerId = person ? person.id : (answer.items[0] && actorOf(answer.items[0]).id);
    [changes, albums] = await Promise.all([changesOf(answer.items), albumTitles(ownerId)]);
    if (!ctx.isCurrent() || mine !== asked) return;
    const heading = person
      ? el("h2", { id: "support-operations",
        text: `Recent operations of ${personName({ groups: [], ...person }, { self: null })}` })
      : el("h2", { id: "support-operations", text: "Operations found" });
    fill(results, heading, answer.items.length
      ? trailTable(answer.items, { caption: "Operations found", extra: actions, change })
      : el("p", { class: "empty", text: "No operation matches." }));
  }

  onSubmit(form, () => {
    showError(error, "");
    filters = search.filters();
    if (!filters.actor && !filters.aggregate_id) {
      showError(error, "Find a person by name, or give an album or photo id.");
      search.person.focus();
      return;
    }
    busy(form, find, (failure) => showError(error, failure.message));
  });

  fill(container,
    el("h1", { id: "support-heading", tabindex: "-1", text: "Support" }),
    el("p", { class: "hint", text: "Find the person by name, username or email; their recent operations show with what each changed." }),
    form, error, results);
  return {};
}
