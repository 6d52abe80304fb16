// The sign-in form: a workspace user's email and password start a session cookie.

import type { ConsoleApi } from "../api.ts";
import { el } from "../dom.ts";

export function loginPage(api: ConsoleApi, signedIn: () => void): HTMLElement {
  const email = el("input", { name: "email", type: "email", autocomplete: "username", required: true });
  const password = el("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "login", "data-form": "login" },
    el("h1", {}, "Sign in to Metrigate"),
    el("label", {}, "Email", email),
    el("label", {}, "Password", password),
    el("button", { type: "submit" }, "Sign in"),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await api.login(email.value, password.value);
      signedIn();
    } catch (e) {
      message.textContent = (e as Error).message;
    }
  });
  return form;
}
