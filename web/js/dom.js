// Building the page: every piece of user text goes in through textContent, never as HTML.

/**
 * An element with attributes and children. Strings become text nodes, so a title such as
 * "<script>" shows as those characters. `on` attributes (onClick...) attach listeners.
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "text") {
      element.textContent = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else if (name in element && typeof value !== "string") {
      element[name] = value;
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`The page has no ${selector}`);
  return found;
}

/** Replace an element's children (strings as text). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Show a message in an error box (empty hides it). */
export function showError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

/** Disable a button (or form) while `work` runs; the work's errors go to `onError`. */
export async function busy(control, work, onError) {
  const controls = control instanceof HTMLFormElement
    ? [...control.querySelectorAll("button, input, select, textarea")]
    : [control];
  const before = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  try {
    return await work();
  } catch (error) {
    if (onError) onError(error);
    else throw error;
    return undefined;
  } finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
  }
}

/** A form's submit handler that never reloads the page. */
export function onSubmit(form, handler) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event);
  });
}

/** Wait `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
