// People by name: how an actor reads to whoever is looking, and a picker that finds a
// person by name as one types (GET /people?q=), for auditors and support.

import { get } from "./api.js";
import { session } from "./auth.js";
import { el } from "./dom.js";

/** The actor of a record, whatever its age: `actor` is an object now, an id on old records. */
export function actorOf(record) {
  const given = record && typeof record.actor === "object" && record.actor ? record.actor : {};
  const id = given.id || record.actor_id || (typeof record.actor === "string" ? record.actor : null);
  return {
    id,
    username: given.username || null,
    name: given.name || null,
    groups: given.groups || record.actor_groups || [],
  };
}

function readsEverything(me) {
  return Boolean(me && (me.groups.includes("auditors") || me.groups.includes("support")));
}

/**
 * A person as the signed-in viewer reads them. Auditors and support: "Alice Liddell (alice)",
 * "Sam Support (sam, support)". Gallery users: the display name only, and "you" for themself.
 * The image pipeline is "Retake (image processing)". Never an id.
 */
export function personName(actor, { me = session(), self = "you" } = {}) {
  const person = actor && "id" in actor ? actor : actorOf(actor || {});
  if (person.groups.includes("system")) return person.name || "Retake (image processing)";
  if (me && self && person.id && person.id === me.userId) return self;
  const staff = person.groups.filter((group) => group === "support" || group === "auditors");
  if (readsEverything(me)) {
    const name = person.name && person.name !== person.username ? person.name : null;
    const handle = [person.username, ...staff].filter(Boolean).join(", ");
    if (name) return handle ? `${name} (${handle})` : name;
    return person.username ? (staff.length ? `${person.username} (${staff.join(", ")})` : person.username)
      : "a person not yet known to Retake";
  }
  const shown = person.name || person.username || "another person";
  return staff.length ? `${shown} (${staff.join(", ")})` : shown;
}

/** A person of `GET /people` as an actor. */
function asActor(person) {
  return { id: person.id, username: person.username, name: person.name, groups: person.groups || [] };
}

const DEBOUNCE_MS = 250;
let pickers = 0;

/**
 * A combobox that suggests people as one types; `value()` is the chosen person's username
 * (or, with nothing chosen, what was typed, which the API also accepts as a username).
 */
export function personPicker(id, label, { onPick } = {}) {
  const listId = `${id}-options`;
  const hintId = `${id}-hint`;
  const input = el("input", {
    id, name: id, type: "text", role: "combobox", autocomplete: "off", spellcheck: "false", maxlength: 100,
    autocapitalize: "none", placeholder: "Name, username or email", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": listId, "aria-describedby": hintId,
  });
  const list = el("ul", { id: listId, class: "picker-options", role: "listbox", "aria-label": label, hidden: true });
  const hint = el("small", { id: hintId, class: "visually-hidden",
    text: "Type a name, username or email; pick a suggestion with the arrow keys and Enter." });
  const field = el("div", { class: "field picker" }, el("label", { for: id, text: label }), input, list, hint);
  const serial = ++pickers;
  let people = [];
  let active = -1;
  let chosen = null;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(person) {
    chosen = person;
    input.value = personName(asActor(person), { self: null });
    close();
    if (onPick) onPick(person);
  }

  function show(found) {
    people = found;
    list.replaceChildren(...(found.length ? found.map((person, index) => {
      const option = el("li", { id: `picker-${serial}-${index}`, role: "option", "aria-selected": "false",
        class: "picker-option", text: personName(asActor(person), { self: null }) });
      option.addEventListener("mousedown", (event) => event.preventDefault());  // keep the focus
      option.addEventListener("click", () => pick(person));
      return option;
    }) : [el("li", { class: "picker-empty hint", role: "presentation", text: "Nobody by that name." })]));
    list.hidden = false;
    input.setAttribute("aria-expanded", String(found.length > 0));
    highlight(-1);
  }

  async function suggest() {
    const query = input.value.trim();
    const mine = ++asked;
    if (!query) {
      close();
      return;
    }
    try {
      const page = await get("/people", { q: query, limit: 8 });
      if (mine === asked && document.activeElement === input) show(page.items || []);
    } catch {
      if (mine === asked) close();  // no suggestions: what was typed is still searched
    }
  }

  input.addEventListener("input", () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(suggest, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && people.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        suggest();
        return;
      }
      const down = event.key === "ArrowDown";
      const from = active < 0 ? (down ? -1 : people.length) : active;
      highlight((from + (down ? 1 : -1) + people.length) % people.length);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();  // picks; a second Enter submits the form
      pick(people[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));

  return {
    field,
    input,
    /** The username (or id) to filter by, or "" when the field is empty. */
    value: () => (chosen ? chosen.username || chosen.id : input.value.trim()),
    chosen: () => chosen,
    clear() {
      chosen = null;
      input.value = "";
      close();
    },
  };
}
