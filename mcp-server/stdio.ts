// MCP over stdio (`metrigate mcp`): the SDK's stdio entry serves every revision (a 2026-07-28 client's
// `server/discover` and a 2025-era `initialize`), building a server per connection from the factory.
// Resolves when the client closes stdin or a signal arrives. Nothing else may write to stdout meanwhile.

import type { McpServer } from "@modelcontextprotocol/server";
import { serveStdio as serveSdkStdio } from "@modelcontextprotocol/server/stdio";

export async function serveStdio(createServer: () => McpServer): Promise<void> {
  const handle = serveSdkStdio(() => createServer(), { onerror: (error) => console.error(`metrigate mcp: ${error.message}`) });
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.close();
}
