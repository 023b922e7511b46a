// The signed-in person's profile: who they are to Retake, and their display name, which
// they change with a command like any other (PATCH /me): pending until it is projected.

import { get, patch } from "./api.js";
import { session } from "./auth.js";
import { track } from "./changes.js";
import { busy, el, fill, onSubmit, showError } from "./dom.js";
import { announce } from "./notice.js";

/** A name changed in this tab, until the next token carries it: { userId, name }. */
let renamed = null;
const listeners = new Set();

/** The display name the signed-in person set in this tab, if any. */
export function displayName() {
  const me = session();
  return renamed && me && renamed.userId === me.userId ? renamed.name : null;
}

/** Called after the person's display name changed (to redraw the header). */
export function onRenamed(listener) {
  listeners.add(listener);
}

const ROLE_WORDS = { auditors: "Auditor", support: "Support" };

export async function render(container, _params, ctx) {
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const name = el("input", { id: "profile-name", name: "display_name", maxlength: 100, required: true,
    autocomplete: "name" });
  const state = el("p", { id: "profile-state", class: "hint", "aria-live": "polite" });
  const form = el("form", { class: "inline-form", novalidate: true, "aria-label": "Your display name" },
    el("div", { class: "field" }, el("label", { for: "profile-name", text: "Display name" }), name),
    el("button", { type: "submit", text: "Save name" }));
  const facts = el("dl", { class: "details", id: "profile-facts" });

  async function load() {
    const me = await get("/me");
    if (!ctx.isCurrent()) return;
    if (document.activeElement !== name && !form.classList.contains("pending")) name.value = me.name || "";
    const groups = (me.groups || []).map((group) => ROLE_WORDS[group] || group);
    const rows = [["Username", me.username], ["Email", me.email], ["Role", groups.length ? groups.join(", ") : "Gallery user"]]
      .filter(([, value]) => value);
    fill(facts, rows.map(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })]));
  }

  onSubmit(form, () => {
    const wanted = name.value.trim();
    if (!wanted) {
      showError(error, "Give the name people should see.");
      name.focus();
      return;
    }
    showError(error, "");
    busy(form, async () => {
      const accepted = await patch("/me", { display_name: wanted });
      form.classList.add("pending");
      state.textContent = `Changing your name to “${wanted}”… (pending)`;
      let record;
      try {
        record = await track(accepted, `Change your display name to “${wanted}”`);
      } finally {
        form.classList.remove("pending");
      }
      if (record && record.status === "succeeded" && !record.timedOut) {
        renamed = { userId: session().userId, name: wanted };
        listeners.forEach((listener) => listener());
        state.textContent = `People now see you as “${wanted}”.`;
        announce("Display name saved.");
      } else {
        state.textContent = "";
        showError(error, (record && record.error && record.error.message) || "The name was not changed. Try again.");
      }
      await load();
    }, (failure) => { state.textContent = ""; showError(error, failure.message); });
  });

  fill(container,
    el("h1", { id: "profile-heading", tabindex: "-1", text: "Your profile" }),
    facts,
    el("h2", { text: "Your name" }),
    el("p", { class: "hint", text: "Others see you by this name in histories and the audit trail." }),
    error,
    form,
    state);
  await load();
  return { refresh: load };
}
