// Where errors become responses: each API family's body shape (CONTRACT §7), in one place.

import type { Family } from "../shared/catalog/define.ts";
import type { MetrigateError } from "../shared/errors.ts";

const TAPEMETRIC_CODES: Record<MetrigateError["kind"], string> = {
  invalid_parameter: "invalid_parameter",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  not_found: "not_found",
  // Tapemetric documents six codes; requests the client has to change report invalid_parameter.
  method_not_allowed: "invalid_parameter",
  payload_too_large: "invalid_parameter",
  uri_too_long: "invalid_parameter",
  unsupported_media_type: "invalid_parameter",
  headers_too_large: "invalid_parameter",
  conflict: "invalid_parameter",
  rate_limited: "rate_limited",
  internal: "internal",
  // An unreachable engine is the server's trouble, not the request's: Tapemetric's code for that.
  unavailable: "internal",
};

/** The family a path belongs to, for errors raised before any route matched (404, 405, 413). */
export function familyOfPath(path: string): Family {
  const query = /^\/v1\/query\/(taprain|cdp)(?:[/?]|$)/.exec(path);
  if (query) return query[1] === "cdp" ? "cdp" : "taprain";
  if (path.startsWith("/api/analytics")) return "cdp";
  if (path.startsWith("/api/")) return "taprain";
  return "tapemetric";
}

export function errorBody(family: Family, error: MetrigateError, requestId?: string): Record<string, unknown> {
  const extra = error.kind === "internal" && requestId ? { request_id: requestId } : {};
  switch (family) {
    case "tapemetric":
      return { error: TAPEMETRIC_CODES[error.kind], message: error.message, ...extra };
    case "taprain":
      return { success: false, error: error.message, ...extra };
    case "cdp":
      return { detail: error.message, ...extra };
  }
}
