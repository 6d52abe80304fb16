// Where each API's calls go (CONTRACT §16): the setting names every client face reads, one connection per
// API resolved from them, and the Tapemetric login flow. Pure and Node-free: the Sheets bundle imports it,
// and the HTTP call is injected so Node (fetch) and Apps Script (UrlFetchApp) drive the same logic.

import type { Family } from "../catalog/define.ts";
import { InvalidInput, Unauthorized } from "../errors.ts";
import { errorMessageOf, type ClientCredentials, type HttpRequest } from "./request.ts";

/** The §16 settings, by the name used as environment variable, user property and sync-config key. */
export const CONNECTION_SETTINGS = [
  "METRIGATE_URL",
  "METRIGATE_API_KEY",
  "METRIGATE_TOKEN",
  "METRIGATE_TAPEMETRIC_URL",
  "METRIGATE_TAPEMETRIC_TOKEN",
  "METRIGATE_TAPEMETRIC_EMAIL",
  "METRIGATE_TAPEMETRIC_PASSWORD",
  "METRIGATE_TAPRAIN_URL",
  "METRIGATE_TAPRAIN_API_KEY",
  "METRIGATE_CDP_URL",
  "METRIGATE_CDP_API_KEY",
  "METRIGATE_CDP_TOKEN",
] as const;

export type ConnectionSetting = (typeof CONNECTION_SETTINGS)[number];

/** Settings from any source (environment, flags, sync config, user properties), keyed by §16 name. */
export type ConnectionSettingsMap = Readonly<Record<string, string | undefined>>;

export const URL_SETTINGS: readonly ConnectionSetting[] = ["METRIGATE_URL", "METRIGATE_TAPEMETRIC_URL", "METRIGATE_TAPRAIN_URL", "METRIGATE_CDP_URL"];

/** The settings that hold secrets: never shown back, never logged. */
export const SECRET_SETTINGS: readonly ConnectionSetting[] = CONNECTION_SETTINGS.filter((name) => /_(API_KEY|TOKEN|PASSWORD)$/.test(name));

export const FAMILY_NAMES: Record<Family, string> = { tapemetric: "Tapemetric", taprain: "Taprain", cdp: "CDP" };

/** The CLI flag of a setting: `METRIGATE_TAPRAIN_URL` → `taprain-url`, `METRIGATE_API_KEY` → `api-key`. */
export function flagOf(setting: ConnectionSetting): string {
  return setting.replace(/^METRIGATE_/, "").toLowerCase().replace(/_/g, "-");
}

/** Tapemetric's username-and-password login (POST /v1/auth/login), for when no token is set. */
export interface LoginSettings {
  email: string;
  password: string;
}

/** Everything a client needs to call one API. */
export interface Connection {
  family: Family;
  /** Base URL without a trailing slash. */
  url: string;
  credentials: ClientCredentials;
  /** Set when Tapemetric tokens come from logging in. */
  login?: LoginSettings;
  /** The settings that supplied the credential, named in a 401's sentence ("check …"). */
  credentialSettings: string;
}

export type ConnectionOutcome = { ok: true; connection: Connection } | { ok: false; problem: string };

function value(settings: ConnectionSettingsMap, name: ConnectionSetting): string | undefined {
  const v = settings[name]?.trim();
  return v ? v : undefined;
}

/** True when any URL setting is present: `metrigate mcp` then runs as a connector (remote mode). */
export function hasRemoteUrl(settings: ConnectionSettingsMap): boolean {
  return URL_SETTINGS.some((name) => value(settings, name) !== undefined);
}

/** `METRIGATE_TAPRAIN` for taprain: the start of its per-API setting names. */
function prefixOf(family: Family): string {
  return `METRIGATE_${family.toUpperCase()}`;
}

/** A setting's value or undefined; the names are typed so a misspelt one fails to compile. */
function perApi(settings: ConnectionSettingsMap, family: Family, suffix: "URL" | "API_KEY" | "TOKEN" | "EMAIL" | "PASSWORD"): string | undefined {
  return value(settings, `${prefixOf(family)}_${suffix}` as ConnectionSetting);
}

/**
 * The credential an API gets. The shared METRIGATE_API_KEY / METRIGATE_TOKEN belong to the shared server:
 * they are used for an API whose URL is METRIGATE_URL, or for any API when METRIGATE_URL is not set —
 * never sent to a per-API host while they are meant for a Metrigate server.
 */
function credentialsOf(settings: ConnectionSettingsMap, family: Family, sharedUsable: boolean): Omit<Connection, "family" | "url"> | string {
  const name = FAMILY_NAMES[family];
  const prefix = prefixOf(family);
  const sharedKey = sharedUsable ? value(settings, "METRIGATE_API_KEY") : undefined;
  const sharedToken = sharedUsable ? value(settings, "METRIGATE_TOKEN") : undefined;
  const sharedHint = sharedUsable ? "" : " (the shared METRIGATE_API_KEY and METRIGATE_TOKEN go only to METRIGATE_URL)";
  if (family === "tapemetric") {
    const token = perApi(settings, family, "TOKEN");
    if (token) return { credentials: { token }, credentialSettings: `${prefix}_TOKEN` };
    const email = perApi(settings, family, "EMAIL");
    const password = perApi(settings, family, "PASSWORD");
    if (email && !password) return `${name} login needs ${prefix}_PASSWORD with ${prefix}_EMAIL.`;
    if (password && !email) return `${name} login needs ${prefix}_EMAIL with ${prefix}_PASSWORD.`;
    if (email && password) return { credentials: {}, login: { email, password }, credentialSettings: `${prefix}_EMAIL and ${prefix}_PASSWORD` };
    if (sharedToken) return { credentials: { token: sharedToken }, credentialSettings: "METRIGATE_TOKEN" };
    return `${name} needs a JWT: set ${prefix}_TOKEN, or ${prefix}_EMAIL and ${prefix}_PASSWORD to log in${sharedUsable ? ", or METRIGATE_TOKEN" : sharedHint}.`;
  }
  if (family === "taprain") {
    const apiKey = perApi(settings, family, "API_KEY");
    if (apiKey) return { credentials: { apiKey }, credentialSettings: `${prefix}_API_KEY` };
    if (sharedKey) return { credentials: { apiKey: sharedKey }, credentialSettings: "METRIGATE_API_KEY" };
    return `${name} needs an API key: set ${prefix}_API_KEY${sharedUsable ? " or METRIGATE_API_KEY" : sharedHint}.`;
  }
  const apiKey = perApi(settings, family, "API_KEY");
  const token = perApi(settings, family, "TOKEN");
  if (apiKey || token) return { credentials: { apiKey, token }, credentialSettings: apiKey ? `${prefix}_API_KEY` : `${prefix}_TOKEN` };
  if (sharedKey || sharedToken) {
    return { credentials: { apiKey: sharedKey, token: sharedToken }, credentialSettings: sharedKey ? "METRIGATE_API_KEY" : "METRIGATE_TOKEN" };
  }
  return `${name} needs an API key or a JWT: set ${prefix}_API_KEY or ${prefix}_TOKEN${sharedUsable ? ", or METRIGATE_API_KEY or METRIGATE_TOKEN" : sharedHint}.`;
}

/** Checks a URL setting: http(s), no credentials in it (they would end up in logs). */
function checkedUrl(setting: string, url: string): string {
  if (!/^https?:\/\/[^\s/?#]+/i.test(url)) throw new InvalidInput(`${setting} must be an http(s) URL such as https://api.example.com, got "${url}".`);
  if (/^https?:\/\/[^/?#]*@/i.test(url)) throw new InvalidInput(`${setting} must not carry a user name or password; set the API's credential setting instead.`);
  return url.replace(/\/+$/, "");
}

/**
 * One API's connection: its per-API URL, else METRIGATE_URL; its per-API credential, else the shared one.
 * A missing setting is a problem sentence naming it (not an error: the other APIs may still work); a
 * malformed URL is an error.
 */
export function resolveConnection(settings: ConnectionSettingsMap, family: Family): ConnectionOutcome {
  const urlSetting = perApi(settings, family, "URL") ? `${prefixOf(family)}_URL` : "METRIGATE_URL";
  const rawUrl = value(settings, urlSetting as ConnectionSetting);
  if (!rawUrl) {
    return { ok: false, problem: `${FAMILY_NAMES[family]} has no server: set ${prefixOf(family)}_URL (its own host) or METRIGATE_URL (one Metrigate server for all three APIs).` };
  }
  const url = checkedUrl(urlSetting, rawUrl);
  const sharedUsable = urlSetting === "METRIGATE_URL" || value(settings, "METRIGATE_URL") === undefined;
  const credentials = credentialsOf(settings, family, sharedUsable);
  if (typeof credentials === "string") return { ok: false, problem: credentials };
  return { ok: true, connection: { family, url, ...credentials } };
}

export const FAMILIES: readonly Family[] = ["tapemetric", "taprain", "cdp"];

/** All three APIs' connections (or why each cannot be made); throws only for a malformed URL. */
export function resolveConnections(settings: ConnectionSettingsMap): Record<Family, ConnectionOutcome> {
  return {
    tapemetric: resolveConnection(settings, "tapemetric"),
    taprain: resolveConnection(settings, "taprain"),
    cdp: resolveConnection(settings, "cdp"),
  };
}

/** The connection of a family, or an InvalidInput carrying the sentence that names the missing setting. */
export function requireConnection(settings: ConnectionSettingsMap, family: Family): Connection {
  const outcome = resolveConnection(settings, family);
  if (!outcome.ok) throw new InvalidInput(outcome.problem);
  return outcome.connection;
}

/** An HTTP answer as both Node's fetch and Apps Script's UrlFetchApp can give it. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  text: string;
}

/**
 * A conversation with a server written once: the generator yields each request and receives its answer.
 * `runExchange` drives it with a synchronous transport (UrlFetchApp), `runExchangeAsync` with fetch.
 */
export type Exchange<T> = Generator<HttpRequest, T, HttpAnswer>;

export function runExchange<T>(exchange: Exchange<T>, send: (request: HttpRequest) => HttpAnswer): T {
  let step = exchange.next();
  while (!step.done) step = exchange.next(send(step.value));
  return step.value;
}

export async function runExchangeAsync<T>(exchange: Exchange<T>, send: (request: HttpRequest) => Promise<HttpAnswer>): Promise<T> {
  let step = exchange.next();
  while (!step.done) step = exchange.next(await send(step.value));
  return step.value;
}

/** Where a logged-in token is kept between calls: memory in Node, CacheService in the add-on. */
export interface TokenStore {
  get(): string | undefined;
  set(token: string | undefined): void;
}

export function memoryTokenStore(): TokenStore {
  let token: string | undefined;
  return {
    get: () => token,
    set: (next) => {
      token = next;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const LOGIN_PATH = "/v1/auth/login";

/**
 * Tapemetric's login flow (CONTRACT §16): log in with email and password, read `token` (no `expires_at`
 * needed: a vendor may not send it), reuse the token, and after a 401 log in once more and retry once.
 * A second 401 is an error naming the settings.
 */
export class TapemetricLogin {
  constructor(
    private readonly url: string,
    private readonly login: LoginSettings,
    private readonly store: TokenStore,
  ) {}

  private failure(detail: string): Unauthorized {
    return new Unauthorized(
      `Tapemetric login at ${this.url} failed: ${detail} Check METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD.`,
    );
  }

  /** Logs in and keeps the new token. */
  *freshToken(): Exchange<string> {
    const answer = yield {
      method: "POST",
      url: `${this.url}${LOGIN_PATH}`,
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ email: this.login.email, password: this.login.password }),
    };
    const body = parseJson(answer.text);
    if (answer.status < 200 || answer.status >= 300) {
      const said = errorMessageOf(body);
      throw this.failure(`HTTP ${answer.status}${said ? ` (${said})` : ""}.`);
    }
    const token = body !== null && typeof body === "object" ? (body as Record<string, unknown>).token : undefined;
    if (typeof token !== "string" || token === "") throw this.failure("the answer has no token.");
    this.store.set(token);
    return token;
  }

  /**
   * Sends the request built for a token; a 401 gets one fresh login and one retry. Other answers (429s
   * included) are returned for the caller to read.
   */
  *send(requestFor: (token: string) => HttpRequest): Exchange<HttpAnswer> {
    const kept = this.store.get();
    const first = yield requestFor(kept ?? (yield* this.freshToken()));
    if (first.status !== 401) return first;
    const retried = yield requestFor(yield* this.freshToken());
    if (retried.status !== 401) return retried;
    this.store.set(undefined);
    const said = errorMessageOf(parseJson(retried.text));
    throw new Unauthorized(
      `Tapemetric at ${this.url} refused a freshly issued token (401${said ? `: ${said}` : ""}). Check METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD.`,
    );
  }
}

/** The credentials a request of this connection carries, with a logged-in token when there is one. */
export function credentialsWithToken(connection: Connection, token: string | undefined): ClientCredentials {
  return token === undefined ? connection.credentials : { ...connection.credentials, token };
}
