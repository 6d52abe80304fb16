// MCP over stdio (`metrigate mcp`): connects a server to this process's stdin/stdout and resolves when
// the client closes the connection. Nothing else may write to stdout while it runs.

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

export async function serveStdio(server: McpServer): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK transport does not notice the end of stdin by itself; a client going away ends it, and so
    // does a signal, so the caller can close the database cleanly.
    const stop = () => void server.close();
    process.stdin.once("end", stop);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.connect(transport);
  await closed;
}
