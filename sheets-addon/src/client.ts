// The add-on's one request path: UrlFetchApp with the shared request builder, results cached in
// CacheService (identical calls in a recalculation make one request), pacing under the server's limits,
// and 429s retried after Retry-After — all within the time the calling Apps Script execution has.

import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { buildRequest, type HttpRequest } from "../../shared/client/request.ts";
import { limitOf, nextSlot, type ClientLimit } from "../../shared/sheets/pacing.ts";
import { missingCredentialMessage, readResponse, retryWait, unreachableMessage, type CallOutcome } from "../../shared/sheets/response.ts";
import type { AppsScript, HttpResponse } from "./apps-script.ts";
import { ChunkedCache, MAX_TTL_SECONDS } from "./cache.ts";
import type { Settings } from "./settings.ts";

/** How long a result stays cached: one recalculation and then some, far inside CacheService's 6 hours. */
export const RESULT_TTL_SECONDS = 300;

/** Time a call may spend, waits included: custom functions get 30 s in all, other executions 6 minutes. */
export const CUSTOM_FUNCTION_BUDGET_MS = 25_000;
export const EXECUTION_BUDGET_MS = 300_000;

export interface CallOptions {
  budgetMs: number;
  /** Skip the cached result (scheduled refreshes and connection tests want the server's answer). */
  fresh?: boolean;
}

export class MetrigateClient {
  private readonly cache: ChunkedCache;

  constructor(
    private readonly gas: AppsScript,
    private readonly settings: Settings,
  ) {
    this.cache = new ChunkedCache(gas.CacheService.getScriptCache());
  }

  /** The endpoint's response body; throws an Error whose message is one readable sentence. */
  call(endpoint: AnyEndpoint, params: Record<string, unknown>, options: CallOptions): unknown {
    const credentials = { apiKey: this.settings.apiKey, token: this.settings.token };
    const missing = missingCredentialMessage(endpoint, credentials);
    if (missing) throw new Error(missing);
    const request = buildRequest(this.settings.url, endpoint, params, credentials);
    const key = `mg:r:${this.digest(`${request.method} ${request.url}\n${JSON.stringify(request.headers)}\n${request.body ?? ""}`)}`;
    if (!options.fresh) {
      const cached = this.cache.get(key);
      if (cached !== undefined) return JSON.parse(cached);
    }
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const budgetLeft = () => options.budgetMs - (Date.now() - started);
      this.pace(request, budgetLeft());
      const { outcome, text } = this.fetch(request);
      if (outcome.kind === "ok") {
        this.cache.put(key, text, RESULT_TTL_SECONDS);
        return outcome.body;
      }
      if (outcome.kind === "error") throw new Error(outcome.message);
      const waitMs = retryWait(outcome, attempt, budgetLeft());
      if (waitMs === undefined) throw new Error(outcome.message);
      this.gas.Utilities.sleep(waitMs);
    }
  }

  private fetch(request: HttpRequest): { outcome: CallOutcome; text: string } {
    let response: HttpResponse;
    try {
      response = this.gas.UrlFetchApp.fetch(request.url, {
        method: request.method === "GET" ? "get" : "post",
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== "content-type")),
        ...(request.body !== undefined ? { payload: request.body, contentType: "application/json" } : {}),
        muteHttpExceptions: true,
        followRedirects: true,
      });
    } catch (e) {
      throw new Error(unreachableMessage(this.settings.url, e instanceof Error ? e.message : String(e)));
    }
    const text = response.getContentText();
    return { outcome: readResponse(request, response.getResponseCode(), response.getHeaders(), text), text };
  }

  /**
   * Waits, if needed, so this credential stays under its limit. The log of recent request times lives in
   * the script cache, shared by the parallel executions of one recalculation.
   */
  private pace(request: HttpRequest, budgetLeftMs: number): void {
    const limit = limitOf(request.headers);
    if (!limit) return;
    const cache = this.gas.CacheService.getScriptCache();
    const key = `mg:pace:${this.digest(`${limit.name}:${JSON.stringify(request.headers)}`)}`;
    const stored = cache.get(key);
    const log = stored ? (JSON.parse(stored) as number[]) : [];
    const slot = nextSlot(log, Date.now(), limit);
    if (slot.waitMs > budgetLeftMs) throw new Error(limitMessage(limit, slot.waitMs));
    cache.put(key, JSON.stringify(slot.log), Math.min(MAX_TTL_SECONDS, Math.ceil(limit.windowMs / 1000)));
    if (slot.waitMs > 0) this.gas.Utilities.sleep(slot.waitMs);
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
