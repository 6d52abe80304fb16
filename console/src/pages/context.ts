// What every page gets: the API client, the URL state, and a way to change the URL (which re-renders).

import type { ConsoleApi, Me } from "../api.ts";
import type { Page, ViewState } from "../state.ts";

export interface PageContext {
  api: ConsoleApi;
  me: Me;
  state: ViewState;
  /** Replaces the URL's parameters of this page and renders it again. */
  update(params: Record<string, string>): void;
  go(page: Page, params?: Record<string, string>): void;
}

/** Reads the filter controls of a form as URL parameters. */
export function controlsOf(form: HTMLElement): Record<string, string> {
  const params: Record<string, string> = {};
  form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-control]").forEach((control) => {
    params[control.name] = control.value.trim();
  });
  return params;
}

/** A filter bar that writes its controls into the URL when any of them changes. */
export function filterBar(ctx: PageContext, ...controls: HTMLElement[]): HTMLFormElement {
  const form = document.createElement("form");
  form.className = "filters";
  form.append(...controls);
  form.addEventListener("change", () => ctx.update(controlsOf(form)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.update(controlsOf(form));
  });
  return form;
}
