// Errors raised before a route runs (socket-level parse failures, over-long path ids, bodies the server
// cannot read) turned into the family's body of CONTRACT §7 with a sentence that says what happened.

import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { MetrigateError } from "../shared/errors.ts";
import { errorBody, familyOfPath } from "./errors.ts";

const REASON: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** The request path from the first line of a raw HTTP request, when it got that far. */
function pathOfRawPacket(packet: unknown): string {
  if (!Buffer.isBuffer(packet)) return "/";
  const firstLine = packet.subarray(0, 8192).toString("latin1").split("\r\n")[0];
  return firstLine.split(" ")[1] ?? "/";
}

/** Node's `clientError`: the request could not even be parsed (e.g. headers over the size limit). */
export function handleClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
  const [status, problem] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, new MetrigateError("headers_too_large", "The request headers are too large.")]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, new MetrigateError("invalid_parameter", "The request took too long to arrive.")]
        : [400, new MetrigateError("invalid_parameter", "The request is not valid HTTP.")];
  const body = JSON.stringify(errorBody(familyOfPath(pathOfRawPacket(error.rawPacket)), problem));
  socket.end(
    `HTTP/1.1 ${status} ${REASON[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Fastify's router-level errors (over-long path parameters, undecodable URLs). */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new MetrigateError("uri_too_long", `A path segment is longer than ${MAX_PARAM_LENGTH} characters.`)
      : error.code === "FST_ERR_BAD_URL"
        ? new MetrigateError("invalid_parameter", "The URL is not validly percent-encoded.")
        : new MetrigateError("invalid_parameter", "The request could not be routed.");
  void reply.code(problem.status).type("application/json").send(errorBody(familyOfPath(request.url), problem));
}

/** Fastify's default, restated because the message above names it. */
export const MAX_PARAM_LENGTH = 100;

/** Media types a route accepts; the 415 message lists them. */
export function unsupportedMediaType(request: FastifyRequest, accepted: readonly string[]): MetrigateError {
  const sent = (request.headers["content-type"] ?? "").split(";")[0].trim() || "(none)";
  return new MetrigateError("unsupported_media_type", `Content-Type ${sent} is not supported here; send ${accepted.join(" or ")}.`);
}

/**
 * JSON bodies: parsed with JSON.parse, refusing `__proto__` keys (and `constructor.prototype`), which
 * would otherwise reach object spreads; the messages say which rule was broken.
 */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === "") throw new MetrigateError("invalid_parameter", "The body is empty although Content-Type is application/json; send a JSON object.");
  let poisoned = false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body, function (this: unknown, key: string, value: unknown) {
      if (key === "__proto__" || (key === "constructor" && value !== null && typeof value === "object" && "prototype" in value)) poisoned = true;
      return value;
    });
  } catch (e) {
    throw new MetrigateError("invalid_parameter", `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
  }
  if (poisoned) throw new MetrigateError("invalid_parameter", 'The JSON body must not contain a "__proto__" or "constructor.prototype" key.');
  return parsed;
}
