// Settings: the API key (shown on request, copied, regenerated after a confirmation), service-account
// tokens (created and shown once, listed, revoked) and connect snippets filled in with this server's URL.

import { el, panel } from "../dom.ts";
import { formatInstant } from "../format.ts";
import { sortableTable } from "../table.ts";
import type { PageContext } from "./context.ts";

function copyButton(name: string, text: () => string): HTMLButtonElement {
  const button = el("button", { type: "button", "data-copy": name }, "Copy");
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(text()).then(
      () => (button.textContent = "Copied"),
      () => (button.textContent = "Select and copy by hand"),
    );
  });
  return button;
}

function apiKeyPanel(ctx: PageContext): HTMLElement {
  const shown = el("code", { "data-secret": "api_key" }, "••••••••••••••••");
  let key = "";
  const show = el("button", { type: "button", "data-action": "show-key" }, "Show key");
  show.addEventListener("click", async () => {
    key = (await ctx.api.apiKey()).api_key;
    shown.textContent = key;
  });
  const confirm = el(
    "div",
    { class: "confirm", hidden: true, "data-confirm": "regenerate" },
    el("p", {}, "The current key stops working at once: every script and integration that uses it must get the new one."),
  );
  const yes = el("button", { type: "button", class: "danger", "data-action": "confirm-regenerate" }, "Yes, regenerate");
  const no = el("button", { type: "button", "data-action": "cancel-regenerate" }, "Cancel");
  confirm.append(yes, no);
  const regenerate = el("button", { type: "button", "data-action": "regenerate-key" }, "Regenerate…");
  regenerate.addEventListener("click", () => (confirm.hidden = false));
  no.addEventListener("click", () => (confirm.hidden = true));
  yes.addEventListener("click", async () => {
    key = (await ctx.api.regenerateApiKey()).api_key;
    shown.textContent = key;
    confirm.hidden = true;
  });
  return panel(
    "API key",
    el("p", {}, "Taprain and CDP requests authenticate with this key (X-Api-Key header)."),
    el("div", { class: "secret" }, shown, show, copyButton("api_key", () => key), regenerate),
    confirm,
  );
}

async function tokensPanel(ctx: PageContext): Promise<HTMLElement> {
  const tokens = await ctx.api.tokens();
  const created = el("div", { class: "created", "data-created-token": "" });
  const name = el("input", { name: "name", placeholder: "e.g. looker-sync", required: true, maxlength: "64", type: "text" });
  const form = el("form", { class: "filters", "data-form": "create-token" }, el("label", {}, "Service account", name), el("button", { type: "submit" }, "Create token"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const token = await ctx.api.createToken(name.value);
      created.replaceChildren(
        el("p", {}, `Token for ${token.name}, valid until ${formatInstant(token.expires_at)}. It is shown only now: copy it.`),
        el("code", { "data-secret": "token" }, token.token),
        copyButton("token", () => token.token),
      );
      list.replaceChildren(tokenTable(await ctx.api.tokens()));
    } catch (e) {
      created.replaceChildren(el("p", { class: "error", role: "alert" }, (e as Error).message));
    }
  });
  const tokenTable = (rows: typeof tokens): HTMLElement =>
    rows.length === 0
      ? el("p", { class: "note" }, "No service-account tokens yet.")
      : sortableTable("tokens", [
          { label: "Name", value: (r: (typeof rows)[number]) => r.name },
          { label: "Id (jti)", value: (r: (typeof rows)[number]) => r.jti },
          { label: "Created", value: (r: (typeof rows)[number]) => r.issued_at, format: (r: (typeof rows)[number]) => formatInstant(r.issued_at) },
          { label: "Expires", value: (r: (typeof rows)[number]) => r.expires_at, format: (r: (typeof rows)[number]) => formatInstant(r.expires_at) },
          {
            label: "Status",
            value: (r: (typeof rows)[number]) => r.revoked_at ?? "",
            format: (r: (typeof rows)[number]) => {
              if (r.revoked_at) return `revoked ${formatInstant(r.revoked_at)}`;
              const button = el("button", { type: "button", class: "danger", "data-revoke": r.jti }, "Revoke");
              button.addEventListener("click", async () => {
                button.disabled = true;
                await ctx.api.revokeToken(r.jti);
                list.replaceChildren(tokenTable(await ctx.api.tokens()));
              });
              return button;
            },
          },
        ], rows);
  const list = el("div", {}, tokenTable(tokens));
  return panel("Service-account tokens", el("p", {}, "Tapemetric and CDP accept these bearer tokens for 90 days."), form, created, list);
}

function snippet(name: string, title: string, text: string): HTMLElement {
  return el("div", { class: "snippet" }, el("h3", {}, title), el("pre", { "data-snippet": name }, text), copyButton(name, () => text));
}

function connectPanel(): HTMLElement {
  const origin = window.location.origin;
  const mcpHttp = JSON.stringify(
    { mcpServers: { metrigate: { type: "http", url: `${origin}/mcp`, headers: { Authorization: "Bearer <service-account token>", "X-Api-Key": "<API key>" } } } },
    null,
    2,
  );
  const mcpStdio = JSON.stringify(
    { mcpServers: { metrigate: { command: "npx", args: ["metrigate", "mcp"], env: { METRIGATE_URL: origin, METRIGATE_API_KEY: "<API key>", METRIGATE_TOKEN: "<service-account token>" } } } },
    null,
    2,
  );
  return panel(
    "Connect",
    snippet("curl-taprain", "Taprain (curl)", `curl -H "X-Api-Key: <API key>" "${origin}/api/v1/stats?range=7days"`),
    snippet("curl-tapemetric", "Tapemetric (curl)", `curl -H "Authorization: Bearer <service-account token>" "${origin}/v1/analytics/overview?range=7d"`),
    snippet("curl-cdp", "CDP (curl)", `curl -H "X-Api-Key: <API key>" "${origin}/api/analytics/overview/"`),
    snippet("mcp-http", "MCP over HTTP (assistant config)", mcpHttp),
    snippet("mcp-stdio", "MCP over stdio (assistant config)", mcpStdio),
    snippet("sheets", "Google Sheets add-on (Metrigate ▸ Settings)", `Server URL: ${origin}\nAPI key:    <API key>\nToken:      <service-account token>`),
  );
}

export async function settingsPage(ctx: PageContext): Promise<HTMLElement> {
  return el("div", { class: "dashboard", "data-dashboard": "settings" }, el("h1", {}, "Settings"), apiKeyPanel(ctx), await tokensPanel(ctx), connectPanel());
}
