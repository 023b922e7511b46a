// Cognito's JSON API, called from the page: sign up, confirm, sign in, refresh, sign out.
//
// The page holds the tokens in memory and in sessionStorage (this tab only, gone when it
// closes), and refreshes them with REFRESH_TOKEN_AUTH a few minutes before they expire.

import { config } from "./settings.js";

const STORAGE_KEY = "retake.session";
/** Refresh this long before the ID token expires (or halfway, for short-lived tokens). */
const REFRESH_LEAD_MS = 5 * 60 * 1000;

export class UserFacingError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const MESSAGES = {
  NotAuthorizedException: "Wrong username or password.",
  UserNotFoundException: "Wrong username or password.",
  UserNotConfirmedException:
    "This account is not confirmed yet. Enter the confirmation code we sent you.",
  PasswordResetRequiredException: "Your password must be reset: ask an administrator.",
  UsernameExistsException: "That username is taken. Choose another, or sign in.",
  InvalidPasswordException:
    "That password is too weak: use at least 8 characters with upper and lower case letters and a number.",
  CodeMismatchException: "That confirmation code is wrong. Check it and try again.",
  ExpiredCodeException: "That confirmation code has expired.",
  TooManyRequestsException: "Too many attempts. Wait a moment, then try again.",
  LimitExceededException: "Too many attempts. Wait a moment, then try again.",
  InvalidParameterException: "Check the fields: one of them is not accepted.",
};

/** One call to Cognito's JSON API (`AWSCognitoIdentityProviderService.<target>`). */
async function cognito(target, body) {
  let response;
  try {
    response = await fetch(config.cognitoEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new UserFacingError("The sign-in service cannot be reached. Check your connection.");
  }
  const answer = await response.json().catch(() => ({}));
  if (response.ok) return answer;
  const type = String(answer.__type || response.headers.get("X-Amzn-ErrorType") || "")
    .split("#").pop().split(":")[0];
  if (type === "NotAuthorizedException" && /disabled/i.test(answer.message || "")) {
    throw new UserFacingError("This account is disabled.", type);
  }
  if (type === "InvalidParameterException" && answer.message) {
    throw new UserFacingError(answer.message, type);
  }
  throw new UserFacingError(
    MESSAGES[type] || `The sign-in service refused (${type || response.status}).`, type,
  );
}

/** The token's payload, for display and timing only: the API's authorizer verifies it. */
export function claimsOf(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function sessionFrom(result, previous) {
  const idToken = result.IdToken;
  const claims = claimsOf(idToken);
  return {
    idToken,
    accessToken: result.AccessToken,
    // REFRESH_TOKEN_AUTH answers no new refresh token: keep the one we have.
    refreshToken: result.RefreshToken || (previous && previous.refreshToken),
    username: claims["cognito:username"] || (previous && previous.username) || "",
    userId: claims.sub,
    groups: claims["cognito:groups"] || [],
    expiresAt: claims.exp * 1000,
  };
}

export async function signUp(username, email, password) {
  const answer = await cognito("SignUp", {
    ClientId: config.clientId,
    Username: username,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  return {
    confirmed: Boolean(answer.UserConfirmed),
    destination: answer.CodeDeliveryDetails && answer.CodeDeliveryDetails.Destination,
  };
}

export async function confirmSignUp(username, code) {
  await cognito("ConfirmSignUp", {
    ClientId: config.clientId,
    Username: username,
    ConfirmationCode: code,
  });
}

export async function resendCode(username) {
  const answer = await cognito("ResendConfirmationCode", {
    ClientId: config.clientId,
    Username: username,
  });
  return answer.CodeDeliveryDetails && answer.CodeDeliveryDetails.Destination;
}

// ---- the session -------------------------------------------------------------------

let current = null;
let refreshTimer = null;
const listeners = new Set();

/** Called with the session (or null) whenever it changes. */
export function onSessionChange(listener) {
  listeners.add(listener);
}

function setSession(session, reason) {
  current = session;
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (session) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    scheduleRefresh(session);
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
  listeners.forEach((listener) => listener(session, reason));
}

export function session() {
  return current;
}

function refreshDelay(session) {
  const left = session.expiresAt - Date.now();
  const lead = Math.min(REFRESH_LEAD_MS, left / 2);
  return Math.max(0, left - lead);
}

function scheduleRefresh(session) {
  refreshTimer = setTimeout(() => {
    refresh().catch(() => signOut("Your session has ended. Sign in again."));
  }, refreshDelay(session));
}

export async function signIn(username, password) {
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (answer.ChallengeName) {
    throw new UserFacingError(
      `This account needs a step the page does not offer (${answer.ChallengeName}): ask an administrator.`,
    );
  }
  const signedIn = sessionFrom(answer.AuthenticationResult);
  setSession(signedIn, "signed-in");
  return signedIn;
}

let refreshing = null;

/** New ID and access tokens from the refresh token (one request at a time). */
export function refresh() {
  if (!current) return Promise.reject(new UserFacingError("You are signed out."));
  if (!refreshing) {
    const before = current;
    refreshing = cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.clientId,
      AuthParameters: { REFRESH_TOKEN: before.refreshToken },
    })
      .then((answer) => {
        const renewed = sessionFrom(answer.AuthenticationResult, before);
        if (current === before) setSession(renewed, "refreshed");
        return renewed;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** A valid ID token, refreshed first if it is about to expire. */
export async function idToken() {
  if (!current) throw new UserFacingError("Sign in to do this.", "signed_out");
  if (current.expiresAt - Date.now() < 60 * 1000) {
    try {
      await refresh();
    } catch {
      signOut("Your session has ended. Sign in again.");
      throw new UserFacingError("Your session has ended. Sign in again.", "signed_out");
    }
  }
  return current.idToken;
}

/**
 * Forget the tokens, and revoke this session's refresh token (best effort; other devices
 * stay signed in). moto has no RevokeToken, so locally the tokens are only forgotten.
 */
export function signOut(message) {
  const ending = current;
  if (ending && ending.refreshToken && !config.localConfirmation) {
    cognito("RevokeToken", { ClientId: config.clientId, Token: ending.refreshToken }).catch(() => {});
  }
  setSession(null, message || "Signed out.");
}

/** The session kept by this tab, if any (refreshed at once if it is close to expiry). */
export function restore() {
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    stored = null;
  }
  if (!stored || !stored.idToken || !stored.refreshToken) return null;
  setSession(stored, "restored");
  return stored;
}
