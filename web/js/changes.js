// Changes on their way: each command shows as pending until the read side reflects it
// (GET /commands/{id} says `projected: true`), then settles as saved or refused.
// The panel sits in the page's flow (it covers nothing), closes with its button or Esc, and
// is emptied when the person signs out: nothing of theirs is left for the next one.

import { get } from "./api.js";
import { onSessionChange, session } from "./auth.js";
import { $, el, fill, sleep } from "./dom.js";
import { commandName } from "./format.js";

const KEEP = 8;
const GIVE_UP_MS = 60 * 1000;
const settledListeners = new Set();

/** Called with every settled command record (to reload what it changed). */
export function onSettled(listener) {
  settledListeners.add(listener);
}

function list() {
  return $("#changes-list");
}

function row(label) {
  const state = el("span", { class: "change-state", text: "Pending…" });
  const item = el("li", { class: "change", dataset: { state: "pending" } },
    el("span", { class: "change-label", text: label }), " ", state);
  const changes = list();
  changes.prepend(item);
  while (changes.children.length > KEEP) changes.lastElementChild.remove();
  $("#changes").hidden = false;
  return { item, state };
}

/** Close the panel: settled rows go; a change still pending shows again with the next one. */
export function closeChanges() {
  for (const item of [...list().children]) {
    if (item.dataset.state !== "pending") item.remove();
  }
  $("#changes").hidden = true;
}

/** Empty the panel and stop following its changes (on sign-out). */
export function clearChanges() {
  fill(list());
  $("#changes").hidden = true;
}

export function installChanges() {
  $("#changes-close").addEventListener("click", () => {
    closeChanges();
    $("#main").focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || $("#changes").hidden || document.querySelector("dialog[open]")) return;
    const inside = $("#changes").contains(document.activeElement);
    closeChanges();
    if (inside) $("#main").focus();
  });
  onSessionChange((signedIn, reason) => {
    if (!signedIn || reason === "signed-in") clearChanges();
  });
}

/** Poll a command until it is projected (or refused, or failed); its final record. */
export async function settle(commandId) {
  const deadline = Date.now() + GIVE_UP_MS;
  const owner = session() && session().userId;
  let delay = 150;
  for (;;) {
    // Signed out meanwhile: the change is no business of whoever is here now.
    if (!session() || session().userId !== owner) {
      return { command_id: commandId, status: "unknown", signedOut: true };
    }
    const record = await get(`/commands/${encodeURIComponent(commandId)}`);
    if (record.status === "failed") return record;
    if (record.projected) return record;
    if (Date.now() > deadline) return { ...record, timedOut: true };
    await sleep(delay);
    delay = Math.min(delay * 1.5, 1000);
  }
}

/**
 * Follow the commands of an accepted request (202). Shows a pending row, then its outcome;
 * resolves with the last command's final record. `label` says what the change is.
 */
export async function track(accepted, label) {
  const ids = accepted.command_ids && accepted.command_ids.length
    ? accepted.command_ids : [accepted.command_id];
  const { item, state } = row(label);
  let record = null;
  try {
    for (const id of ids) {
      record = await settle(id);
      if (record.status !== "succeeded") break;
    }
  } catch (error) {
    item.dataset.state = "unknown";
    fill(state, "Could not follow it: ", error.message);
    throw error;
  }
  if (record.signedOut) return record;
  describe(item, state, record);
  settledListeners.forEach((listener) => listener(record));
  return record;
}

function describe(item, state, record) {
  if (record.timedOut) {
    item.dataset.state = "unknown";
    fill(state, "Still on its way; refresh in a moment.");
  } else if (record.status === "succeeded") {
    item.dataset.state = "done";
    fill(state, "Saved.");
  } else if (record.status === "rejected") {
    item.dataset.state = "refused";
    fill(state, "Refused: ", (record.error && record.error.message) || "no reason given.");
  } else {
    item.dataset.state = "failed";
    fill(state, "Failed: ", (record.error && record.error.message) || "try again later.");
  }
}

/** A label for a command record: "Tag photo", "Undo (Retitle photo)". */
export function labelOf(record) {
  return commandName(record.type);
}
