// The view's state lives in the URL (page path + query string), so every view is a link to share.

export type Page = "login" | "tapemetric" | "taprain" | "cdp" | "settings";

const PAGES: readonly Page[] = ["login", "tapemetric", "taprain", "cdp", "settings"];

export interface ViewState {
  page: Page;
  params: URLSearchParams;
}

export function readState(location: Pick<Location, "pathname" | "search">): ViewState {
  const name = location.pathname.replace(/^\/console\/?/, "").split("/")[0];
  const page = (PAGES as readonly string[]).includes(name) ? (name as Page) : "tapemetric";
  return { page, params: new URLSearchParams(location.search) };
}

export function urlOf(page: Page, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ""));
  const search = query.toString();
  return `/console/${page}${search ? `?${search}` : ""}`;
}

/** A parameter of the current URL, or the default when absent or not allowed. */
export function param(state: ViewState, name: string, fallback: string, allowed?: readonly string[]): string {
  const value = state.params.get(name);
  if (value === null || value === "") return fallback;
  return allowed && !allowed.includes(value) ? fallback : value;
}
