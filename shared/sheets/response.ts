// How the Sheets add-on reads an answer from a Metrigate server or a vendor's host: the body, a wait before
// retrying a 429, or one readable sentence. Pure and Node-free (the add-on's bundle imports it).

import { errorMessageOf, type HttpRequest } from "../client/request.ts";
import { limitOf } from "./pacing.ts";

export type CallOutcome =
  | { kind: "ok"; body: unknown }
  | { kind: "retry"; afterSeconds: number; message: string }
  | { kind: "error"; message: string };

/** Retries of one call after 429s before giving up. */
export const MAX_ATTEMPTS = 4;

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  if (!found) return undefined;
  return Array.isArray(found[1]) ? found[1][0] : found[1];
}

/**
 * Seconds to wait after a 429: Retry-After (seconds, or an HTTP date as RFC 9110 allows), else the
 * window's reset, else a minute.
 */
function retryAfterSeconds(headers: Record<string, string | string[]>, now: number): number {
  for (const name of ["Retry-After", "RateLimit-Reset"]) {
    const text = headerValue(headers, name)?.trim();
    if (text === undefined || text === "") continue;
    const seconds = Number(text);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const at = name === "Retry-After" ? Date.parse(text) : Number.NaN;
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  return 60;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The response (status, headers, text) to a request → its outcome. */
export function readResponse(
  request: Pick<HttpRequest, "url" | "headers">,
  status: number,
  headers: Record<string, string | string[]>,
  text: string,
  now: number = Date.now(),
  /** The setting(s) that supplied the credential, named in a 401's sentence; by default the shared ones. */
  credentialSettings?: string,
): CallOutcome {
  const { url } = request;
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    if (body === undefined) return { kind: "error", message: `The server at ${url} did not answer with JSON: check its URL setting.` };
    return { kind: "ok", body };
  }
  const said = errorMessageOf(body);
  const detail = said ? ` ${said}` : "";
  switch (status) {
    case 401:
      return {
        kind: "error",
        message: `Not authorised (401):${detail} Check ${credentialSettings ?? (limitOf(request.headers)?.name === "token" ? "METRIGATE_TOKEN" : "METRIGATE_API_KEY")}.`,
      };
    case 403:
      return { kind: "error", message: `Forbidden (403):${detail || " this credential may not read this data."}` };
    case 404:
      // A server of the API names what is missing; anything else is probably not one.
      if (said) return { kind: "error", message: `Not found (404): ${said}` };
      return { kind: "error", message: `Not found (404): nothing at ${url}. Check that the URL setting points at a server of this API.` };
    case 429: {
      const afterSeconds = retryAfterSeconds(headers, now);
      return { kind: "retry", afterSeconds, message: `Rate limited (429): try again in ${afterSeconds} s.${detail}` };
    }
    default:
      if (said) return { kind: "error", message: status >= 500 ? `Metrigate server error (${status}): ${said}` : said };
      return { kind: "error", message: `HTTP ${status} from ${url}.` };
  }
}

/**
 * What to do after a 429 on the given attempt (1-based): wait the server's Retry-After and try again, or
 * stop with the rate-limit sentence when attempts run out or the wait, plus `answerMs` for the retried
 * request to be answered, would not fit the caller's budget (a custom function has 30 seconds in all).
 */
export function retryWait(outcome: Extract<CallOutcome, { kind: "retry" }>, attempt: number, budgetLeftMs: number, answerMs = 0): number | undefined {
  const waitMs = outcome.afterSeconds * 1000;
  if (attempt >= MAX_ATTEMPTS || waitMs + answerMs > budgetLeftMs) return undefined;
  return waitMs;
}

/** The sentence for a request that got no answer at all (refused, unknown host, timeout). */
export function unreachableMessage(url: string, reason: string): string {
  return `Cannot reach ${url} (${reason}). Check its URL setting.`;
}
