// The console's entry: reads the URL, checks the session, renders the page, and re-renders on navigation.

import { ConsoleApi } from "./api.ts";
import { clear, el } from "./dom.ts";
import { cdpPage } from "./pages/cdp.ts";
import type { PageContext } from "./pages/context.ts";
import { loginPage } from "./pages/login.ts";
import { settingsPage } from "./pages/settings.ts";
import { tapemetricPage } from "./pages/tapemetric.ts";
import { taprainPage } from "./pages/taprain.ts";
import { readState, urlOf, type Page } from "./state.ts";

const api = new ConsoleApi();
const root = document.getElementById("app") ?? document.body;
const PAGES = { tapemetric: tapemetricPage, taprain: taprainPage, cdp: cdpPage, settings: settingsPage } as const;
const TITLES: Record<keyof typeof PAGES, string> = { tapemetric: "Tapemetric", taprain: "Taprain", cdp: "CDP", settings: "Settings" };

function navigate(url: string): void {
  history.pushState(null, "", url);
  void render();
}

async function render(): Promise<void> {
  const state = readState(window.location);
  const me = await api.me();
  if (!me) {
    if (state.page !== "login") history.replaceState(null, "", urlOf("login"));
    document.title = "Sign in · Metrigate";
    clear(root, loginPage(api, () => navigate(urlOf("tapemetric"))));
    return;
  }
  const page: Exclude<Page, "login"> = state.page === "login" ? "tapemetric" : state.page;
  if (state.page === "login") history.replaceState(null, "", urlOf(page));
  const ctx: PageContext = {
    api,
    me,
    state,
    update: (params) => navigate(urlOf(page, params)),
    go: (target, params) => navigate(urlOf(target, params)),
  };
  const logout = el("button", { type: "button", "data-action": "logout" }, "Sign out");
  logout.addEventListener("click", async () => {
    await api.logout();
    navigate(urlOf("login"));
  });
  const links = (Object.keys(PAGES) as (keyof typeof PAGES)[]).map((name) => {
    const link = el("a", { href: urlOf(name), "aria-current": name === page ? "page" : undefined }, TITLES[name]);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      navigate(urlOf(name));
    });
    return link;
  });
  const header = el("header", {}, el("strong", { class: "brand" }, "Metrigate"), el("nav", {}, ...links), el("span", { class: "who" }, `${me.email} · ${me.name} (${me.plan})`), logout);
  const main = el("main", { "aria-busy": "true" }, el("p", { class: "note" }, "Loading…"));
  clear(root, header, main);
  document.title = `${TITLES[page]} · Metrigate`;
  try {
    const content = await PAGES[page](ctx);
    clear(main, content);
  } catch (e) {
    clear(main, el("p", { class: "error", role: "alert" }, (e as Error).message));
  }
  main.setAttribute("aria-busy", "false");
}

window.addEventListener("popstate", () => void render());
void render();
