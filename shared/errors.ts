// One error type per meaning, raised anywhere in the core and turned into each API family's body at the edge.

export type ErrorKind =
  | "invalid_parameter"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "uri_too_long"
  | "unsupported_media_type"
  | "headers_too_large"
  | "rate_limited"
  | "conflict"
  | "internal"
  | "unavailable";

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_parameter: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  conflict: 409,
  internal: 500,
  unavailable: 503,
};

export class MetrigateError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "MetrigateError";
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

/** A request parameter with a value outside what it allows; the message names both. */
export class BadParameter extends MetrigateError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super("invalid_parameter", message);
  }
}

export class Unauthorized extends MetrigateError {
  constructor(message = "Missing or invalid credentials.") {
    super("unauthorized", message);
  }
}

export class Forbidden extends MetrigateError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

export class NotFound extends MetrigateError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class RateLimited extends MetrigateError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Rate limit exceeded. Retry in ${retryAfterSeconds} seconds.`,
  ) {
    super("rate_limited", message);
  }
}

/** Bad input to an operator command or an import file (not an HTTP parameter). */
export class InvalidInput extends MetrigateError {
  constructor(message: string) {
    super("invalid_parameter", message);
  }
}

/** The analytics engine (ClickHouse) cannot be reached right now; the request may be retried. */
export class Unavailable extends MetrigateError {
  constructor(message: string) {
    super("unavailable", message);
  }
}

export function isMetrigateError(e: unknown): e is MetrigateError {
  return e instanceof MetrigateError;
}
