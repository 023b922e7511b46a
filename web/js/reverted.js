// What an undo or redo changed, said after it settled: the change in words, a link to the
// album or photo (wherever the person is now), and the opposite action, one click away.

import { get } from "./api.js";
import { onSessionChange, session } from "./auth.js";
import { $, el, fill } from "./dom.js";
import { commandName } from "./format.js";
import { targetLink } from "./kinds.js";

/** Which command a settled undo or redo acted on. */
export function targetOf(accepted, record) {
  return (accepted && accepted.target_command_id)
    || (record && record.payload && record.payload.target_command_id)
    || (record && (record.undoes || record.redoes))
    || null;
}

/** Whether the item is gone after this undo or redo (a deleted album has no page to open). */
function gone(kind, target) {
  return (kind === "undo" && target.type === "CreateAlbum")
    || (kind === "redo" && target.type === "DeleteAlbum");
}

/** The item's name now, read from its page's API ("" when it cannot be read). */
async function nameOf(target) {
  try {
    if (/Album$/.test(target.type)) {
      const album = await get(`/albums/${encodeURIComponent(target.aggregate_id)}`, { limit: 1 });
      return album.title || "";
    }
    const photo = await get(`/photos/${encodeURIComponent(target.aggregate_id)}`);
    return photo.title || photo.filename || "";
  } catch {
    return "";
  }
}

function box() {
  return $("#undo-notice");
}

export function clearReverted() {
  fill(box());
  box().hidden = true;
}

function itemLink(kind, target, name) {
  const link = targetLink(target);
  const noun = /Album$/.test(target.type) ? "album" : "photo";
  if (!link) return null;
  if (gone(kind, target)) {
    return el("span", { class: "hint",
      text: `The ${noun} is deleted now; ${kind === "undo" ? "Redo" : "Undo"} brings it back.` });
  }
  const here = location.hash === link;
  return el("a", { href: link, class: "notice-link", "aria-current": here ? "page" : null },
    name ? `Open the ${noun} “${name}”` : `Open the ${noun}`);
}

/**
 * Say what a settled undo or redo changed. `accepted` is its 202 (with the target's
 * `summary`), `record` its final record; `opposite(targetId)` sends the reverse action.
 */
export async function showReverted(kind, accepted, record, opposite) {
  const targetId = targetOf(accepted, record);
  if (!targetId) return;
  const owner = session() && session().userId;
  const target = await get(`/commands/${encodeURIComponent(targetId)}`).catch(() => null);
  if (!session() || session().userId !== owner) return;  // signed out meanwhile
  const summary = (accepted && accepted.summary) || (target && target.summary)
    || (target ? commandName(target.type) : "your change");
  const name = target && !gone(kind, target) ? await nameOf(target) : "";
  if (!session() || session().userId !== owner) return;
  const reverse = kind === "undo" ? "redo" : "undo";
  const reverseName = kind === "undo" ? "Redo" : "Undo";
  const actions = [];
  if (target) actions.push(itemLink(kind, target, name));
  if (target && target.actor_id === owner) {
    const button = el("button", { type: "button", class: "secondary", text: reverseName,
      "aria-label": `${reverseName}: ${summary}` });
    button.addEventListener("click", () => {
      button.disabled = true;
      opposite(reverse, targetId, summary).finally(() => { button.disabled = false; });
    });
    actions.push(button);
  }
  const dismiss = el("button", { type: "button", class: "link notice-close", text: "Dismiss" });
  dismiss.addEventListener("click", () => {
    clearReverted();
    $("#main").focus();
  });
  fill(box(),
    el("p", { class: "notice-text" },
      el("strong", { text: kind === "undo" ? "Undone: " : "Redone: " }), summary, "."),
    el("p", { class: "notice-actions" }, actions.filter(Boolean), dismiss));
  box().dataset.kind = kind;
  box().dataset.target = targetId;
  box().hidden = false;
}

/** Nothing of one person's notice is left for whoever signs in next in this tab. */
export function installReverted() {
  onSessionChange((signedIn, reason) => {
    if (!signedIn || reason === "signed-in") clearReverted();
  });
}
