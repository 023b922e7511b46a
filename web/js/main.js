// The page's entry: the session, the roles' navigation, and routing by the URL's #fragment.
// Hash routes keep the page a set of static files (an S3 website bucket serves it as is).

import { configured } from "./settings.js";
import { claimsOf, onSessionChange, restore, session, signOut } from "./auth.js";
import { installChanges, onSettled } from "./changes.js";
import { $, el, fill } from "./dom.js";
import { announce, clearAlert, showAlert } from "./notice.js";
import { hideSignIn, installSignIn, showSignIn } from "./signin.js";
import { installUndo } from "./undo.js";
import { installHistory } from "./history.js";
import * as albums from "./albums.js";
import * as album from "./album.js";
import * as photo from "./photo.js";
import * as audit from "./audit.js";
import * as support from "./support.js";
import * as shared from "./shared.js";
import * as profile from "./profile.js";

const ROUTES = [
  { pattern: /^\/albums$/, view: albums, public: false, role: "owner" },
  { pattern: /^\/albums\/([^/]+)$/, view: album, public: false },
  { pattern: /^\/photos\/([^/]+)$/, view: photo, public: false },
  { pattern: /^\/audit$/, view: audit, public: false, role: "reader" },
  { pattern: /^\/support$/, view: support, public: false, role: "support" },
  { pattern: /^\/shared\/([^/]+)$/, view: shared, public: true },
  { pattern: /^\/me$/, view: profile, public: false },
];

export const roles = {
  isAuditor: () => Boolean(session() && session().groups.includes("auditors")),
  isSupport: () => Boolean(session() && session().groups.includes("support")),
  readsEverything: () => roles.isAuditor() || roles.isSupport(),
  mayWrite: () => Boolean(session()) && !roles.isAuditor(),
};

function home() {
  if (roles.isSupport()) return "#/support";
  if (roles.isAuditor()) return "#/audit";
  return "#/albums";
}

let current = null;
let generation = 0;
let lastPath = null;
/** Said once the first page after signing in is shown. */
let greeting = null;

async function route() {
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  clearAlert();
  if (path !== lastPath || greeting) announce(greeting || "");
  greeting = null;
  lastPath = path;
  if (!match) {
    if (session()) location.replace(home());
    else showSignedOut();
    return;
  }
  const { r, m } = match;
  if (!r.public && !session()) {
    showSignedOut();
    return;
  }
  if (r.role === "support" && !roles.isSupport()) return location.replace(home());
  if (r.role === "reader" && !roles.readsEverything()) return location.replace(home());
  // Auditors own nothing: "Your albums" would always be empty, so they land on the trail.
  if (r.role === "owner" && roles.isAuditor()) return location.replace(home());
  hideSignIn();
  markNav();
  const mine = ++generation;
  const container = $("#view");
  container.hidden = false;
  container.setAttribute("aria-busy", "true");
  try {
    const shown = await r.view.render(container, m.slice(1), { roles, isCurrent: () => mine === generation });
    // A view superseded while it loaded (two navigations close together) must not become
    // the one that refreshes after each change: the page on screen is the newer one.
    if (mine === generation) current = shown;
  } catch (error) {
    if (mine !== generation) return;
    current = null;
    fill(container, el("h1", { tabindex: "-1", text: "This page could not be shown" }));
    showAlert(el("p", { text: error.message || "Something went wrong. Try again." }));
  } finally {
    if (mine === generation) container.setAttribute("aria-busy", "false");
  }
  // Focus the new page's heading, unless the person is already in it (a view shows its
  // form before its data arrives, and typing must not be interrupted).
  if (mine === generation && !container.contains(document.activeElement)) {
    const heading = container.querySelector("h1");
    if (heading) heading.focus();
  }
}

function markNav() {
  for (const link of document.querySelectorAll("#nav a")) {
    const here = location.hash.startsWith(link.getAttribute("href"));
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showSignedOut(message) {
  generation += 1;
  current = null;
  fill($("#view"));
  showSignIn(message);
}

function showSession(signedIn) {
  $("#session").hidden = !signedIn;
  $("#nav").hidden = !signedIn;
  $("#undo-bar").hidden = !(signedIn && roles.mayWrite());
  if (!signedIn) return;
  fill($("#who"), el("a", { href: "#/me", class: "who-link", title: "Your profile", text: whoText() }));
  $("#nav-albums").hidden = roles.isAuditor();  // auditors never own anything
  $("#nav-audit").hidden = !roles.readsEverything();
  $("#nav-support").hidden = !roles.isSupport();
}

/** "Alice Liddell (alice)", "Sam Support (sam, support)": the name the token (or a rename) gives. */
function whoText() {
  const me = session();
  const name = profile.displayName() || claimsOf(me.idToken).name;
  const handle = [me.username, ...me.groups].join(", ");
  if (name && name !== me.username) return `${name} (${handle})`;
  return me.groups.length ? `${me.username} (${me.groups.join(", ")})` : me.username;
}

function start() {
  if (!configured()) {
    showSignIn();
    showAlert(el("p", { text: "This page is not configured: config.js is missing or incomplete." }));
    $("#sign-in-button").disabled = true;
    return;
  }
  installSignIn();
  installChanges();
  installUndo(roles.mayWrite);
  installHistory();
  $("#sign-out").addEventListener("click", () => {
    // The next person starts at their own front page, not at this one's last page.
    history.replaceState(null, "", "#/");
    signOut();
  });
  // The fragment is the route: the skip link moves focus without changing it.
  $(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("#main").focus();
  });
  onSessionChange((signedIn, reason) => {
    showSession(Boolean(signedIn));
    if (!signedIn) {
      showSignedOut(typeof reason === "string" ? reason : "Signed out.");
      return;
    }
    if (reason === "signed-in") {
      greeting = `Signed in as ${signedIn.username}.`;
      const wanted = location.hash;
      // Each person starts on their own front page: a bare "#/albums" left in the tab is not theirs.
      const fresh = !wanted || wanted === "#/" || wanted === "#" || wanted === "#/albums";
      if (fresh && wanted !== home()) location.hash = home();
      else route();
    }
  });
  onSettled(() => {
    if (current && typeof current.refresh === "function") current.refresh();
  });
  profile.onRenamed(() => { if (session()) showSession(true); });
  window.addEventListener("hashchange", route);
  restore();
  showSession(Boolean(session()));
  route();
}

start();
