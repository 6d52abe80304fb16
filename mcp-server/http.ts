// MCP over Streamable HTTP through the SDK's web-standard handler: 2026-07-28 requests (stateless, with
// `server/discover`) and 2025-era requests (each answered by a fresh server) on one endpoint. The HTTP
// face authenticates first and hands the caller in; every request gets a server built for that caller.
// 2026-07-28 answers are plain JSON unless a tool reports progress (then that answer is an SSE stream);
// 2025-era answers come as a one-message SSE stream, as the SDK's handler sends them.

import { createMcpHandler, type AuthInfo, type McpHttpHandler, type McpServer } from "@modelcontextprotocol/server";

export class McpHttpEndpoint<Caller> {
  /** Which caller an AuthInfo handed to the SDK stands for; the SDK passes it through to the factory. */
  private readonly callers = new WeakMap<AuthInfo, Caller>();
  private readonly handler: McpHttpHandler;

  constructor(serverFor: (caller: Caller) => McpServer, onError: (error: Error) => void) {
    this.handler = createMcpHandler(
      (ctx) => {
        const caller = ctx.authInfo ? this.callers.get(ctx.authInfo) : undefined;
        if (caller === undefined) throw new Error("An MCP request reached the server factory without an authenticated caller.");
        return serverFor(caller);
      },
      { legacy: "stateless", responseMode: "auto", onerror: onError },
    );
  }

  /** Serves one HTTP request for an authenticated caller; `auth` describes its credential to the SDK. */
  handle(request: Request, parsedBody: unknown, caller: Caller, auth: AuthInfo): Promise<Response> {
    this.callers.set(auth, caller);
    return this.handler.fetch(request, { authInfo: auth, parsedBody });
  }

  close(): Promise<void> {
    return this.handler.close();
  }
}
