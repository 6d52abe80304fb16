// POST /v1/ingest/<table> (CONTRACT §8): NDJSON rows with a write-scope API key, all or nothing. The body
// is streamed (gunzipped when sent with Content-Encoding: gzip) into a temporary file and imported like
// a file, so no request holds its rows in memory.

import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { Forbidden, InvalidInput, MetrigateError, Unauthorized } from "../../shared/errors.ts";
import { requireTable } from "../../shared/import/importer.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { unsupportedMediaType } from "../protocol-errors.ts";
import { applyRateLimit } from "../rate-limit.ts";
import type { RouteTable } from "../route-table.ts";

/** The media types of an ingest body: the names NDJSON goes by, and generic text. */
export const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines", "text/plain"];

class BodyTooLarge extends MetrigateError {
  constructor() {
    super("payload_too_large", "The request body is too large.");
  }
}

/** The client closed the connection before sending the whole body: nobody is left to answer. */
class ClientWentAway extends MetrigateError {
  constructor() {
    super("invalid_parameter", "The connection was closed before the whole body arrived; nothing was imported.");
  }
}

/** Passes bytes through, failing once more than `max` have passed. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      callback(seen > max ? new BodyTooLarge() : null, chunk);
    },
  });
}

/** Writes the body to `file`, decompressing a gzip body; a corrupt one is the sender's error. */
async function saveBody(body: IncomingMessage, encoding: string, file: string, maxBytes: number): Promise<void> {
  const target = createWriteStream(file, { mode: 0o600 });
  try {
    if (encoding === "gzip") await pipeline(body, createGunzip(), byteLimit(maxBytes), target);
    else await pipeline(body, byteLimit(maxBytes), target);
  } catch (e) {
    if (e instanceof MetrigateError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code && /^Z_/.test(code)) throw new InvalidInput("The body is not valid gzip (Content-Encoding: gzip).");
    if (!body.complete && (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE")) throw new ClientWentAway();
    throw e;
  }
}

/** The base media type of a Content-Type header, lower-cased ("" when there is none). */
const mediaTypeOf = (header: string | undefined): string => (header ?? "").split(";")[0].trim().toLowerCase();

export function registerIngestRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/v1/ingest/:table");
  app.register(async (scope) => {
    // Any body stays a stream here: the handler checks the key first, then the media type, then reads it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.post<{ Params: { table: string } }>("/v1/ingest/:table", async (request, reply) => {
      const body = request.body;
      try {
        const key = request.headers["x-api-key"];
        const auth = request.headers.authorization;
        const candidate = typeof key === "string" ? key : auth?.toLowerCase().startsWith("api-key ") ? auth.slice(8).trim() : undefined;
        if (!candidate) throw new Unauthorized("Ingest needs a write-scope API key in the X-Api-Key header.");
        const principal = await runtime.accounts.verifyApiKey(candidate);
        if (principal.workspace.suspended) throw new Forbidden(`Workspace "${principal.workspace.id}" is suspended.`);
        if (principal.scope !== "write") throw new Forbidden("This API key has read scope; ingest needs a key with write scope.");
        await applyRateLimit(runtime.limits, principal, reply);
        if (!NDJSON_TYPES.includes(mediaTypeOf(request.headers["content-type"]))) throw unsupportedMediaType(request, NDJSON_TYPES);
        requireTable(request.params.table);
        if (!isStream(body)) throw new InvalidInput("Send the rows as NDJSON (Content-Type: application/x-ndjson), one JSON object per line.");
        const encoding = (request.headers["content-encoding"] ?? "identity").trim().toLowerCase();
        if (encoding !== "identity" && encoding !== "gzip") {
          throw new InvalidInput(`Content-Encoding "${encoding}" is not supported; send the body plain or with Content-Encoding: gzip.`);
        }
        return await ingestBody(request.params.table, principal.workspace.id, body, encoding);
      } catch (e) {
        if (e instanceof ClientWentAway) {
          // Not a server error: logged without a stack, and the answer goes nowhere.
          request.log.info({ table: request.params.table }, "the client closed the connection before the body was complete; nothing was imported");
        } else if (isStream(body) && !body.complete) {
          // Refused before the whole body arrived: the rest is still on its way, so this connection
          // cannot carry another request.
          reply.header("Connection", "close");
        }
        throw e;
      }
    });
  });

  /** Saves the body in a scratch folder beside the database and imports it; the folder goes either way. */
  async function ingestBody(table: string, workspaceId: string, body: IncomingMessage, encoding: string): Promise<{ table: string; rows: number }> {
    const dir = await runtime.importer.scratchFolder("ingest");
    try {
      const file = join(dir, "body.ndjson");
      await saveBody(body, encoding, file, runtime.config.ingestMaxBytes);
      const stored = await runtime.importer.importFile(workspaceId, table, file, { source: "body" });
      return { table, rows: stored };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function isStream(body: unknown): body is IncomingMessage {
  return typeof body === "object" && body !== null && typeof (body as IncomingMessage).pipe === "function";
}
