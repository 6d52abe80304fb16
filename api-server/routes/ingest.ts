// POST /v1/ingest/<table> (CONTRACT §8): NDJSON rows with a write-scope API key, all or nothing.

import type { FastifyInstance } from "fastify";
import { Forbidden, InvalidInput, Unauthorized } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { applyRateLimit } from "../rate-limit.ts";
import { INGEST_BODY_LIMIT } from "../body-limits.ts";
import type { RouteTable } from "../route-table.ts";

export function registerIngestRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/v1/ingest/:table");
  app.post<{ Params: { table: string } }>("/v1/ingest/:table", { bodyLimit: INGEST_BODY_LIMIT }, async (request, reply) => {
    const key = request.headers["x-api-key"];
    const auth = request.headers.authorization;
    const candidate = typeof key === "string" ? key : auth?.toLowerCase().startsWith("api-key ") ? auth.slice(8).trim() : undefined;
    if (!candidate) throw new Unauthorized("Ingest needs a write-scope API key in the X-Api-Key header.");
    const principal = await runtime.accounts.verifyApiKey(candidate);
    if (principal.workspace.suspended) throw new Forbidden(`Workspace "${principal.workspace.id}" is suspended.`);
    if (principal.scope !== "write") throw new Forbidden("This API key has read scope; ingest needs a key with write scope.");
    await applyRateLimit(runtime.limits, principal, reply);
    const body = typeof request.body === "string" ? request.body : request.body === undefined ? "" : null;
    if (body === null) throw new InvalidInput("Send the rows as NDJSON (Content-Type: application/x-ndjson), one JSON object per line.");
    const stored = await runtime.importer.importText(principal.workspace.id, request.params.table, "ndjson", body, "body");
    return { table: request.params.table, rows: stored };
  });
}
