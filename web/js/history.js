// The history panel of an album or photo: who, what, when, before and after, and
// "Undo this" (or "Redo this") where the signed-in person may take a change back.

import { get } from "./api.js";
import { session } from "./auth.js";
import { $, el, fill, onSubmit, showError } from "./dom.js";
import { commandName, shortId, value, when } from "./format.js";
import { revert, who } from "./undo.js";

let opened = null;

function changes(entry) {
  const names = [...new Set([...Object.keys(entry.before), ...Object.keys(entry.after)])];
  if (!names.length) return el("span", { class: "hint", text: "—" });
  return el("dl", { class: "diff" }, names.map((name) => [
    el("dt", { text: name }),
    el("dd", {},
      el("del", { text: name in entry.before ? value(entry.before[name]) : "—" }),
      " → ",
      el("ins", { text: name in entry.after ? value(entry.after[name]) : "—" })),
  ]));
}

function canRevert(entry) {
  const me = session();
  if (!me || me.groups.includes("auditors") || !entry.command_id) return false;
  return entry.actor === me.userId || me.groups.includes("support");
}

/** The reason field support must fill in before reverting someone else's change. */
function reasonForm(entry, kind, done) {
  const id = `reason-${entry.command_id}`;
  const input = el("textarea", { id, rows: 2, maxlength: 2000, required: true, "aria-required": "true" });
  const problem = el("p", { class: "error", role: "alert", hidden: true });
  const form = el("form", { class: "stack reason-form", novalidate: true },
    el("label", { for: id, text: "Reason (recorded in the audit trail)" }), input, problem,
    el("button", { type: "submit", text: kind === "undo" ? "Revert with this reason" : "Redo with this reason" }));
  onSubmit(form, () => {
    const reason = input.value.trim();
    if (!reason) {
      showError(problem, "A reason is required.");
      input.focus();
      return;
    }
    done({ reason });
  });
  return { form, input };
}

function action(entry, cell, undoneNow) {
  if (!canRevert(entry)) return;
  const undone = undoneNow.has(entry.command_id);
  const kind = undone ? "redo" : "undo";
  const button = el("button", { type: "button", class: "secondary",
    text: undone ? "Redo this" : "Undo this",
    "aria-label": `${undone ? "Redo" : "Undo"} ${commandName(entry.type)} of ${when(entry.time)}` });
  const me = session();
  const send = async (body) => {
    button.disabled = true;
    const record = await revert(kind, `/commands/${encodeURIComponent(entry.command_id)}/${kind}`,
      body, `${undone ? "Redo" : "Undo"} ${commandName(entry.type)}`);
    button.disabled = false;
    if (record && record.status === "succeeded" && opened) await load(opened);
  };
  button.addEventListener("click", () => {
    if (entry.actor === me.userId) return send(undefined);
    const { form, input } = reasonForm(entry, kind, send);
    cell.append(form);
    input.focus();
    return undefined;
  });
  cell.append(button);
}

function row(entry, undoneNow) {
  const actionCell = el("td", { class: "history-action" });
  action(entry, actionCell, undoneNow);
  const notes = [];
  if (entry.reason) notes.push(el("p", { class: "reason" }, "Reason: ", entry.reason));
  if (undoneNow.has(entry.command_id)) notes.push(el("p", { class: "hint", text: "Undone" }));
  else if (entry.undone_by.length) notes.push(el("p", { class: "hint", text: "Undone, then redone" }));
  if (entry.undoes) notes.push(el("p", { class: "hint", text: `Undoes ${shortId(entry.undoes)}` }));
  if (entry.redoes) notes.push(el("p", { class: "hint", text: `Redoes ${shortId(entry.redoes)}` }));
  return el("tr", { dataset: { commandId: entry.command_id, type: entry.type } },
    el("td", { text: when(entry.time) }),
    el("td", { text: who(entry.actor), title: entry.actor }),
    el("td", {}, el("span", { class: "command-type", text: commandName(entry.type) }), notes),
    el("td", {}, changes(entry)),
    actionCell);
}

/**
 * The commands whose effect is reversed now. An entry lists its undos but not its redos, so
 * a command undone at least once is looked up: undone means more undos than redos.
 */
async function undone(entries) {
  const suspects = entries.filter((entry) => entry.command_id && entry.undone_by.length);
  const records = await Promise.all(suspects.map((entry) =>
    get(`/commands/${encodeURIComponent(entry.command_id)}`).catch(() => null)));
  return new Set(records
    .filter((record) => record && record.undone_by.length > record.redone_by.length)
    .map((record) => record.command_id));
}

async function load({ kind, id }) {
  const body = $("#history-body");
  const entries = [];
  let cursor = null;
  do {
    const page = await get(`/${kind}s/${encodeURIComponent(id)}/history`, { cursor, limit: 500 });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor);
  const undoneNow = await undone(entries);
  fill(body, entries.length
    ? el("div", { class: "table-scroll" }, el("table", { class: "history" },
      el("caption", { class: "visually-hidden", text: "Changes, newest first" }),
      el("thead", {}, el("tr", {}, ["When", "Who", "What", "Before → after", ""].map(
        (name) => el("th", { scope: "col", text: name })))),
      el("tbody", {}, entries.slice().reverse().map((entry) => row(entry, undoneNow)))))
    : el("p", { text: "No changes yet." }));
}

/** Open the panel for an album or photo (kind: "album" | "photo"). */
export async function openHistory(kind, id, title) {
  const dialog = $("#history-dialog");
  opened = { kind, id };
  $("#history-heading").textContent = title ? `History of “${title}”` : "History";
  fill($("#history-body"), el("p", { text: "Loading…" }));
  if (!dialog.open) dialog.showModal();
  try {
    await load(opened);
  } catch (error) {
    fill($("#history-body"), el("p", { class: "error", text: error.message }));
  }
}

export function installHistory() {
  const dialog = $("#history-dialog");
  $("#history-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { opened = null; });
}
