// For the OAuth tests: the SDK client's OAuthClientProvider kept in memory (what an assistant's backend
// stores), the browser's part of the flow played over HTTP (open the authorize URL, fill in and send the
// form, read the redirect), and a local HTTPS host for Client ID Metadata Documents with its own certificate.

import type { OAuthClientMetadata, OAuthClientProvider, OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from "@modelcontextprotocol/client";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { join } from "node:path";

/** Where the assistant would be sent back; never contacted (the test reads the redirect's Location). */
export const REDIRECT_URI = "http://127.0.0.1:9/oauth/callback";

export class MemoryOAuthProvider implements OAuthClientProvider {
  info: StoredOAuthClientInformation | undefined;
  saved: StoredOAuthTokens | undefined;
  verifier = "";
  discovery: OAuthDiscoveryState | undefined;
  /** The last URL the client asked the user's browser to open. */
  authorizationUrl: URL | undefined;

  constructor(readonly clientMetadataUrl?: string) {}

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Test assistant",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.info = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    if (scope === "all" || scope === "tokens") this.saved = undefined;
    if (scope === "all" || scope === "client") this.info = undefined;
  }
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The hidden inputs of a page's form, as the browser would send them. */
export function hiddenFields(html: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)) fields.append(match[1], unescapeHtml(match[2]));
  return fields;
}

export interface FormAnswer {
  status: number;
  location: URL | undefined;
  html: string;
  cookie: string | undefined;
}

/** Posts the consent form of `html` with the given fields added, as a browser on the page would. */
export async function submitConsent(base: string, html: string, fields: Record<string, string | string[]>, cookie?: string): Promise<FormAnswer> {
  const form = hiddenFields(html);
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v);
  const res = await fetch(`${base}/oauth/authorize`, {
    method: "POST",
    body: form,
    redirect: "manual",
    headers: { origin: base, ...(cookie ? { cookie } : {}) },
  });
  const location = res.headers.get("location");
  const setCookie = res.headers.get("set-cookie");
  return { status: res.status, location: location ? new URL(location) : undefined, html: await res.text(), cookie: setCookie?.split(";")[0] };
}

/** Opens the authorize URL, signs in and allows `apis`; the redirect's query (code, state, iss). */
export async function authorizeInBrowser(base: string, url: URL, user: { email: string; password: string }, apis: string[]): Promise<URLSearchParams> {
  const page = await fetch(url, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${html}`);
  const answer = await submitConsent(base, html, { email: user.email, password: user.password, api: apis, decision: "allow" });
  if (answer.status !== 303 || !answer.location) throw new Error(`consent answered ${answer.status}: ${answer.html}`);
  return answer.location.searchParams;
}

/** An HTTPS server on loopback with a fresh self-signed certificate (openssl); `cert` is its PEM file. */
export async function startHttpsHost(dir: string, handler: Parameters<typeof createServer>[1]): Promise<{ url: string; cert: string; server: Server }> {
  const key = join(dir, "host-key.pem");
  const cert = join(dir, "host-cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `https://127.0.0.1:${port}`, cert, server };
}
