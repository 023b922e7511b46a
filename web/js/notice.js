// The page's two voices: a polite status line and an alert box for what needs attention.

import { $, fill } from "./dom.js";

/** How long a confirmation ("Link copied.") stays before it clears itself. */
const CONFIRMATION_MS = 5000;
let confirmationTimer = null;

/** Say something politely (screen readers read it when idle); it stays until replaced. */
export function announce(message) {
  clearTimeout(confirmationTimer);
  $("#status").textContent = message;
}

/** Confirm something just done ("Link copied."): said like `announce`, then cleared. */
export function confirmDone(message) {
  announce(message);
  confirmationTimer = setTimeout(() => {
    if ($("#status").textContent === message) $("#status").textContent = "";
  }, CONFIRMATION_MS);
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
