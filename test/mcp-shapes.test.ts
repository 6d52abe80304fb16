// Body shapes the catalog may grow into, through the real MCP client and the local engine: an endpoint
// whose body is a bare JSON list (structuredContent must be an object, so it comes as {"result": [...]}),
// and such a list too large for one result.

import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { localBackend } from "../mcp-server/backends.ts";
import { estimateTokens } from "../mcp-server/result-budget.ts";
import { createServer } from "../mcp-server/server.ts";
import { defineEndpoint } from "../shared/catalog/define.ts";
import { callTool, NOW, textOf } from "./support/mcp.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

/** A test-only endpoint: `size` rows `{id, name}` with names "segment 0", "segment 1", ... */
const listEndpoint = defineEndpoint({
  name: "test_segment_names",
  family: "cdp",
  title: "Segment names (test)",
  description: "A bare list body.",
  method: "GET",
  path: "/api/analytics/test-names/",
  params: z.object({ size: z.number().int().min(0).max(100_000).default(2).describe("Rows to return, 0-100000 (default 2).") }),
  response: z.array(z.object({ id: z.number().int(), name: z.string() })),
  readOnly: true,
  cacheable: false,
  async compute(_ctx, p) {
    return Array.from({ length: p.size }, (_, i) => ({ id: i, name: `segment ${i}` }));
  },
});

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  await server.workspace("acme");
  const workspace = await server.runtime.accounts.requireWorkspace("acme");
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const backend = localBackend(server.runtime, { kind: "operator", workspace });
  await createServer({ backend, catalog: [listEndpoint] }).connect(serverSide);
  client = new Client({ name: "metrigate-test", version: "1.0.0" });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client.close();
  await server.close();
});

test("a list body is listed and returned under `result`, with a table as text", async () => {
  const [tool] = (await client.listTools()).tools;
  expect(tool.outputSchema).toMatchObject({ type: "object", properties: { result: { type: "array" } }, required: ["result"] });
  const result = await callTool(client, "test_segment_names", {});
  expect(result.structuredContent).toEqual({ result: [{ id: 0, name: "segment 0" }, { id: 1, name: "segment 1" }] });
  expect(textOf(result)).toBe("result (2 rows):\nid | name\n0 | segment 0\n1 | segment 1");
});

test("an empty list says so", async () => {
  const result = await callTool(client, "test_segment_names", { size: 0 });
  expect(result.structuredContent).toEqual({ result: [] });
  expect(textOf(result)).toBe("result: (none)");
});

test("a bad argument gets the engine's sentence", async () => {
  const result = await callTool(client, "test_segment_names", { size: -1 });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toBe("Parameter 'size' must be at least 0 (got -1).");
});

test("a list too large for one result is cut from the end, and both parts say so", async () => {
  // 6,000 rows of about 30 characters: some 180 KB of JSON, far over 24,000 estimated tokens.
  const result = await callTool(client, "test_segment_names", { size: 6000 });
  const rows = (result.structuredContent as { result: { id: number }[] }).result;
  expect(rows.length).toBeGreaterThan(500);
  expect(rows.length).toBeLessThan(6000);
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: rows.length }, (_, i) => i));
  const text = textOf(result);
  const lines = text.split("\n");
  expect(lines[0]).toBe(
    `[cut to stay under about 25,000 tokens: result shows items 0–${rows.length - 1} of 6000; next page: test_segment_names {"size":6000,"page_list":"result","page_offset":${rows.length}}.]`,
  );
  expect(lines[1]).toBe(`result (${rows.length} rows):`);
  expect(estimateTokens(JSON.stringify(result.structuredContent), text)).toBeLessThanOrEqual(24_000);
});
