// The history panel of an album or photo: who, what, when, before and after, and
// "Undo this" (or "Redo this") where the signed-in person may take a change back.

import { get } from "./api.js";
import { session } from "./auth.js";
import { $, el, fill, onSubmit, showError } from "./dom.js";
import { commandName } from "./format.js";
import { actorOf, personName } from "./people.js";
import { albumTitles, beforeAfter, historyOf, moment, summaryOf } from "./readable.js";
import { revert } from "./undo.js";

let opened = null;

/** Album titles for the before → after of the panel open now (album ids never show). */
let albumNames = new Map();

function changes(entry) {
  return beforeAfter(entry.before, entry.after, albumNames);
}

function canRevert(entry) {
  const me = session();
  if (!me || me.groups.includes("auditors") || !entry.command_id) return false;
  return actorOf(entry).id === me.userId || me.groups.includes("support");
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

/** Whether "Undo this" or "Redo this" applies ("undo" | "redo" | null), as the API says. */
function offered(entry, undoneNow) {
  if ("can_undo" in entry || "can_redo" in entry) {
    if (entry.can_redo) return "redo";
    return entry.can_undo ? "undo" : null;
  }
  // Older answers say nothing: reversals and the pipeline's results are never offered.
  if (entry.undoes || entry.redoes || actorOf(entry).groups.includes("system")) return null;
  return undoneNow.has(entry.command_id) ? "redo" : "undo";
}

function action(entry, cell, undoneNow) {
  const kind = offered(entry, undoneNow);
  if (!kind) {
    if (entry.cannot_undo_reason) cell.append(el("p", { class: "hint cannot-undo", text: entry.cannot_undo_reason }));
    return;
  }
  if (!canRevert(entry)) return;
  const undone = kind === "redo";
  const button = el("button", { type: "button", class: "secondary",
    text: undone ? "Redo this" : "Undo this",
    "aria-label": `${undone ? "Redo" : "Undo"} ${commandName(entry.type)}: ${summaryOf(entry)}` });
  const me = session();
  const send = async (body) => {
    button.disabled = true;
    const record = await revert(kind, `/commands/${encodeURIComponent(entry.command_id)}/${kind}`,
      body, `${undone ? "Redo" : "Undo"} ${commandName(entry.type)}`);
    button.disabled = false;
    if (record && record.status === "succeeded" && opened) await load(opened);
  };
  button.addEventListener("click", () => {
    if (actorOf(entry).id === me.userId) return send(undefined);
    const { form, input } = reasonForm(entry, kind, send);
    cell.append(form);
    input.focus();
    return undefined;
  });
  cell.append(button);
}

/** What an undo or redo entry took back or brought back, named by its sentence. */
function reversal(entry, byId) {
  const target = byId.get(entry.undoes || entry.redoes);
  const verb = entry.undoes ? "Takes back" : "Brings back";
  if (!target) return el("p", { class: "hint", text: `${verb} an earlier change.` });
  return el("p", { class: "hint" }, `${verb}: `, summaryOf(target));
}

function row(entry, undoneNow, byId) {
  const actionCell = el("td", { class: "history-action" });
  action(entry, actionCell, undoneNow);
  const notes = [];
  if (entry.reason) notes.push(el("p", { class: "reason" }, "Reason: ", entry.reason));
  if (undoneNow.has(entry.command_id)) notes.push(el("p", { class: "hint", text: "Undone" }));
  else if (entry.undone_by.length) notes.push(el("p", { class: "hint", text: "Undone, then redone" }));
  if (entry.undoes || entry.redoes) notes.push(reversal(entry, byId));
  return el("tr", { dataset: { commandId: entry.command_id, type: entry.type } },
    el("td", {}, moment(entry.time)),
    el("td", { class: "who", text: personName(actorOf(entry)) }),
    el("td", {}, el("span", { class: "summary", text: summaryOf(entry) }),
      entry.summary ? el("span", { class: "command-type visually-hidden", text: ` (${commandName(entry.type)})` }) : null,
      notes),
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

async function load({ kind, id, owner }) {
  const body = $("#history-body");
  const entries = await historyOf(`${kind}s`, id);
  const mentionsAlbums = entries.some((e) => "album_id" in e.before || "album_id" in e.after);
  const me = session();
  const [undoneNow, names] = await Promise.all([
    undone(entries),
    mentionsAlbums ? albumTitles(me && owner !== me.userId ? owner : null) : new Map(),
  ]);
  albumNames = names;
  const byId = new Map(entries.filter((e) => e.command_id).map((e) => [e.command_id, e]));
  fill(body, entries.length
    ? el("div", { class: "table-scroll" }, el("table", { class: "history" },
      el("caption", { class: "visually-hidden", text: "Changes, newest first" }),
      el("thead", {}, el("tr", {}, ["When", "Who", "What", "Before → after", ""].map(
        (name) => el("th", { scope: "col", text: name })))),
      el("tbody", {}, entries.slice().reverse().map((entry) => row(entry, undoneNow, byId)))))
    : el("p", { text: "No changes yet." }));
}

/** Open the panel for an album or photo (kind: "album" | "photo"); `owner`: its owner's id. */
export async function openHistory(kind, id, title, owner) {
  const dialog = $("#history-dialog");
  opened = { kind, id, owner };
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
  // The panel belongs to the page it was opened on: Back (or any link) closes it.
  window.addEventListener("hashchange", () => { if (dialog.open) dialog.close(); });
}
