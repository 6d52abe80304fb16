// `metrigate mcp --workspace W` as an MCP client starts it: a child process over stdio, on a seeded DuckDB
// file that no server holds. Its answers must be the ones the HTTP API gave on the same file.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Tool } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { toolDefinition } from "../mcp-server/tools.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { ACME_ROWS, argumentSets, badArgumentSets, callTool, expectSameAnswer, familyHeaders, httpAnswer, NOW, seedRows, textOf } from "./support/mcp.ts";
import { startTestServer } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "metrigate-mcp-stdio-"));
const dbPath = join(dir, "seeded.duckdb");
const env = { PATH: process.env.PATH ?? "", METRIGATE_DB: dbPath, METRIGATE_NOW: NOW, METRIGATE_CACHE_TTL: "0" };
const cli = join(import.meta.dirname, "..", "bin", "metrigate.mjs");

interface Expected {
  endpoint: AnyEndpoint;
  args: Record<string, unknown>;
  http: { status: number; body: unknown };
}
const expected: Expected[] = [];
let client: Client;
let tools: Tool[];

beforeAll(async () => {
  // Seed the file and record the HTTP API's answers, then stop the server so the file is free.
  const server = await startTestServer({ now: NOW, env: { METRIGATE_DB: dbPath } });
  try {
    const acme = await server.workspace("acme");
    await seedRows(server, "acme", ACME_ROWS);
    for (const endpoint of CATALOG) {
      const tool = toolDefinition(endpoint);
      for (const args of [...argumentSets(tool), ...badArgumentSets(tool)]) {
        expected.push({ endpoint, args, http: await httpAnswer(server.url, endpoint, args, familyHeaders(endpoint, acme)) });
      }
    }
  } finally {
    await server.close();
  }
  client = new Client({ name: "metrigate-test", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, "mcp", "--workspace", "acme"], env, stderr: "pipe" }));
  tools = (await client.listTools()).tools;
});

afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("tools/list over stdio shows every catalog tool", () => {
  expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.map((e) => e.name).sort());
  for (const tool of tools) expect(tool.inputSchema.type).toBe("object");
});

test("every tool answers over stdio what the HTTP API answered on the same file", { timeout: 180_000 }, async () => {
  expect(expected.length).toBeGreaterThan(CATALOG.length);
  for (const { endpoint, args, http } of expected) {
    expectSameAnswer(await callTool(client, endpoint.name, args), http, `${endpoint.name} ${JSON.stringify(args)}`);
  }
});

test("operator access is not rate limited and reports no remaining count", async () => {
  const result = await callTool(client, "taprain_stats", { range: "today" });
  const body = result.structuredContent as { meta: { requests_remaining: unknown }; data: { summary: unknown } };
  expect(body.meta.requests_remaining).toBeNull();
  expect(body.data.summary).toEqual({ clicks: 3, leads: 2, revenue: 6.5, cvr: 66.6667, epc: 2.166667 });
  expect(textOf(result)).toContain("meta: range=today timezone=America/New_York granularity=hour");
});

test("while the stdio server holds the file, a second one fails with one line, not a stack", { timeout: 120_000 }, () => {
  const second = spawnSync(process.execPath, [cli, "mcp", "--workspace", "acme"], { env, encoding: "utf8", input: "" });
  expect(second.status).toBe(1);
  expect(second.stderr.trim().split("\n")).toHaveLength(1);
  expect(second.stderr).toContain(`The database ${dbPath} is in use by another Metrigate process`);
});

test("once the client is gone, an unknown workspace and a half-given remote mode fail with one line", { timeout: 120_000 }, async () => {
  await client.close();
  const unknown = spawnSync(process.execPath, [cli, "mcp", "--workspace", "nobody"], { env, encoding: "utf8", input: "" });
  expect(unknown.stderr.trim()).toBe(`metrigate: Workspace "nobody" does not exist in ${dbPath} (METRIGATE_DB).`);
  expect(unknown.status).toBe(1);
  // Started where there is no database (an assistant's own folder): named, and none is created there.
  const missing = join(dir, "elsewhere", "metrigate.duckdb");
  const nowhere = spawnSync(process.execPath, [cli, "mcp"], { env: { ...env, METRIGATE_DB: missing }, encoding: "utf8", input: "" });
  expect(nowhere.stderr.trim()).toBe(
    `metrigate: No database at ${missing} (METRIGATE_DB): set METRIGATE_DB to your database's path in the assistant's MCP settings, or create one (\`metrigate seed\` for the demo, \`metrigate workspace create\` and \`import\` for your own).`,
  );
  expect(nowhere.status).toBe(1);
  expect(existsSync(missing)).toBe(false);
  const remote = spawnSync(process.execPath, [cli, "mcp", "--url", "http://127.0.0.1:1"], { env, encoding: "utf8", input: "" });
  expect(remote.stderr.trim()).toBe(
    "metrigate: remote mode cannot call any API: " +
      "Tapemetric needs a JWT: set METRIGATE_TAPEMETRIC_TOKEN, or METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD to log in, or METRIGATE_TOKEN. " +
      "Taprain needs an API key: set METRIGATE_TAPRAIN_API_KEY or METRIGATE_API_KEY. " +
      "CDP needs an API key or a JWT: set METRIGATE_CDP_API_KEY or METRIGATE_CDP_TOKEN, or METRIGATE_API_KEY or METRIGATE_TOKEN.",
  );
  expect(remote.status).toBe(2);
});
