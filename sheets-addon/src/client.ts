// The add-on's one request path: UrlFetchApp with the shared request builder and §16 connections (each API
// its own host and credential, Tapemetric logging in when it has no token), results cached in CacheService,
// identical calls running at once waiting for the one in flight, pacing under the documented limits, and
// 429s retried after Retry-After — all inside the wall-clock time the calling Apps Script execution has
// left, counted from the start of the script.

import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { credentialsWithToken, runExchange, TapemetricLogin, type Connection, type HttpAnswer, type TokenStore } from "../../shared/client/connections.ts";
import { buildRequest, type HttpRequest } from "../../shared/client/request.ts";
import { limitOf, nextSlot, type ClientLimit } from "../../shared/sheets/pacing.ts";
import { readResponse, retryWait, unreachableMessage } from "../../shared/sheets/response.ts";
import { executionStartedAt, type AppsScript, type Cache } from "./apps-script.ts";
import { ChunkedCache, MAX_TTL_SECONDS } from "./cache.ts";

/** How long a result stays cached: one recalculation and then some, far inside CacheService's 6 hours. */
export const RESULT_TTL_SECONDS = 300;

/** Apps Script's wall-clock limits: 30 s for a custom function, 6 minutes for any other execution. */
export const CUSTOM_FUNCTION_LIMIT_MS = 30_000;
export const EXECUTION_LIMIT_MS = 360_000;
/** Time Apps Script spends before the script's first line, which the script cannot see. */
const STARTUP_ALLOWANCE_MS = 2_000;
/** A request is not started, nor waited for, unless this much time is left for its answer. */
export const ANSWER_RESERVE_MS = 8_000;
/**
 * UrlFetchApp has no timeout setting and gives up on a silent server only after about a minute: a
 * scheduled run starts a report only while this much time is left, so no fetch can outlast the run.
 */
export const URL_FETCH_WAIT_MS = 60_000;
/**
 * How long a call waits for the script lock that guards the in-flight markers and the pacing log. Each
 * holder keeps it for a few cache calls only; the generous wait is for a busy project, where those calls
 * are slow and a call that gives up sends a duplicate request. A custom function still has 20 s after it.
 */
const LOCK_WAIT_MS = 10_000;
/** How often a call waiting for an identical one in flight looks for its answer. */
const POLL_MS = 250;
/** An in-flight marker outlives no custom function, so a call that died does not hold others back for long. */
const IN_FLIGHT_TTL_SECONDS = 30;
/** UrlFetchApp refuses URLs over about 2 KB. */
export const MAX_URL_LENGTH = 2048;

/** The instant by which work must be done: the execution's limit from its start, less `marginMs` for what follows. */
export function deadlineOf(limitMs: number, marginMs: number): number {
  return executionStartedAt() + limitMs - STARTUP_ALLOWANCE_MS - marginMs;
}

export interface CallOptions {
  /** Epoch ms by which the answer must be in hand (see deadlineOf). */
  deadline: number;
  /** Time a request must have left to be started or waited for (default ANSWER_RESERVE_MS). */
  reserveMs?: number;
  /** Skip the cached result (scheduled refreshes and connection tests want the server's answer). */
  fresh?: boolean;
}

function secondsLeft(deadline: number): number {
  return Math.max(0, Math.floor((deadline - Date.now()) / 1000));
}

export class MetrigateClient {
  private readonly cache: Cache;
  private readonly chunked: ChunkedCache;

  constructor(
    private readonly gas: AppsScript,
    private readonly connection: Connection,
  ) {
    this.cache = gas.CacheService.getScriptCache();
    this.chunked = new ChunkedCache(this.cache);
  }

  /** The endpoint's response body; throws an Error whose message is one readable sentence. */
  call(endpoint: AnyEndpoint, params: Record<string, unknown>, options: CallOptions): unknown {
    const { connection } = this;
    // The request as sent, but for a logged-in token, which may change between calls.
    const request = buildRequest(connection.url, endpoint, params, connection.credentials);
    if (request.url.length > MAX_URL_LENGTH) {
      throw new Error(
        `The request is ${request.url.length} characters long, over the ${MAX_URL_LENGTH} Apps Script allows for a URL: ask for fewer countries, offers or sources at once.`,
      );
    }
    const identity = `${JSON.stringify(connection.credentials)}\n${connection.login ? `${connection.login.email}\n${connection.login.password}` : ""}`;
    const key = `mg:r:${this.digest(`${request.method} ${request.url}\n${request.body ?? ""}\n${identity}`)}`;
    let marked = false;
    if (!options.fresh) {
      const cached = this.chunked.get(key);
      if (cached !== undefined) return JSON.parse(cached);
      const identical = this.identicalCall(key, options);
      if (identical.answer !== undefined) return JSON.parse(identical.answer);
      marked = identical.marked;
    }
    try {
      return this.fetchAndKeep(endpoint, params, request, key, identity, options);
    } finally {
      if (marked) this.safely(() => this.cache.remove(`${key}:busy`));
    }
  }

  /**
   * When an identical call is already fetching (its in-flight marker is in the cache), waits for its
   * answer in the cache, within the time budget. Otherwise marks this call as the one fetching. The check
   * and the mark happen under the script lock, so one call of a group wins. The answer is looked for again
   * under the lock: a call that finished since this one last looked has kept its answer before dropping
   * its marker.
   */
  private identicalCall(key: string, options: CallOptions): { answer?: string; marked: boolean } {
    const busyKey = `${key}:busy`;
    const another = this.underLock((): { answer: string } | boolean => {
      const answer = this.chunked.get(key);
      if (answer !== undefined) return { answer };
      if (this.cache.get(busyKey) !== null) return true;
      this.cache.put(busyKey, "1", IN_FLIGHT_TTL_SECONDS);
      return false;
    });
    if (typeof another === "object") return { answer: another.answer, marked: false };
    if (another !== true) return { marked: another === false };
    while (options.deadline - Date.now() > ANSWER_RESERVE_MS + POLL_MS) {
      this.gas.Utilities.sleep(POLL_MS);
      const answer = this.chunked.get(key);
      if (answer !== undefined) return { answer, marked: false };
      // The other call ended without an answer to share (an error): this one asks for itself.
      if (this.cache.get(busyKey) === null) break;
    }
    return { marked: false };
  }

  /** Runs `work` holding the script lock; undefined when the lock or the cache is not to be had. */
  private underLock<T>(work: () => T): T | undefined {
    const lock = this.gas.LockService.getScriptLock();
    if (!lock.tryLock(LOCK_WAIT_MS)) return undefined;
    try {
      return work();
    } catch {
      return undefined;
    } finally {
      lock.releaseLock();
    }
  }

  private safely(work: () => void): void {
    try {
      work();
    } catch {
      // A cache hiccup costs at most a repeated request.
    }
  }

  private fetchAndKeep(endpoint: AnyEndpoint, params: Record<string, unknown>, request: HttpRequest, key: string, identity: string, options: CallOptions): unknown {
    const { connection } = this;
    const limit = limitOf(connection.login ? { Authorization: "Bearer login" } : request.headers);
    const paceKey = `mg:pace:${this.digest(identity)}`;
    for (let attempt = 1; ; attempt++) {
      if (limit) this.pace(limit, paceKey, options.deadline);
      const answer = this.exchange(endpoint, params, request, options);
      const outcome = readResponse(request, answer.status, answer.headers, answer.text, Date.now(), connection.credentialSettings);
      if (outcome.kind === "ok") {
        this.keep(key, answer.text);
        return outcome.body;
      }
      if (outcome.kind === "error") throw new Error(outcome.message);
      const waitMs = retryWait(outcome, attempt, options.deadline - Date.now(), options.reserveMs ?? ANSWER_RESERVE_MS);
      if (waitMs === undefined) throw new Error(outcome.message);
      this.gas.Utilities.sleep(waitMs);
    }
  }

  /** Caching is a saving, never a condition: a CacheService failure leaves the good answer standing. */
  private keep(key: string, text: string): void {
    this.safely(() => this.chunked.put(key, text, RESULT_TTL_SECONDS));
  }

  /** One call, through Tapemetric's login when the connection logs in. */
  private exchange(endpoint: AnyEndpoint, params: Record<string, unknown>, request: HttpRequest, options: CallOptions): HttpAnswer {
    const { connection } = this;
    const send = (next: HttpRequest) => this.send(next, options.deadline, options.reserveMs ?? ANSWER_RESERVE_MS);
    if (!connection.login) return send(request);
    const login = new TapemetricLogin(connection.url, connection.login, this.tokenStore());
    return runExchange(
      login.send((token) => buildRequest(connection.url, endpoint, params, credentialsWithToken(connection, token))),
      send,
    );
  }

  private send(request: HttpRequest, deadline: number, reserveMs: number): HttpAnswer {
    if (deadline - Date.now() < reserveMs) {
      throw new Error(`Out of time: Apps Script gives this call ${secondsLeft(deadline)} more seconds, too few to wait for ${this.connection.url}. Try again.`);
    }
    try {
      const response = this.gas.UrlFetchApp.fetch(request.url, {
        method: request.method === "GET" ? "get" : "post",
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== "content-type")),
        ...(request.body !== undefined ? { payload: request.body, contentType: "application/json" } : {}),
        muteHttpExceptions: true,
        followRedirects: true,
      });
      return { status: response.getResponseCode(), headers: response.getHeaders(), text: response.getContentText() };
    } catch (e) {
      throw new Error(unreachableMessage(this.connection.url, e instanceof Error ? e.message : String(e)));
    }
  }

  /** A logged-in Tapemetric token, kept in the script cache under a digest of the login it belongs to. */
  private tokenStore(): TokenStore {
    const login = this.connection.login;
    const key = `mg:login:${this.digest(`${this.connection.url}\n${login?.email ?? ""}\n${login?.password ?? ""}`)}`;
    return {
      get: () => this.cache.get(key) ?? undefined,
      // Without the cache the next call logs in again.
      set: (token) => this.safely(() => (token === undefined ? this.cache.remove(key) : this.cache.put(key, token, MAX_TTL_SECONDS))),
    };
  }

  /**
   * Waits, if needed, so this credential stays under its limit. The log of recent request times lives in
   * the script cache, shared by the parallel executions of one recalculation; it is read and written under
   * the script lock so that calls running at once do not lose each other's entries.
   */
  private pace(limit: ClientLimit, key: string, deadline: number): void {
    const claimed = this.underLock(() => {
      const stored = this.cache.get(key);
      const slot = nextSlot(stored ? (JSON.parse(stored) as number[]) : [], Date.now(), limit);
      if (slot.waitMs + ANSWER_RESERVE_MS > deadline - Date.now()) return { waitMs: slot.waitMs, fits: false };
      this.cache.put(key, JSON.stringify(slot.log), Math.min(MAX_TTL_SECONDS, Math.ceil(limit.windowMs / 1000)));
      return { waitMs: slot.waitMs, fits: true };
    });
    // Without the lock or the cache, pacing is skipped: the server's own 429 still stops an excess.
    if (claimed === undefined) return;
    if (!claimed.fits) throw new Error(limitMessage(limit, claimed.waitMs));
    if (claimed.waitMs > 0) this.gas.Utilities.sleep(claimed.waitMs);
  }

  private digest(text: string): string {
    const { Utilities } = this.gas;
    return Utilities.base64EncodeWebSafe(Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, text, Utilities.Charset.UTF_8));
  }
}

function limitMessage(limit: ClientLimit, waitMs: number): string {
  const window = limit.windowMs >= 3_600_000 ? "hour" : "minute";
  const credential = limit.name === "key" ? "API key" : "token";
  return `This ${credential} has used its ${limit.quota} requests per ${window}: the next one is possible in ${Math.ceil(waitMs / 1000)} seconds.`;
}
