// Undo and redo: the buttons, Ctrl+Z / Ctrl+Shift+Z, and why a refused undo was refused.

import { get, post } from "./api.js";
import { session } from "./auth.js";
import { track } from "./changes.js";
import { $, el } from "./dom.js";
import { commandName, shortId, when } from "./format.js";
import { announce, showAlert } from "./notice.js";

/** Who did something, as the signed-in person reads it. */
export function who(actorId) {
  const me = session();
  return me && actorId === me.userId ? "you" : `user ${shortId(actorId)}`;
}

/** The later commands an `undo_conflict` names, each described in a sentence. */
async function laterChanges(details) {
  const ids = (details && (details.later_command_ids || details.command_ids)) || [];
  return Promise.all(ids.map(async (id) => {
    try {
      const later = await get(`/commands/${encodeURIComponent(id)}`);
      return { id, text: `${commandName(later.type)} by ${who(later.actor_id)}, ${when(later.issued_at)}` };
    } catch {
      return { id, text: "a change you may not see" };
    }
  }));
}

/** Explain a refusal (a rejected command record, or an API error) in the alert box. */
export async function explainRefusal(what, error) {
  const code = error && error.code;
  const message = (error && error.message) || "no reason given.";
  if (code !== "undo_conflict") {
    showAlert(el("p", {}, `${what} refused: `, message));
    return;
  }
  const later = await laterChanges(error.details);
  showAlert(
    el("p", {}, `${what} refused: `, message),
    el("p", {}, "The later change that conflicts:"),
    el("ul", { class: "conflicts" }, later.map((change) => el("li", {},
      change.text, " ", el("code", { title: change.id, text: `(command ${shortId(change.id)})` })))),
    el("p", { class: "hint" }, "Undo the later change first, then try again."),
  );
}

/** Submit an undo or redo and follow it; a refusal is explained. The final record. */
export async function revert(kind, path, body, label) {
  const what = kind === "undo" ? "Undo" : "Redo";
  let accepted;
  try {
    accepted = await post(path, body);
  } catch (error) {
    if (error.code === "nothing_to_undo" || error.code === "nothing_to_redo") {
      announce(error.message);
      return null;
    }
    await explainRefusal(what, error);
    return null;
  }
  const record = await track(accepted, label || what);
  if (record.status === "rejected" || record.status === "failed") {
    await explainRefusal(what, record.error);
  } else if (record.status === "succeeded") {
    announce(`${what} done.`);
  }
  return record;
}

export const undoLatest = () => revert("undo", "/me/undo", undefined, "Undo your latest change");
export const redoLatest = () => revert("redo", "/me/redo", undefined, "Redo your latest undo");

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

let running = false;

async function once(work) {
  if (running) return;
  running = true;
  const buttons = [$("#undo-button"), $("#redo-button")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await work();
  } catch (error) {
    showAlert(el("p", {}, error.message || "Something went wrong. Try again."));
  } finally {
    running = false;
    buttons.forEach((b) => { b.disabled = false; });
  }
}

/** Wire the buttons and the shortcuts (not while typing: text fields keep their own undo). */
export function installUndo(mayWrite) {
  $("#undo-button").addEventListener("click", () => once(undoLatest));
  $("#redo-button").addEventListener("click", () => once(redoLatest));
  document.addEventListener("keydown", (event) => {
    if (!mayWrite() || typing(event.target) || !(event.ctrlKey || event.metaKey)) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) {
      event.preventDefault();
      once(undoLatest);
    } else if ((key === "z" && event.shiftKey) || key === "y") {
      event.preventDefault();
      once(redoLatest);
    }
  });
}
