// The HTTP face: a Fastify app whose API routes are generated from the endpoint catalog.

import { randomBytes } from "node:crypto";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Writable } from "node:stream";
import { MetrigateError, isMetrigateError } from "../shared/errors.ts";
import type { Runtime } from "../shared/runtime.ts";
import { errorBody, familyOfPath } from "./errors.ts";
import { registerAuthRoutes } from "./routes/auth.ts";
import { registerCatalogRoutes } from "./routes/catalog.ts";
import { registerConsoleRoutes } from "./routes/console.ts";
import { registerExportDownloadRoute } from "./routes/export-download.ts";
import { registerIngestRoutes } from "./routes/ingest.ts";
import { registerMcpRoute } from "./routes/mcp.ts";
import { registerOpenApiRoute } from "./routes/openapi.ts";
import { registerTaprainKeyRoutes } from "./routes/taprain-keys.ts";
import { RouteTable } from "./route-table.ts";

export interface AppOptions {
  /** Where JSON logs go (default stdout); `false` silences them. */
  log?: Writable | false;
  /** Largest accepted request body in bytes (default 64 MiB). */
  bodyLimit?: number;
}

/** Strips credentials from a URL before it reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:api_key|token|sig)=)[^&#]*/gi, "$1[redacted]");
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: MetrigateError): FastifyReply {
  const family = familyOfPath(request.url);
  return reply.code(error.status).type("application/json").send(errorBody(family, error, request.id));
}

export async function createApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
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

  app.addContentTypeParser(["application/x-ndjson", "application/ndjson", "text/plain", "text/csv"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isMetrigateError(error)) {
      if (error.status >= 500) request.log.error({ err: { message: error.message } }, "request failed");
      return sendError(reply, request, error);
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(reply, request, new MetrigateError("payload_too_large", "The request body is too large."));
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

  routes.add("GET", "/healthz");
  app.get("/healthz", async () => ({ status: "ok" }));
  registerAuthRoutes(app, runtime, routes);
  const requireSession = registerTaprainKeyRoutes(app, runtime, routes);
  registerCatalogRoutes(app, runtime, routes);
  registerExportDownloadRoute(app, runtime, routes);
  registerIngestRoutes(app, runtime, routes);
  registerMcpRoute(app, runtime, routes);
  registerConsoleRoutes(app, runtime, routes, requireSession);
  registerOpenApiRoute(app, routes);
  await app.ready();
  return app;
}
