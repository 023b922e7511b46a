// The sign-in, sign-up and confirmation forms.

import { config } from "./settings.js";
import { confirmSignUp, resendCode, signIn, signUp } from "./auth.js";
import { $, busy, onSubmit, showError } from "./dom.js";
import { announce } from "./notice.js";

const FORMS = { "sign-in": "Sign in", "sign-up": "Create an account", confirm: "Confirm your account" };
/** The password typed at sign-up, kept in memory only, to sign in right after confirming. */
let pendingPassword = null;

function showForm(name, { focus = true } = {}) {
  for (const form of Object.keys(FORMS)) $(`#${form}-form`).hidden = form !== name;
  $("#auth-heading").textContent = FORMS[name];
  showError($("#auth-error"), "");
  if (focus) $(`#${name}-form input:not([type=hidden])`).focus();
}

function fail(error) {
  showError($("#auth-error"), error.message || "Something went wrong. Try again.");
}

function required(...inputs) {
  const empty = inputs.find((input) => !input.value.trim());
  if (!empty) return true;
  const label = document.querySelector(`label[for="${empty.id}"]`);
  showError($("#auth-error"), `Fill in ${label ? label.textContent.trim() : "every field"}.`);
  empty.focus();
  return false;
}

function askForCode(username, destination) {
  $("#confirm-username").value = username;
  const sent = destination ? `We sent a confirmation code to ${destination}.` : "";
  const local = config.localConfirmation
    ? " This is a local stack: any code confirms the account (for example 000000)." : "";
  $("#confirm-sent").textContent = (sent + local).trim();
  showForm("confirm", { focus: false });
  $("#confirm-code").focus();
}

export function showSignIn(message) {
  $("#auth-view").hidden = false;
  showForm("sign-in", { focus: false });
  if (message) announce(message);
  $("#sign-in-username").focus();
}

export function hideSignIn() {
  $("#auth-view").hidden = true;
  $("#sign-in-password").value = "";
}

export function installSignIn() {
  $("#to-sign-up").addEventListener("click", () => showForm("sign-up"));
  $("#to-sign-in").addEventListener("click", () => showForm("sign-in"));
  $("#confirm-to-sign-in").addEventListener("click", () => showForm("sign-in"));
  $("#to-confirm").addEventListener("click", () => {
    askForCode($("#sign-up-username").value.trim(), null);
  });

  const signInForm = $("#sign-in-form");
  onSubmit(signInForm, () => {
    const username = $("#sign-in-username");
    const password = $("#sign-in-password");
    if (!required(username, password)) return;
    showError($("#auth-error"), "");
    let refused = null;
    busy(signInForm, async () => {
      announce("Signing in…");
      try {
        await signIn(username.value.trim(), password.value);
      } catch (error) {
        refused = error;
      }
    }).then(() => {
      if (!refused) return;
      announce("");
      // After the form is enabled again: a disabled field cannot take focus.
      if (refused.code === "UserNotConfirmedException") {
        pendingPassword = password.value;
        askForCode(username.value.trim(), null);
      } else {
        password.focus();
        password.select();
      }
      fail(refused);
    });
  });

  const signUpForm = $("#sign-up-form");
  onSubmit(signUpForm, () => {
    const username = $("#sign-up-username");
    const email = $("#sign-up-email");
    const password = $("#sign-up-password");
    if (!required(username, email, password)) return;
    busy(signUpForm, async () => {
      const created = await signUp(username.value.trim(), email.value.trim(), password.value);
      pendingPassword = password.value;
      password.value = "";
      if (created.confirmed) {
        await signIn(username.value.trim(), pendingPassword);
        pendingPassword = null;
        return;
      }
      askForCode(username.value.trim(), created.destination);
      announce("Account created. Enter the confirmation code to finish.");
    }, fail);
  });

  const confirmForm = $("#confirm-form");
  onSubmit(confirmForm, () => {
    const username = $("#confirm-username");
    const code = $("#confirm-code");
    if (!required(username, code)) return;
    busy(confirmForm, async () => {
      await confirmSignUp(username.value.trim(), code.value.trim());
      code.value = "";
      if (pendingPassword) {
        const password = pendingPassword;
        pendingPassword = null;
        await signIn(username.value.trim(), password);
      } else {
        $("#sign-in-username").value = username.value.trim();
        showForm("sign-in", { focus: false });
        announce("Account confirmed. Sign in with your password.");
        $("#sign-in-password").focus();
      }
    }, fail);
  });

  $("#resend-code").addEventListener("click", (event) => {
    const username = $("#confirm-username");
    if (!required(username)) return;
    busy(event.currentTarget, async () => {
      const destination = await resendCode(username.value.trim());
      announce(destination ? `A new code is on its way to ${destination}.` : "A new code is on its way.");
    }, (error) => {
      fail(error.code ? error : new Error(
        config.localConfirmation
          ? "The local stack sends no codes: any code confirms the account (for example 000000)."
          : "A new code could not be sent. Try again later.",
      ));
    });
  });
}
