// POST /v1/ingest/<table> (CONTRACT §8): NDJSON rows with a write-scope API key, all or nothing. The body
// is streamed (gunzipped when sent with Content-Encoding: gzip) into a temporary file and imported like
// a file, so no request holds its rows in memory.

import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { Forbidden, InvalidInput, MetrigateError, Unauthorized } from "../../shared/errors.ts";
import { requireTable, scratchDirFor } from "../../shared/import/importer.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { applyRateLimit } from "../rate-limit.ts";
import type { RouteTable } from "../route-table.ts";

const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson", "text/plain", "text/csv"];

class BodyTooLarge extends MetrigateError {
  constructor() {
    super("payload_too_large", "The request body is too large.");
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
    throw e;
  }
}

export function registerIngestRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/v1/ingest/:table");
  app.register(async (scope) => {
    // The body stays a stream here; the handler reads it only after the key is checked.
    scope.addContentTypeParser(NDJSON_TYPES, (_request, payload, done) => done(null, payload));
    scope.post<{ Params: { table: string } }>("/v1/ingest/:table", async (request, reply) => {
      const key = request.headers["x-api-key"];
      const auth = request.headers.authorization;
      const candidate = typeof key === "string" ? key : auth?.toLowerCase().startsWith("api-key ") ? auth.slice(8).trim() : undefined;
      if (!candidate) throw new Unauthorized("Ingest needs a write-scope API key in the X-Api-Key header.");
      const principal = await runtime.accounts.verifyApiKey(candidate);
      if (principal.workspace.suspended) throw new Forbidden(`Workspace "${principal.workspace.id}" is suspended.`);
      if (principal.scope !== "write") throw new Forbidden("This API key has read scope; ingest needs a key with write scope.");
      await applyRateLimit(runtime.limits, principal, reply);
      requireTable(request.params.table);
      const body = request.body;
      if (!isStream(body)) throw new InvalidInput("Send the rows as NDJSON (Content-Type: application/x-ndjson), one JSON object per line.");
      const encoding = (request.headers["content-encoding"] ?? "identity").trim().toLowerCase();
      if (encoding !== "identity" && encoding !== "gzip") {
        throw new InvalidInput(`Content-Encoding "${encoding}" is not supported; send the body plain or with Content-Encoding: gzip.`);
      }
      const dir = await mkdtemp(join(scratchDirFor(runtime.config.dbPath), "metrigate-ingest-"));
      try {
        const file = join(dir, "body.ndjson");
        try {
          await saveBody(body, encoding, file, runtime.config.ingestMaxBytes);
        } catch (e) {
          // The rest of the body is still on its way: this connection cannot carry another request.
          reply.header("Connection", "close");
          throw e;
        }
        const stored = await runtime.importer.importFile(principal.workspace.id, request.params.table, file, { source: "body" });
        return { table: request.params.table, rows: stored };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

function isStream(body: unknown): body is IncomingMessage {
  return typeof body === "object" && body !== null && typeof (body as IncomingMessage).pipe === "function";
}
