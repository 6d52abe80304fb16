// MCP over stdio (`metrigate mcp`): the SDK's stdio entry serves every revision (a 2026-07-28 client's
// `server/discover` and a 2025-era `initialize`), building a server per connection from the factory.
// Resolves when the client closes stdin or a signal arrives. Nothing else may write to stdout meanwhile.

import type { JSONRPCMessage, MessageExtraInfo, McpServer, Transport } from "@modelcontextprotocol/server";
import { serveStdio as serveSdkStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { toolsCallParamsProblem } from "./call-params.ts";

/** The SDK's stdio transport, answering a malformed tools/call with our -32602 sentence before the SDK sees it. */
class CheckedStdioTransport implements Transport {
  private readonly inner = new StdioServerTransport();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message) => {
      const problem = toolsCallParamsProblem(message);
      if (problem !== undefined && "id" in message) {
        void this.inner.send({ jsonrpc: "2.0", id: message.id, error: { code: -32602, message: problem } });
        return;
      }
      this.onmessage?.(message);
    };
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export async function serveStdio(createServer: () => McpServer): Promise<void> {
  const handle = serveSdkStdio(() => createServer(), {
    transport: new CheckedStdioTransport(),
    onerror: (error) => console.error(`metrigate mcp: ${error.message}`),
  });
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.close();
}
