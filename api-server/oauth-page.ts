// The OAuth sign-in and consent page: server-rendered HTML (no script), styled by the console's stylesheet.
// One form signs a workspace user in (or shows who is signed in already), names the client and where it
// will be sent back, and lets the user choose which APIs the client may use.

import type { Family } from "../shared/catalog/define.ts";
import { OAUTH_APIS } from "../shared/auth/oauth.ts";

const API_LABELS: Record<Family, string> = {
  tapemetric: "Tapemetric (streaming video)",
  taprain: "Taprain (affiliate stats)",
  cdp: "CDP (customer data platform)",
};

/** The authorization request's parameters, carried through the form unchanged and checked again on POST. */
export const AUTHORIZE_PARAMS = ["client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "state", "resource", "scope"] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/console/assets/console.css" /></head>`,
    `<body><main>${body}</main></body></html>`,
  ].join("\n");
}

export interface ConsentView {
  clientName: string;
  clientId: string;
  redirectUri: string;
  params: Record<string, string | undefined>;
  /** The signed-in user, when a session exists; otherwise the form asks for email and password. */
  signedIn?: { email: string; workspace: string; csrfToken: string };
  /** The APIs the client asked for (the page offers only these)... */
  offered: readonly Family[];
  /** ...and those of them checked. */
  apis: readonly Family[];
  error?: string;
}

export function consentPage(view: ConsentView): string {
  const hidden = AUTHORIZE_PARAMS.filter((name) => view.params[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(view.params[name] ?? "")}" />`)
    .join("");
  const who = view.signedIn
    ? `<p>Signed in as <strong>${escapeHtml(view.signedIn.email)}</strong>, workspace <strong>${escapeHtml(view.signedIn.workspace)}</strong>.</p>` +
      `<input type="hidden" name="csrf_token" value="${escapeHtml(view.signedIn.csrfToken)}" />`
    : "<p>Sign in as a user of the workspace the client may read.</p>" +
      '<label>Email <input name="email" type="email" autocomplete="username" required /></label>' +
      '<label>Password <input name="password" type="password" autocomplete="current-password" required /></label>';
  const apis = OAUTH_APIS.filter((api) => view.offered.includes(api)).map(
    (api) => `<label><span><input type="checkbox" name="api" value="${api}"${view.apis.includes(api) ? " checked" : ""} /> ${API_LABELS[api]}</span></label>`,
  ).join("");
  const body = [
    '<div class="login">',
    `<h1>Connect ${escapeHtml(view.clientName)}</h1>`,
    `<p><strong>${escapeHtml(view.clientName)}</strong> (${escapeHtml(view.clientId)}) asks to read this workspace's analytics through Metrigate's MCP server. ` +
      `You will be sent back to ${escapeHtml(new URL(view.redirectUri).origin)}.</p>`,
    view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>` : "",
    '<form method="post" action="/oauth/authorize" data-form="oauth-consent">',
    hidden,
    who,
    `<fieldset><legend>APIs it may use</legend>${apis}</fieldset>`,
    '<button type="submit" name="decision" value="allow">Allow</button>',
    '<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>',
    "</form>",
    "</div>",
  ];
  return page(`Connect ${view.clientName} to Metrigate`, body.join("\n"));
}

/** A request that cannot be sent back to the client (unknown client, unregistered redirect URI). */
export function refusalPage(message: string): string {
  return page("Metrigate: authorization refused", `<div class="login"><h1>This connection cannot be authorized</h1><p class="error" role="alert">${escapeHtml(message)}</p></div>`);
}
