// The HTTP face: a Fastify app whose API routes are generated from the endpoint catalog.

import { randomBytes } from "node:crypto";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Writable } from "node:stream";
import { MetrigateError, RateLimited, isMetrigateError } from "../shared/errors.ts";
import type { Runtime } from "../shared/runtime.ts";
import { errorBody, familyOfPath } from "./errors.ts";
import { registerAuthRoutes } from "./routes/auth.ts";
import { registerCatalogRoutes } from "./routes/catalog.ts";
import { registerConsoleRoutes } from "./routes/console.ts";
import { registerExportDownloadRoute } from "./routes/export-download.ts";
import { registerIngestRoutes } from "./routes/ingest.ts";
import { registerMcpRoute } from "./routes/mcp.ts";
import { registerOAuthRoutes } from "./routes/oauth.ts";
import { registerOpenApiRoute } from "./routes/openapi.ts";
import { registerTaprainKeyRoutes } from "./routes/taprain-keys.ts";
import { SMALL_BODY_LIMIT } from "./body-limits.ts";
import { frameworkError, handleClientError, MAX_PARAM_LENGTH, parseJsonBody, unsupportedMediaType } from "./protocol-errors.ts";
import { redactUrl } from "./redact.ts";
import { RouteTable } from "./route-table.ts";

export interface AppOptions {
  /** Where JSON logs go (default stdout); `false` silences them. */
  log?: Writable | false;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: MetrigateError): FastifyReply {
  const family = familyOfPath(request.url);
  return reply.code(error.status).type("application/json").send(errorBody(family, error, request.id));
}

export async function createApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: SMALL_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler: handleClientError,
    frameworkErrors: frameworkError,
    genReqId: () => `req_${randomBytes(8).toString("hex")}`,
    logger:
      options.log === false
        ? false
        : {
            level: "info",
            stream: options.log,
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
  });
  const routes = new RouteTable();
  // Ingests and imports of a server or command that was killed leave their scratch folders behind.
  await runtime.importer.removeAbandonedScratch();

  // JSON is read only when it says it is JSON: a body sent as text/plain (fetch's default for a string)
  // gets 415 rather than being read as no parameters at all.
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isMetrigateError(error)) {
      if (error instanceof RateLimited && !reply.hasHeader("Retry-After")) reply.header("Retry-After", String(error.retryAfterSeconds));
      if (error.status >= 500) request.log.error({ err: { message: error.message } }, "request failed");
      return sendError(reply, request, error);
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      // The rest of the body is not wanted: closing stops the client from sending it.
      reply.header("Connection", "close");
      return sendError(reply, request, new MetrigateError("payload_too_large", "The request body is too large."));
    }
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      // Ingest checks its own media types, after the key.
      return sendError(reply, request, unsupportedMediaType(request, ["application/json"]));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, request, new MetrigateError("invalid_parameter", `The request is invalid: ${error.message}.`));
    }
    request.log.error({ err: { message: error.message, stack: error.stack } }, "unexpected error");
    return sendError(reply, request, new MetrigateError("internal", `Internal error; quote request id ${request.id} when reporting it.`));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header("Allow", allowed.join(", "));
      return sendError(reply, request, new MetrigateError("method_not_allowed", `Method ${request.method} is not allowed on ${path}; use ${allowed.join(" or ")}.`));
    }
    return sendError(reply, request, new MetrigateError("not_found", `No such endpoint: ${request.method} ${path}.`));
  });

  // Nothing here is meant for shared caches: answers are per credential, and some carry credentials.
  app.addHook("onSend", async (_request, reply) => {
    if (!reply.hasHeader("Cache-Control")) reply.header("Cache-Control", "no-store");
  });

  routes.add("GET", "/healthz");
  app.get("/healthz", async () => ({ status: "ok" }));
  registerAuthRoutes(app, runtime, routes);
  const requireSession = registerTaprainKeyRoutes(app, runtime, routes);
  registerCatalogRoutes(app, runtime, routes);
  registerExportDownloadRoute(app, runtime, routes);
  registerIngestRoutes(app, runtime, routes);
  registerMcpRoute(app, runtime, routes);
  registerConsoleRoutes(app, runtime, routes, requireSession);
  registerOAuthRoutes(app, runtime, routes, requireSession);
  registerOpenApiRoute(app, routes);
  await app.ready();
  return app;
}
