// The page's two voices: a polite status line and an alert box for what needs attention.

import { $, fill } from "./dom.js";

/** Say something politely (screen readers read it when idle). */
export function announce(message) {
  $("#status").textContent = message;
}

/** Show an alert (role=alert) made of the given nodes (none hides it); inside the open dialog if any. */
export function showAlert(...nodes) {
  const box = $("#history-dialog").open ? $("#history-alert") : $("#alert");
  fill(box, ...nodes);
  box.hidden = nodes.length === 0;
  if (nodes.length) box.focus();
}

export function clearAlert() {
  for (const box of [$("#alert"), $("#history-alert")]) {
    fill(box);
    box.hidden = true;
  }
}
