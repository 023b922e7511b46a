// Retake's page: sign in with Cognito, list and create albums through the API.
//
// The ID token lives in memory only (a reload signs you out), and every piece of
// user text reaches the page through textContent, never as HTML.
"use strict";

(() => {
  const config = window.RETAKE_CONFIG;
  const byId = (id) => document.getElementById(id);
  const view = {
    status: byId("status"),
    signIn: byId("sign-in-view"),
    signInForm: byId("sign-in-form"),
    signInError: byId("sign-in-error"),
    signInButton: byId("sign-in-button"),
    username: byId("username"),
    password: byId("password"),
    session: byId("session"),
    who: byId("who"),
    signOut: byId("sign-out"),
    albumsView: byId("albums-view"),
    albumsHeading: byId("albums-heading"),
    newAlbumForm: byId("new-album-form"),
    albumTitle: byId("album-title"),
    createAlbum: byId("create-album"),
    albumsError: byId("albums-error"),
    albums: byId("albums"),
    albumsEmpty: byId("albums-empty"),
    refresh: byId("refresh"),
  };

  /** @type {{idToken: string, username: string, groups: string[], expiresAt: number} | null} */
  let session = null;

  class UserFacingError extends Error {}

  // ---- Cognito -------------------------------------------------------------

  const SIGN_IN_MESSAGES = {
    NotAuthorizedException: "Wrong username or password.",
    UserNotFoundException: "Wrong username or password.",
    PasswordResetRequiredException: "Your password must be reset: ask an administrator.",
    UserNotConfirmedException: "This account is not confirmed yet.",
    TooManyRequestsException: "Too many attempts. Wait a moment, then try again.",
    LimitExceededException: "Too many attempts. Wait a moment, then try again.",
  };

  async function cognitoSignIn(username, password) {
    let response;
    try {
      response = await fetch(config.cognitoEndpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        body: JSON.stringify({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: config.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      });
    } catch {
      throw new UserFacingError("The sign-in service cannot be reached. Is the stack running?");
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const type = String(body.__type || response.headers.get("X-Amzn-ErrorType") || "")
        .split("#").pop().split(":")[0];
      if (type === "NotAuthorizedException" && /disabled/i.test(body.message || "")) {
        throw new UserFacingError("This account is disabled.");
      }
      throw new UserFacingError(SIGN_IN_MESSAGES[type] || `Sign-in failed (${type || response.status}).`);
    }
    if (body.ChallengeName) {
      throw new UserFacingError(
        `This account needs a step the page does not offer (${body.ChallengeName}): ask an administrator.`,
      );
    }
    const idToken = body.AuthenticationResult.IdToken;
    const claims = decodeClaims(idToken);
    return {
      idToken,
      username: claims["cognito:username"] || username,
      groups: claims["cognito:groups"] || [],
      expiresAt: claims.exp * 1000,
    };
  }

  /** The token's payload, for display only: the gateway is the one that verifies it. */
  function decodeClaims(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // ---- API -----------------------------------------------------------------

  async function api(method, path, payload) {
    if (!session || Date.now() >= session.expiresAt) {
      signOut("Your session has ended. Sign in again.");
      throw new UserFacingError("Your session has ended. Sign in again.");
    }
    const headers = { Authorization: session.idToken };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(config.apiUrl + path, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    } catch {
      throw new UserFacingError("The API cannot be reached. Is the stack running?");
    }
    const body = await response.json().catch(() => null);
    if (response.status === 401) {
      signOut("Your session has ended. Sign in again.");
      throw new UserFacingError("Your session has ended. Sign in again.");
    }
    if (!response.ok) {
      const message = body && body.error && body.error.message;
      throw new UserFacingError(message || `The API answered ${response.status}.`);
    }
    return body;
  }

  /** The listing's albums, whether the API answers a page ({items}) or a bare list. */
  function albumsOf(body) {
    if (Array.isArray(body)) return body;
    if (body && Array.isArray(body.items)) return body.items;
    if (body && Array.isArray(body.albums)) return body.albums;
    return [];
  }

  async function loadAlbums() {
    view.albums.setAttribute("aria-busy", "true");
    try {
      const albums = albumsOf(await api("GET", "/albums"));
      renderAlbums(albums);
      return albums;
    } finally {
      view.albums.setAttribute("aria-busy", "false");
    }
  }

  function renderAlbums(albums) {
    const items = albums.map((album) => {
      const item = document.createElement("li");
      const title = document.createElement("span");
      title.className = "album-title";
      title.textContent = album.title || "(untitled)";
      item.append(title);
      if (album.description) {
        const description = document.createElement("span");
        description.className = "album-description";
        description.textContent = album.description;
        item.append(description);
      }
      return item;
    });
    view.albums.replaceChildren(...items);
    view.albumsEmpty.hidden = albums.length > 0;
  }

  /** Commands are asynchronous (202): look again a few times until the album shows up. */
  async function waitForAlbum(title, attempts = 10, delayMs = 500) {
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const albums = await loadAlbums();
      if (albums.some((album) => album.title === title)) return true;
    }
    return false;
  }

  // ---- The page ------------------------------------------------------------

  function say(message) {
    view.status.textContent = message;
  }

  function showError(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  function showSignedIn() {
    view.who.textContent = session.groups.length
      ? `${session.username} (${session.groups.join(", ")})`
      : session.username;
    view.session.hidden = false;
    view.signIn.hidden = true;
    view.albumsView.hidden = false;
    view.albumsHeading.focus();
  }

  function signOut(message) {
    session = null;
    view.albums.replaceChildren();
    view.albumsEmpty.hidden = true;
    showError(view.albumsError, "");
    view.session.hidden = true;
    view.albumsView.hidden = true;
    view.signIn.hidden = false;
    view.password.value = "";
    say(message || "Signed out.");
    view.username.focus();
  }

  async function busy(button, work) {
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  }

  view.signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(view.signInError, "");
    busy(view.signInButton, async () => {
      try {
        say("Signing in…");
        session = await cognitoSignIn(view.username.value.trim(), view.password.value);
        view.password.value = "";
        say(`Signed in as ${session.username}.`);
        showSignedIn();
        await loadAlbums();
      } catch (error) {
        say("");
        showError(view.signInError, messageOf(error));
        view.password.select();
        view.password.focus();
      }
    });
  });

  view.newAlbumForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const title = view.albumTitle.value.trim();
    showError(view.albumsError, "");
    if (!title) {
      showError(view.albumsError, "Give the album a title.");
      view.albumTitle.focus();
      return;
    }
    busy(view.createAlbum, async () => {
      try {
        await api("POST", "/albums", { title });
        view.albumTitle.value = "";
        say(`Creating “${title}”…`);
        const shown = await waitForAlbum(title);
        say(shown ? `Album “${title}” created.` : `“${title}” was accepted; Refresh in a moment to see it.`);
      } catch (error) {
        showError(view.albumsError, messageOf(error));
      }
    });
  });

  view.refresh.addEventListener("click", () => {
    showError(view.albumsError, "");
    busy(view.refresh, async () => {
      try {
        await loadAlbums();
        say("Albums refreshed.");
      } catch (error) {
        showError(view.albumsError, messageOf(error));
      }
    });
  });

  view.signOut.addEventListener("click", () => signOut());

  function messageOf(error) {
    return error instanceof UserFacingError ? error.message : "Something went wrong. Try again.";
  }

  if (!config || !config.apiUrl || !config.cognitoEndpoint || !config.clientId) {
    showError(view.signInError, "This page is not configured (config.js is missing or incomplete).");
    view.signInButton.disabled = true;
  }
})();
