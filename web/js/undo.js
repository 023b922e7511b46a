// Undo and redo: the buttons (naming what they would act on, from GET /me/undo and /me/redo),
// Ctrl+Z / Ctrl+Shift+Z, and why a refused undo was refused. What one changed: reverted.js.

import { get, post } from "./api.js";
import { onSessionChange, session } from "./auth.js";
import { onSettled, track } from "./changes.js";
import { $, el, fill } from "./dom.js";
import { commandName, when } from "./format.js";
import { actorOf, personName } from "./people.js";
import { announce, showAlert } from "./notice.js";
import { installReverted, showReverted } from "./reverted.js";

/** Who did something, as the signed-in person reads it: "you", or their name (people.js). */
export function who(actorOrRecord) {
  return personName(typeof actorOrRecord === "string" ? actorOf({ actor_id: actorOrRecord }) : actorOrRecord);
}

/** The later commands an `undo_conflict` names, each described in a sentence. */
async function laterChanges(details) {
  // The API names each later change with its summary; older answers give ids only.
  if (details && Array.isArray(details.later) && details.later.every((later) => later.summary)) {
    return details.later.map((later) => ({ id: later.command_id, text: later.summary }));
  }
  const ids = (details && (details.later_command_ids || details.command_ids)) || [];
  return Promise.all(ids.map(async (id) => {
    try {
      const later = await get(`/commands/${encodeURIComponent(id)}`);
      return { id, text: `${commandName(later.type)} by ${who(later)}, ${when(later.issued_at)}` };
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
      change.text))),
    el("p", { class: "hint" }, "Undo the later change first, then try again."),
  );
}

/** Submit an undo or redo and follow it; a refusal is explained, a success said (reverted.js). */
export async function revert(kind, path, body, label) {
  const what = kind === "undo" ? "Undo" : "Redo";
  let accepted;
  try {
    accepted = await post(path, body);
  } catch (error) {
    if (error.code === "nothing_to_undo" || error.code === "nothing_to_redo") {
      announce(error.message);
      refreshButtons();
      return null;
    }
    await explainRefusal(what, error);
    refreshButtons();
    return null;
  }
  const record = await track(accepted, accepted.summary ? `${what}: ${accepted.summary}` : label || what);
  if (record.status === "rejected" || record.status === "failed") {
    await explainRefusal(what, record.error);
  } else if (record.status === "succeeded") {
    await showReverted(kind, accepted, record, opposite);
  }
  refreshButtons();
  return record;
}

/** The notice's opposite action: redo exactly what was undone (or undo what was redone). */
function opposite(kind, targetId, summary) {
  const what = kind === "undo" ? "Undo" : "Redo";
  return once(() => revert(kind, `/commands/${encodeURIComponent(targetId)}/${kind}`, undefined,
    `${what}: ${summary}`));
}

export const undoLatest = () => revert("undo", "/me/undo", undefined, "Undo your latest change");
export const redoLatest = () => revert("redo", "/me/redo", undefined, "Redo your latest undo");

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

let running = false;
/** What each button would act on: `{summary, label}`, `null` (nothing), `undefined` (not known). */
const previews = { undo: undefined, redo: undefined };
let asked = 0;
let mayWriteNow = () => false;

function showButton(kind) {
  const button = $(`#${kind}-button`);
  const verb = kind === "undo" ? "Undo" : "Redo";
  const keys = kind === "undo" ? "Ctrl+Z" : "Ctrl+Shift+Z";
  const preview = previews[kind];
  button.disabled = running || preview === null;
  if (preview === null) {
    fill(button, `Nothing to ${kind}`);
    button.title = kind === "undo"
      ? "You have no change in effect to undo." : "You have no undone change to redo.";
  } else if (preview && preview.summary) {
    // The button names it briefly ("Undo: rename of "Paris 2024""); its title says it all.
    fill(button, el("span", { class: "undo-verb", text: `${verb}: ` }),
      el("span", { class: "undo-what", text: preview.label || preview.summary }));
    button.title = `${verb}: ${preview.summary} (${keys})`;
  } else {
    fill(button, verb);
    button.title = kind === "undo" ? `Undo your latest change (${keys})` : `Redo your latest undo (${keys})`;
  }
}

/** "Alice Liddell renamed …" on Alice's own button reads "you renamed …" (room on a phone). */
function yours(summary, command) {
  const me = session();
  const name = command.actor && command.actor.name;
  if (!me || command.actor_id !== me.userId || !name || !summary.startsWith(`${name} `)) return summary;
  return `you ${summary.slice(name.length + 1)}`;
}

/** What `GET /me/undo` (or redo) says the button would act on; null when there is nothing. */
async function preview(kind) {
  try {
    const answer = await get(`/me/${kind}`);
    if (!answer || !answer.command) return null;
    const summary = answer.summary || answer.command.summary || commandName(answer.command.type);
    return { summary: yours(summary, answer.command), label: answer.label || null };
  } catch (error) {
    if (error.code === `nothing_to_${kind}`) return null;
    return undefined;
  }
}

/** Ask the API again what Undo and Redo would act on, and name it on the buttons. */
export async function refreshButtons() {
  const mine = ++asked;
  const me = session();
  if (!me || !mayWriteNow()) {
    previews.undo = undefined;
    previews.redo = undefined;
  } else {
    const [undo, redo] = await Promise.all([preview("undo"), preview("redo")]);
    if (mine !== asked || !session() || session().userId !== me.userId) return;
    previews.undo = undo;
    previews.redo = redo;
  }
  showButton("undo");
  showButton("redo");
}

async function once(work) {
  if (running) return;
  running = true;
  showButton("undo");
  showButton("redo");
  try {
    await work();
  } catch (error) {
    showAlert(el("p", {}, error.message || "Something went wrong. Try again."));
  } finally {
    running = false;
    showButton("undo");
    showButton("redo");
  }
}

/** Wire the buttons and the shortcuts (not while typing: text fields keep their own undo). */
export function installUndo(mayWrite) {
  mayWriteNow = mayWrite;
  installReverted();
  $("#undo-button").addEventListener("click", () => once(undoLatest));
  $("#redo-button").addEventListener("click", () => once(redoLatest));
  // The buttons name what they would act on: asked again after every change and sign-in.
  onSettled(() => refreshButtons());
  onSessionChange((signedIn, reason) => {
    if (!signedIn || reason === "signed-in" || reason === "restored") refreshButtons();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshButtons();
  });
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
