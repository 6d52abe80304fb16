// POST /mcp (CONTRACT §12): the MCP server over Streamable HTTP, authenticated with the API's own
// credentials or an OAuth access token (routes/oauth.ts). The caller's JWT and/or API key pick the workspace; each tool then applies its family's rule.
// Before anything else the request's Origin (and, on a loopback bind, its Host) is checked against DNS
// rebinding, and the body is parsed here so malformed JSON gets JSON-RPC's -32700 rather than a 400 page.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type AuthInfo,
} from "@modelcontextprotocol/server";
import { localBackend, type LocalCaller } from "../../mcp-server/backends.ts";
import { toolsCallParamsProblem } from "../../mcp-server/call-params.ts";
import { McpHttpEndpoint } from "../../mcp-server/http.ts";
import { createServer } from "../../mcp-server/server.ts";
import type { Principal } from "../../shared/auth/accounts.ts";
import { OAuthServer } from "../../shared/auth/oauth.ts";
import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import type { Config } from "../../shared/config.ts";
import { Forbidden, Unauthorized } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { authorization, header } from "../credentials.ts";
import { AUTHENTICATED_BODY_LIMIT } from "../body-limits.ts";
import type { RouteTable } from "../route-table.ts";
import { endpointsOf, resourceMetadataUrl } from "./oauth.ts";

/**
 * Bearer JWT and API key (X-Api-Key or Authorization: Api-Key) are both accepted, together too, so one
 * connection can use every family; both must then belong to the same workspace. A bearer token that is an
 * OAuth access token stands alone: it must be meant for this /mcp and carries the APIs its user allowed.
 */
async function mcpCaller(runtime: Runtime, request: FastifyRequest): Promise<LocalCaller> {
  const { accounts } = runtime;
  const auth = authorization(request);
  const token = auth?.scheme === "bearer" && auth.value ? auth.value : undefined;
  const key = header(request, "x-api-key") ?? (auth?.scheme === "api-key" && auth.value ? auth.value : undefined);
  if (!token && !key) {
    throw new Unauthorized("Missing credentials: send Authorization: Bearer <jwt>, X-Api-Key: <key> or Authorization: Api-Key <key>, or connect through OAuth.");
  }
  if (token && OAuthServer.isAccessToken(token)) {
    if (key) throw new Unauthorized("Send either an OAuth access token or API credentials, not both.");
    const access = await runtime.oauth.verifyAccessToken(token, endpointsOf(runtime.config.publicUrl, request));
    if (access.workspace.suspended) throw new Forbidden(`Workspace "${access.workspace.id}" is suspended.`);
    const principal: Principal = { workspace: access.workspace, kind: "jwt", credentialId: `oauth:${access.grantId}`, scope: "read", subject: access.email };
    return { kind: "oauth", workspace: access.workspace, principal, apis: access.apis };
  }
  const jwt = token ? await accounts.verifyToken(token) : undefined;
  const apiKey = key ? await accounts.verifyApiKey(key) : undefined;
  const workspace = (jwt ?? apiKey)?.workspace;
  if (!workspace) throw new Unauthorized();
  if (jwt && apiKey && jwt.workspace.id !== apiKey.workspace.id) {
    throw new Unauthorized("The JWT and the API key belong to different workspaces: send credentials of one workspace.");
  }
  if (workspace.suspended) throw new Forbidden(`Workspace "${workspace.id}" is suspended.`);
  return { kind: "credentials", workspace, jwt, apiKey };
}

/**
 * The caller, or the 401 with the challenge that starts an OAuth client's discovery (RFC 9728 §5.1):
 * every 401 from /mcp names the protected-resource metadata.
 */
async function challengedCaller(runtime: Runtime, request: FastifyRequest, reply: FastifyReply): Promise<LocalCaller> {
  try {
    return await mcpCaller(runtime, request);
  } catch (e) {
    if (e instanceof Unauthorized) {
      const metadata = resourceMetadataUrl(endpointsOf(runtime.config.publicUrl, request));
      const presented = authorization(request)?.scheme === "bearer";
      const detail = presented ? `, error="invalid_token", error_description="${e.message.replace(/["\\]/g, "'")}"` : "";
      reply.header("WWW-Authenticate", `Bearer resource_metadata="${metadata}"${detail}`);
    }
    throw e;
  }
}

/** The tools a caller may see: an OAuth connection sees only the APIs its user allowed. */
function catalogFor(caller: LocalCaller): readonly AnyEndpoint[] {
  return caller.kind === "oauth" ? CATALOG.filter((endpoint) => caller.apis.includes(endpoint.family)) : CATALOG;
}

const LOOPBACK_BINDS = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * Browsers send Origin; MCP clients that are not web pages send none and pass. Allowed origins: loopback
 * ones, the public URL's host, and METRIGATE_MCP_ORIGINS. On a loopback bind the Host header must name
 * loopback (or the public URL's host) too, which is what defeats a DNS-rebound page on this machine.
 */
export function mcpOriginRules(config: Config): { origins: string[]; hosts: string[] | undefined } {
  const publicHost = config.publicUrl ? [new URL(config.publicUrl).hostname] : [];
  return {
    origins: [...localhostAllowedOrigins(), ...publicHost, ...config.mcpAllowedOrigins],
    hosts: LOOPBACK_BINDS.has(config.host) ? [...localhostAllowedHostnames(), ...publicHost] : undefined,
  };
}

/**
 * What a web page on an allowed origin may send to /mcp and read back (CORS): the credentials, the MCP
 * protocol's own headers, and the session id and auth challenge it must see.
 */
const CORS_HEADERS = {
  "access-control-allow-methods": "POST, OPTIONS",
  // Mcp-Method and Mcp-Name: the 2026-07-28 revision's routing headers, sent with every request.
  "access-control-allow-headers": "authorization, x-api-key, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id, mcp-method, mcp-name",
  "access-control-expose-headers": "mcp-session-id, mcp-protocol-version, www-authenticate",
  "access-control-max-age": "600",
};

/** The Fastify request as a web-standard Request (headers and raw body), the SDK handler's input. */
function webRequest(request: FastifyRequest, body: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return new Request(`http://${request.host}${request.url}`, { method: request.method, headers, body });
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string, id: string | number | null = null): FastifyReply {
  return reply.code(status).type("application/json").send({ jsonrpc: "2.0", id, error: { code, message } });
}

function idOf(message: unknown): string | number | null {
  const id = message !== null && typeof message === "object" && "id" in message ? message.id : null;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

export function registerMcpRoute(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/mcp");
  routes.add("OPTIONS", "/mcp");
  const endpoint = new McpHttpEndpoint<LocalCaller>(
    (caller) => createServer({ backend: localBackend(runtime, caller), catalog: catalogFor(caller), logError: (message) => app.log.error({ err: { message } }, "mcp tool failed") }),
    (error) => app.log.warn({ err: { message: error.message } }, "mcp request rejected"),
  );
  app.addHook("onClose", () => endpoint.close());
  const rules = mcpOriginRules(runtime.config);
  // Origin and Host, then credentials, are checked before the body is read: neither a foreign page nor an
  // unknown caller ever gets a large body buffered.
  const callers = new WeakMap<FastifyRequest, LocalCaller>();
  const refusedOrigin = (request: FastifyRequest): Response | undefined => {
    const headersOnly = webRequest(request, undefined);
    return originValidationResponse(headersOnly, rules.origins) ?? (rules.hosts ? hostHeaderValidationResponse(headersOnly, rules.hosts) : undefined);
  };
  // A page on an allowed origin reads the answer, errors and 401 challenges included.
  const allowOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = header(request, "origin");
    if (origin !== undefined && !refusedOrigin(request)) reply.headers({ ...CORS_HEADERS, "access-control-allow-origin": origin, vary: "Origin" });
  };
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = refusedOrigin(request);
    if (refused) return reply.send(refused);
    await allowOrigin(request, reply);
    callers.set(request, await challengedCaller(runtime, request, reply));
  };

  // A scope of its own, so JSON arrives as text here and nowhere else.
  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => done(null, body));
    // The browser's preflight: allowed origins only, and no credentials needed to ask.
    scope.options("/mcp", async (request, reply) => {
      const refused = refusedOrigin(request);
      if (refused) return reply.send(refused);
      await allowOrigin(request, reply);
      // The origin is allowed: so is any header its page asks for (the SDK adds Mcp-Param-* and more with
      // new revisions), as long as the request names plain header tokens.
      const asked = header(request, "access-control-request-headers");
      if (asked && /^[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/.test(asked)) reply.header("access-control-allow-headers", `${CORS_HEADERS["access-control-allow-headers"]}, ${asked}`);
      return reply.code(204).send();
    });
    scope.post("/mcp", { bodyLimit: AUTHENTICATED_BODY_LIMIT, onRequest }, async (request, reply) => {
      const caller = callers.get(request) ?? (await challengedCaller(runtime, request, reply));
      const body = typeof request.body === "string" ? request.body : "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (e) {
        return jsonRpcError(reply, 400, -32700, `Parse error: the request body is not valid JSON (${(e as Error).message}).`);
      }
      const problem = toolsCallParamsProblem(parsed);
      if (problem) return jsonRpcError(reply, 200, -32602, problem, idOf(parsed));
      const auth: AuthInfo =
        caller.kind === "oauth" ? { token: "", clientId: caller.principal.credentialId, scopes: [...caller.apis] } : { token: "", clientId: caller.workspace.id, scopes: [] };
      return reply.send(await endpoint.handle(webRequest(request, body), parsed, caller, auth));
    });
  });
}
