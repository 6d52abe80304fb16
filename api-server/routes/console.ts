// The web console (/console): its built pages and assets, and a small JSON API behind the session cookie
// that runs the catalog's own endpoints for the signed-in workspace and manages its credentials.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Principal } from "../../shared/auth/accounts.ts";
import { constantTimeEqual, hmacHex } from "../../shared/auth/secrets.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import { BadParameter, Forbidden, NotFound } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { header } from "../credentials.ts";
import { applyRateLimit } from "../rate-limit.ts";
import type { RouteTable } from "../route-table.ts";
import { requestParams } from "./catalog.ts";
import { cookieValue, SESSION_COOKIE, type Session, type SessionReader } from "./taprain-keys.ts";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../console");
/** The built bundle; the page and stylesheet are served from console/static as written. */
export const CONSOLE_DIST = join(CONSOLE_DIR, "dist");

/** No inline script or style anywhere: the pages load only this origin's built files. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const FILES: Record<string, { path: string; type: string }> = {
  "index.html": { path: join(CONSOLE_DIR, "static/index.html"), type: "text/html; charset=utf-8" },
  "console.css": { path: join(CONSOLE_DIR, "static/console.css"), type: "text/css; charset=utf-8" },
  "console.js": { path: join(CONSOLE_DIST, "console.js"), type: "text/javascript; charset=utf-8" },
};

/** Endpoints the console may call: what the dashboards show, plus acknowledging an alert. */
const CONSOLE_ENDPOINTS = new Map(CATALOG.filter((e) => e.name !== "tapemetric_export").map((e) => [e.name, e]));

/** Headers of every page of this origin (the console's, the OAuth sign-in page's): `csp` defaults to the console's. */
export function pageHeaders(reply: FastifyReply, csp = CONSOLE_CSP): FastifyReply {
  return reply.headers({
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    // Never sent to another origin; on this origin browsers then send a real Origin with a form post
    // (with no-referrer Chromium sends `Origin: null`, which the consent form must refuse).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
  });
}

export function registerConsoleRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable, requireSession: SessionReader): void {
  const { accounts, keys } = runtime;
  const files = new Map<string, Buffer>();
  const file = (name: string): Buffer => {
    const cached = files.get(name);
    if (cached) return cached;
    const body = readFileSync(FILES[name].path);
    files.set(name, body);
    return body;
  };

  /** The CSRF token of a session: a keyed digest of its cookie, so it changes with every sign-in. */
  const csrfTokenOf = (request: FastifyRequest): string => hmacHex(keys.urls, `console-csrf:${cookieValue(request, SESSION_COOKIE) ?? ""}`);

  /** A signed-in session whose state-changing requests carry the matching X-CSRF-Token header. */
  async function sessionFor(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    reply.header("Cache-Control", "no-store");
    const session = await requireSession(request);
    if (request.method !== "GET" && !constantTimeEqual(header(request, "x-csrf-token") ?? "", csrfTokenOf(request))) {
      throw new Forbidden("The request lacks a valid X-CSRF-Token header: reload the console and try again.");
    }
    return session;
  }

  /** The session as a rate-limited caller: 300 requests a minute, like a JWT. */
  function principalOf(request: FastifyRequest, session: Session, workspace: Principal["workspace"]): Principal {
    return {
      workspace,
      kind: "jwt",
      credentialId: `session:${csrfTokenOf(request).slice(0, 24)}`,
      scope: "read",
      subject: session.email,
    };
  }

  const page = async (_request: FastifyRequest, reply: FastifyReply) =>
    pageHeaders(reply).header("Cache-Control", "no-store").type("text/html; charset=utf-8").send(file("index.html"));
  routes.add("GET", "/console");
  app.get("/console", page);
  app.get("/console/:page", page);

  routes.add("GET", "/console/assets/:file");
  app.get("/console/assets/:file", async (request, reply) => {
    const name = (request.params as { file: string }).file;
    if (name === "index.html" || !Object.hasOwn(FILES, name)) throw new NotFound(`No such console asset: ${name}.`);
    return pageHeaders(reply).header("Cache-Control", "no-cache").type(FILES[name].type).send(file(name));
  });

  routes.add("GET", "/console/api/me");
  app.get("/console/api/me", async (request, reply) => {
    const session = await sessionFor(request, reply);
    const workspace = await accounts.requireWorkspace(session.workspaceId);
    return { email: session.email, workspace: workspace.id, name: workspace.name, plan: workspace.plan, csrf_token: csrfTokenOf(request) };
  });

  routes.add("GET", "/console/api/endpoints/:name");
  routes.add("POST", "/console/api/endpoints/:name");
  const runEndpoint = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await sessionFor(request, reply);
    const name = (request.params as { name: string }).name;
    const endpoint = CONSOLE_ENDPOINTS.get(name);
    if (!endpoint) throw new NotFound(`The console has no endpoint named ${name}.`);
    if (endpoint.method !== request.method) throw new BadParameter("method", `${name} is called with ${endpoint.method}.`);
    const workspace = await accounts.requireWorkspace(session.workspaceId);
    const limit = await applyRateLimit(runtime.limits, principalOf(request, session, workspace), reply);
    const params = requestParams(endpoint, request);
    const result = await runtime.engine.run(endpoint, workspace, params, limit.remaining);
    reply.header("X-Cache", result.cache);
    return result.body;
  };
  app.get("/console/api/endpoints/:name", runEndpoint);
  app.post("/console/api/endpoints/:name", runEndpoint);

  routes.add("GET", "/console/api/api-key");
  app.get("/console/api/api-key", async (request, reply) => {
    const session = await sessionFor(request, reply);
    return { api_key: await accounts.currentApiKey(session.workspaceId) };
  });

  routes.add("POST", "/console/api/api-key/regenerate");
  app.post("/console/api/api-key/regenerate", async (request, reply) => {
    const session = await sessionFor(request, reply);
    return { api_key: await accounts.regenerateApiKey(session.workspaceId, session.value) };
  });

  routes.add("GET", "/console/api/tokens");
  routes.add("POST", "/console/api/tokens");
  app.get("/console/api/tokens", async (request, reply) => {
    const session = await sessionFor(request, reply);
    const tokens = await accounts.listServiceTokens(session.workspaceId);
    return tokens.map((t) => ({ jti: t.jti, name: t.name, issued_at: t.issuedAt, expires_at: t.expiresAt, revoked_at: t.revokedAt }));
  });
  app.post("/console/api/tokens", async (request, reply) => {
    const session = await sessionFor(request, reply);
    const name = (request.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || !/^[\w .@-]{1,64}$/.test(name.trim())) {
      throw new BadParameter("name", "Give the service account a name of 1 to 64 letters, digits, spaces, dots, dashes, underscores or @.");
    }
    const issued = await accounts.issueServiceToken(session.workspaceId, name);
    return { token: issued.token, jti: issued.jti, name: name.trim(), expires_at: issued.expiresAt.toISOString() };
  });

  routes.add("POST", "/console/api/tokens/:jti/revoke");
  app.post("/console/api/tokens/:jti/revoke", async (request, reply) => {
    const session = await sessionFor(request, reply);
    const { jti } = request.params as { jti: string };
    await accounts.revokeToken(jti, session.workspaceId);
    return { revoked: jti };
  });
}
