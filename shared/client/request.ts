// How a client calls an endpoint of any wire-compatible server: method, URL, headers and body from the
// catalog definition. Pure (no Node APIs), shared by the MCP remote mode, sheet sync and the Sheets add-on.

import type { AnyEndpoint } from "../catalog/define.ts";

export interface ClientCredentials {
  /** API key for Taprain and CDP calls (CDP prefers it when both are set). */
  apiKey?: string;
  /** JWT for Tapemetric calls (and CDP when there is no API key). */
  token?: string;
}

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function encodeValue(value: unknown): string {
  return encodeURIComponent(typeof value === "string" ? value : JSON.stringify(value));
}

/** Authorization headers for a family; an empty object when the needed credential is missing. */
export function credentialHeaders(family: AnyEndpoint["family"], credentials: ClientCredentials): Record<string, string> {
  if (family === "tapemetric") return credentials.token ? { Authorization: `Bearer ${credentials.token}` } : {};
  if (family === "taprain") return credentials.apiKey ? { "X-Api-Key": credentials.apiKey } : {};
  if (credentials.apiKey) return { "X-Api-Key": credentials.apiKey };
  return credentials.token ? { Authorization: `Bearer ${credentials.token}` } : {};
}

/** Path parameters go into the path, the rest into the query string (GET) or a JSON body (POST). */
export function buildRequest(
  baseUrl: string,
  endpoint: AnyEndpoint,
  params: Record<string, unknown>,
  credentials: ClientCredentials,
): HttpRequest {
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") rest[name] = value;
  const path = endpoint.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const value = rest[name];
    delete rest[name];
    // A missing path parameter leaves its segment empty, so the server names it as missing.
    return value === undefined ? "" : encodeValue(value);
  });
  const headers: Record<string, string> = { Accept: "application/json", ...credentialHeaders(endpoint.family, credentials) };
  const base = baseUrl.replace(/\/+$/, "");
  if (endpoint.method === "GET") {
    const query = Object.entries(rest)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeValue(value)}`)
      .join("&");
    return { method: "GET", url: `${base}${path}${query ? `?${query}` : ""}`, headers };
  }
  return {
    method: "POST",
    url: `${base}${path}`,
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(rest),
  };
}

/** The human sentence inside any family's error body (CONTRACT §7), or undefined when there is none. */
export function errorMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message === "string") return b.message;
  if (typeof b.detail === "string") return b.detail;
  if (b.success === false && typeof b.error === "string") return b.error;
  return undefined;
}
