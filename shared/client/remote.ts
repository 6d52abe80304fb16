// Calls the endpoints of any wire-compatible server over fetch, staying under CONTRACT §5's limits: one
// Bottleneck limiter per credential queues and paces calls (by the documented limits alone when the server
// sends no RateLimit headers), node-cache keeps recent answers, and a 429 waits for its Retry-After instead
// of failing. Node-side (Bottleneck, node-cache); used by MCP remote mode and sheet sync, one per API (§16).

import Bottleneck from "bottleneck";
import { ResultCache } from "../cache/result-cache.ts";
import type { AnyEndpoint } from "../catalog/define.ts";
import { MetrigateError, RateLimited, STATUS_BY_KIND, type ErrorKind } from "../errors.ts";
import { DEFAULT_POLICIES } from "../limits/rate-limits.ts";
import { memoryTokenStore, runExchangeAsync, TapemetricLogin, type Connection, type HttpAnswer } from "./connections.ts";
import { buildRequest, errorMessageOf, type ClientCredentials, type HttpRequest } from "./request.ts";

export type CredentialKind = "jwt" | "api_key";

export interface ClientLimit {
  quota: number;
  windowMs: number;
}

export interface RemoteClientOptions {
  baseUrl: string;
  credentials: ClientCredentials;
  /** Tapemetric tokens from logging in (POST /v1/auth/login) instead of a fixed token. */
  login?: TapemetricLogin;
  /** The settings the credentials came from, named after a 401 so the user knows what to fix. */
  credentialSettings?: string;
  /** The server's limits per credential; default CONTRACT §5 (300 per minute per JWT, 600 per hour per key). */
  limits?: Partial<Record<CredentialKind, ClientLimit>>;
  /** Seconds an answer is reused for the same call (default 60; 0 disables). */
  cacheTtlSeconds?: number;
  /** Calls in flight at once per credential (default 4). */
  maxConcurrent?: number;
  /** Least milliseconds between two calls of one credential (default 100), so a window refresh releases no burst. */
  minTime?: number;
  /** 429 answers retried after their Retry-After before giving up (default 5). */
  maxRetries?: number;
  /**
   * Longest a call may wait for its credential's window, in milliseconds (default: no bound). A call that
   * would wait longer fails at once with RateLimited "rate limited by <host>; retry in N s".
   */
  maxWaitMs?: number;
  /** Told each time the server said 429 and the client waits (for a log line). */
  onRateLimited?(info: { waitMs: number; url: string }): void;
  fetch?: typeof fetch;
}

const KIND_BY_STATUS = new Map<number, ErrorKind>(
  (Object.entries(STATUS_BY_KIND) as [ErrorKind, number][]).map(([kind, status]) => [status, kind]),
);

/** The Bottleneck heartbeat refreshes reservoirs every 250 ms, server side too: wait that much longer. */
const REFRESH_LAG_MS = 250;

/** Which credential the family's headers carry (request.ts decides which one a family uses). */
function credentialKindOf(headers: Record<string, string>): CredentialKind | undefined {
  if (headers["X-Api-Key"]) return "api_key";
  if (headers.Authorization) return "jwt";
  return undefined;
}

/** A non-negative number header (seconds or a count), or undefined when absent or malformed. */
function numberHeader(answer: HttpAnswer, name: string): number | undefined {
  const found = Object.entries(answer.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const text = Array.isArray(found) ? found[0] : found;
  const value = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** What one call may be told and asked while it waits for its turn. */
export interface CallOptions {
  /** Aborting drops the call if it has not been sent yet. */
  signal?: AbortSignal;
  /** Called about every `WAIT_REPORT_MS` while the call waits, with the seconds still to wait. */
  onWaiting?(secondsLeft: number): void;
}

/** How often a waiting call reports that it is still waiting. */
const WAIT_REPORT_MS = 5000;

interface Lane {
  limiter: Bottleneck;
  /** When the limiter was made: its reservoir refills at every whole window after this instant. */
  createdAt: number;
  windowMs: number;
  /** No call of this credential leaves before this instant: the server said its window is used up. */
  readyAt: number;
}

export class RemoteClient {
  private readonly lanes = new Map<string, Lane>();
  private readonly cache: ResultCache;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RemoteClientOptions) {
    this.cache = new ResultCache(options.cacheTtlSeconds ?? 60);
    this.fetch = options.fetch ?? fetch;
  }

  /** The endpoint's JSON body; an error answer becomes a MetrigateError with the server's own sentence. */
  async call(endpoint: AnyEndpoint, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    const login = this.loginFor(endpoint);
    const requestFor = (token?: string) =>
      buildRequest(this.options.baseUrl, endpoint, params, token === undefined ? this.options.credentials : { ...this.options.credentials, token });
    const request = requestFor();
    const kind = login ? "jwt" : (credentialKindOf(request.headers) ?? "anonymous");
    const key = endpoint.readOnly && endpoint.cacheable ? this.cache.key(kind, endpoint.name, [request.url, request.body]) : null;
    const cached = key ? this.cache.get<unknown>(key) : undefined;
    if (cached !== undefined) return cached;

    const { status, retryAfter, body } = await this.send(requestFor, kind, login, options);
    if (status >= 200 && status < 300) {
      if (key) this.cache.set(key, body);
      // A call that changed data (acknowledge, export) makes every remembered answer suspect.
      if (!endpoint.readOnly) for (const scope of ["jwt", "api_key", "anonymous"]) this.cache.invalidateWorkspace(scope);
      return body;
    }
    const said = errorMessageOf(body) ?? `The server answered HTTP ${status} without an error message.`;
    const message = status === 401 && this.options.credentialSettings ? `${said} Check ${this.options.credentialSettings}.` : said;
    if (status === 429) throw new RateLimited(retryAfter ?? 1, message);
    throw new MetrigateError(KIND_BY_STATUS.get(status) ?? "internal", message);
  }

  /** The login flow when this endpoint's token comes from logging in (Tapemetric only). */
  private loginFor(endpoint: AnyEndpoint): TapemetricLogin | undefined {
    return endpoint.family === "tapemetric" && !this.options.credentials.token ? this.options.login : undefined;
  }

  /**
   * Runs the request in its credential's lane (a login's requests too), retrying 429s after Retry-After,
   * within `maxWaitMs` in all.
   * With a login, a 401 gets one fresh login and one retry (connections.ts).
   */
  private async send(
    requestFor: (token?: string) => HttpRequest,
    kind: string,
    login: TapemetricLogin | undefined,
    options: CallOptions,
  ): Promise<{ status: number; retryAfter?: number; body: unknown }> {
    const lane = this.lane(kind);
    const maxRetries = this.options.maxRetries ?? 5;
    const deadline = Date.now() + (this.options.maxWaitMs ?? Number.POSITIVE_INFINITY);
    // Every request (a login's too) waits for its turn within the deadline, then goes through the lane.
    const transmit = async (request: HttpRequest) => {
      await this.waitForTurn(lane, request, deadline, options);
      return lane.limiter.schedule(() => this.fetchWhenReady(lane, request, deadline, options));
    };
    for (let attempt = 0; ; attempt++) {
      const answer = login ? await runExchangeAsync(login.send(requestFor), transmit) : await transmit(requestFor());
      const retryAfter = numberHeader(answer, "Retry-After");
      const body = this.bodyOf(answer);
      if (answer.status !== 429 || attempt >= maxRetries) return { status: answer.status, retryAfter, body };
      const waitMs = (retryAfter ?? 1) * 1000;
      lane.readyAt = Math.max(lane.readyAt, Date.now() + waitMs);
      this.options.onRateLimited?.({ waitMs, url: requestFor().url });
    }
  }

  /**
   * Before queueing: when the lane's own count is used up, the call would sit in the queue until the next
   * window; when that is past the deadline, fail now rather than hold the caller past its own timeout.
   */
  private async waitForTurn(lane: Lane, request: HttpRequest, deadline: number, options: CallOptions): Promise<void> {
    const reservoir = await lane.limiter.currentReservoir();
    if (reservoir !== null && reservoir <= 0) {
      const sinceStart = Date.now() - lane.createdAt;
      const nextWindow = lane.createdAt + Math.ceil((sinceStart + 1) / lane.windowMs) * lane.windowMs;
      lane.readyAt = Math.max(lane.readyAt, nextWindow);
    }
    await this.sleepUntil(lane.readyAt, request, deadline, options);
  }

  /** Waits until `instant`, reporting progress and honouring the caller's abort; fails when past the deadline. */
  private async sleepUntil(instant: number, request: HttpRequest, deadline: number, options: CallOptions): Promise<void> {
    if (instant > deadline) {
      const seconds = Math.ceil((instant - Date.now()) / 1000);
      throw new RateLimited(seconds, `rate limited by ${new URL(request.url).host}; retry in ${seconds} s.`);
    }
    while (Date.now() < instant) {
      if (options.signal?.aborted) throw new MetrigateError("invalid_parameter", "The call was cancelled before it was sent.");
      options.onWaiting?.(Math.ceil((instant - Date.now()) / 1000));
      const step = Math.min(WAIT_REPORT_MS, instant - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, step);
        function done(): void {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", done);
          resolve();
        }
        options.signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  private async fetchWhenReady(lane: Lane, request: HttpRequest, deadline: number, options: CallOptions): Promise<HttpAnswer> {
    await this.sleepUntil(lane.readyAt, request, deadline, options);
    // Cancelled while queued: the request is never sent.
    if (options.signal?.aborted) throw new MetrigateError("invalid_parameter", "The call was cancelled before it was sent.");
    let response: Response;
    try {
      response = await this.fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
    } catch (e) {
      throw new MetrigateError("internal", `Could not reach ${this.options.baseUrl}: ${(e as Error).message}.`);
    }
    const answer: HttpAnswer = { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
    // The server's own count is the truth when it sends one: when it says the window is used up, hold the
    // lane until it ends. Without the headers (a vendor's own host), the lane's documented quota paces alone.
    const remaining = numberHeader(answer, "RateLimit-Remaining");
    const reset = numberHeader(answer, "RateLimit-Reset");
    if (remaining === 0 && reset !== undefined) lane.readyAt = Math.max(lane.readyAt, Date.now() + reset * 1000 + REFRESH_LAG_MS);
    return answer;
  }

  private bodyOf(answer: HttpAnswer): unknown {
    try {
      return JSON.parse(answer.text);
    } catch {
      if (answer.status >= 200 && answer.status < 300) throw new MetrigateError("internal", `The server at ${this.options.baseUrl} did not answer with JSON.`);
      return answer.text;
    }
  }

  /** One limiter per credential, made at its first call so its windows start when the server's do. */
  private lane(kind: string): Lane {
    const existing = this.lanes.get(kind);
    if (existing) return existing;
    const limit: ClientLimit = kind === "jwt" || kind === "api_key" ? (this.options.limits?.[kind] ?? DEFAULT_POLICIES[kind]) : DEFAULT_POLICIES.api_key;
    const lane: Lane = {
      limiter: new Bottleneck({
        reservoir: limit.quota,
        reservoirRefreshAmount: limit.quota,
        reservoirRefreshInterval: limit.windowMs,
        maxConcurrent: this.options.maxConcurrent ?? 4,
        minTime: this.options.minTime ?? 100,
      }),
      createdAt: Date.now(),
      windowMs: limit.windowMs,
      readyAt: 0,
    };
    this.lanes.set(kind, lane);
    return lane;
  }

  async close(): Promise<void> {
    for (const lane of this.lanes.values()) await lane.limiter.stop({ dropWaitingJobs: true });
    this.cache.close();
  }
}

/** A client for one API's connection (CONTRACT §16); a login connection logs in on its first call. */
export function remoteClientFor(
  connection: Connection,
  options: Omit<RemoteClientOptions, "baseUrl" | "credentials" | "login" | "credentialSettings"> = {},
): RemoteClient {
  return new RemoteClient({
    ...options,
    baseUrl: connection.url,
    credentials: connection.credentials,
    credentialSettings: connection.credentialSettings,
    login: connection.login ? new TapemetricLogin(connection.url, connection.login, memoryTokenStore()) : undefined,
  });
}
