// POST /mcp (CONTRACT §12): the MCP server over Streamable HTTP, authenticated with the API's own
// credentials. The caller's JWT and/or API key pick the workspace; each tool then applies its family's rule.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { handleStreamableHttp } from "../../mcp-server/http.ts";
import { localBackend, type LocalCaller } from "../../mcp-server/backends.ts";
import { createServer } from "../../mcp-server/server.ts";
import type { Accounts } from "../../shared/auth/accounts.ts";
import { Forbidden, Unauthorized } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { authorization, header } from "../credentials.ts";
import { AUTHENTICATED_BODY_LIMIT } from "../body-limits.ts";
import type { RouteTable } from "../route-table.ts";

/**
 * Bearer JWT and API key (X-Api-Key or Authorization: Api-Key) are both accepted, together too, so one
 * connection can use every family; both must then belong to the same workspace.
 */
async function mcpCaller(accounts: Accounts, request: FastifyRequest): Promise<LocalCaller> {
  const auth = authorization(request);
  const token = auth?.scheme === "bearer" && auth.value ? auth.value : undefined;
  const key = header(request, "x-api-key") ?? (auth?.scheme === "api-key" && auth.value ? auth.value : undefined);
  if (!token && !key) {
    throw new Unauthorized("Missing credentials: send Authorization: Bearer <jwt>, X-Api-Key: <key> or Authorization: Api-Key <key>.");
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

export function registerMcpRoute(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/mcp");
  // Credentials are checked before the body is read: unknown callers never get a large body buffered.
  const callers = new WeakMap<FastifyRequest, LocalCaller>();
  const onRequest = async (request: FastifyRequest) => {
    callers.set(request, await mcpCaller(runtime.accounts, request));
  };
  app.post("/mcp", { bodyLimit: AUTHENTICATED_BODY_LIMIT, onRequest }, async (request, reply) => {
    const caller = callers.get(request) ?? (await mcpCaller(runtime.accounts, request));
    const server = createServer({
      backend: localBackend(runtime, caller),
      logError: (message) => request.log.error({ err: { message } }, "mcp tool failed"),
    });
    reply.hijack();
    await handleStreamableHttp(server, request.raw, reply.raw, request.body);
  });
}
