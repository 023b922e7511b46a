// The Retake API: JSON in and out, the signed-in user's ID token, errors with stable codes.

import { config } from "./settings.js";
import { idToken, signOut, UserFacingError } from "./auth.js";

/** An error answer of the API: `{"error": {"code", "message", "details"}}`. */
export class ApiError extends UserFacingError {
  constructor(status, code, message, details) {
    super(message, code);
    this.status = status;
    this.details = details || {};
  }
}

function url(path, query) {
  const target = new URL(config.apiUrl + path);
  for (const [name, raw] of Object.entries(query || {})) {
    if (raw !== undefined && raw !== null && raw !== "") target.searchParams.set(name, raw);
  }
  return target.toString();
}

async function send(method, path, { body, query, anonymous = false } = {}) {
  const headers = {};
  if (!anonymous) headers.Authorization = await idToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  // A read is safe to repeat, so a dropped connection is tried again twice; a write is not
  // (it would be a second command), so its failure is reported at once.
  const attempts = method === "GET" ? 3 : 1;
  for (let attempt = 1; !response; attempt += 1) {
    try {
      response = await fetch(url(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      if (attempt >= attempts) {
        throw new UserFacingError("The API cannot be reached. Check your connection and try again.");
      }
      await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
    }
  }
  if (response.status === 401 && !anonymous) {
    signOut("Your session has ended. Sign in again.");
    throw new ApiError(401, "unauthorized", "Your session has ended. Sign in again.");
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    const error = (answer && answer.error) || {};
    throw new ApiError(
      response.status,
      error.code || `http_${response.status}`,
      error.message || `The API answered ${response.status}.`,
      error.details,
    );
  }
  return response;
}

/** A JSON answer. */
export async function call(method, path, options) {
  const response = await send(method, path, options);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, query) => call("GET", path, { query });
export const post = (path, body) => call("POST", path, { body });
export const patch = (path, body) => call("PATCH", path, { body });
export const put = (path, body) => call("PUT", path, { body });
export const del = (path) => call("DELETE", path);

/** The answer as a Blob (exports), with the file name the API suggests. */
export async function download(path, query) {
  const response = await send("GET", path, { query });
  const disposition = response.headers.get("Content-Disposition") || "";
  const named = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), filename: named ? named[1] : "download" };
}

/** Every page of a listing, up to `max` items. */
export async function all(path, query = {}, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path, { ...query, cursor });
    items.push(...(page.items || []));
    cursor = page.cursor;
  } while (cursor && items.length < max);
  return items;
}

export const anonymousGet = (path) => call("GET", path, { anonymous: true });
