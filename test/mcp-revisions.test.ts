// Every protocol revision a current client sends (CONTRACT §12), through the newest official client pinned
// to each one: over /mcp of a real server and over stdio from `metrigate mcp`. Every tool is called and its
// structuredContent checked against the listed outputSchema; plus the /mcp protocol hygiene of issue 16.7.

import { spawn, spawnSync } from "node:child_process";
import { request, type IncomingHttpHeaders } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Client, StreamableHTTPClientTransport, type Tool, type Transport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CATALOG } from "../shared/catalog/index.ts";
import { queryEndpoints } from "../shared/query/endpoints.ts";
import { ACME_ROWS, argumentSets, callTool, NOW, seedRows, textOf } from "./support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const MODERN = "2026-07-28";
const LEGACY = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;

/** The newest client, pinned: 2026-07-28 through server/discover, a 2025 revision through initialize. */
function pinnedClient(revision: string): Client {
  const info = { name: "metrigate-revision-test", version: "1.0.0" };
  return revision === MODERN
    ? new Client(info, { versionNegotiation: { mode: { pin: MODERN } } })
    : new Client(info, { supportedProtocolVersions: [revision] });
}

interface JsonRpcAnswer {
  error?: { code: number; message: string };
}

/** The JSON-RPC message of an answer sent as plain JSON or as one SSE `data:` line. */
function jsonRpcOf(text: string): JsonRpcAnswer {
  const data = text.startsWith("event:") || text.startsWith("data:") ? text.split("\n").find((line) => line.startsWith("data:"))?.slice(5) : text;
  return JSON.parse(data ?? "{}") as JsonRpcAnswer;
}

const ajv = new Ajv({ strict: false, allErrors: true });

/** Calls every tool with every argument set its schema suggests; each answer must fit its outputSchema. */
async function exerciseEveryTool(client: Client): Promise<number> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.map((e) => e.name).sort());
  let checked = 0;
  for (const tool of tools) {
    const validate = ajv.compile(tool.outputSchema ?? {});
    for (const args of argumentSets(tool as Tool)) {
      const result = await callTool(client, tool.name, args);
      // Some suggested sets are refused by the API itself (30d at the default interval); those are sentences.
      if (result.isError) {
        expect(textOf(result)).toMatch(/^[A-Z].*\.$/);
        continue;
      }
      expect(validate(result.structuredContent), `${tool.name} ${JSON.stringify(args)} ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked++;
    }
  }
  return checked;
}

describe("over Streamable HTTP at /mcp", () => {
  let server: TestServer;
  let acme: Credentials;
  const clients: Client[] = [];
  const headers = () => ({ Authorization: `Bearer ${acme.token}`, "X-Api-Key": acme.apiKey });

  async function connect(revision: string): Promise<Client> {
    const client = pinnedClient(revision);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: headers() } }));
    clients.push(client);
    return client;
  }

  /** A raw POST through node:http, which (unlike fetch) sends Origin and Host exactly as given. */
  function post(body: string, extra: Record<string, string> = {}, method = "POST"): Promise<{ status: number; message: JsonRpcAnswer; headers: IncomingHttpHeaders }> {
    const target = new URL(`${server.url}/mcp`);
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        { method, headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers(), ...extra } },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, message: text ? jsonRpcOf(text) : {}, headers: res.headers }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  beforeAll(async () => {
    server = await startTestServer({ now: NOW });
    acme = await server.workspace("acme");
    await seedRows(server, "acme", ACME_ROWS);
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await server.close();
  });

  test.each([MODERN, ...LEGACY])("revision %s: every tool answers within its outputSchema", { timeout: 180_000 }, async (revision) => {
    const client = await connect(revision);
    expect(client.getNegotiatedProtocolVersion()).toBe(revision);
    expect(await exerciseEveryTool(client)).toBeGreaterThan(CATALOG.length);
  });

  test("nothing advertises list-change notifications the stateless server could never send", async () => {
    for (const revision of [MODERN, "2025-06-18"]) {
      const capabilities = (await connect(revision)).getServerCapabilities() ?? {};
      expect(capabilities.tools?.listChanged ?? false, revision).toBe(false);
      expect(capabilities.resources?.listChanged ?? false, revision).toBe(false);
      expect(capabilities.prompts?.listChanged ?? false, revision).toBe(false);
    }
  });

  test("a foreign Origin is refused with 403 before anything else; a loopback one is served", async () => {
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const legacy = { "MCP-Protocol-Version": "2025-06-18" };
    expect((await post(list, { ...legacy, Origin: "https://evil.example" })).status).toBe(403);
    expect((await post(list, { ...legacy, Origin: "http://localhost:6274" })).status).toBe(200);
    // A page on a rebound name reaches the loopback server with its own Host.
    expect((await post(list, { ...legacy, Host: "evil.example:8787" })).status).toBe(403);
    expect((await post(list, legacy)).status).toBe(200);
  });

  test("a page on an allowed origin may call /mcp from a browser (CORS); a foreign one may not", async () => {
    const page = "http://localhost:6274";
    const preflight = await post("", { Origin: page, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version" }, "OPTIONS");
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(page);
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    // Every header the SDK's clients send, the 2026-07-28 revision's routing headers included.
    for (const name of ["authorization", "x-api-key", "content-type", "mcp-protocol-version", "mcp-session-id", "mcp-method", "mcp-name"]) {
      expect(preflight.headers["access-control-allow-headers"]?.split(", "), name).toContain(name);
    }
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const answer = await post(list, { "MCP-Protocol-Version": "2025-06-18", Origin: page });
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBe(page);
    expect(answer.headers["access-control-expose-headers"]).toContain("mcp-session-id");
    // The 401 challenge is readable too, so a page can start OAuth.
    const challenged = await post(list, { "MCP-Protocol-Version": "2025-06-18", Origin: page, Authorization: "", "X-Api-Key": "" });
    expect(challenged.status).toBe(401);
    expect(challenged.headers["access-control-allow-origin"]).toBe(page);
    expect(challenged.headers["access-control-expose-headers"]).toContain("www-authenticate");
    const asked = await post("", { Origin: page, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "mcp-param-region, mcp-wire-codec" }, "OPTIONS");
    expect(asked.headers["access-control-allow-headers"]).toContain("mcp-param-region, mcp-wire-codec");
    const foreign = await post("", { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" }, "OPTIONS");
    expect(foreign.status).toBe(403);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    // Without an Origin (not a browser) nothing CORS is added.
    expect((await post(list, { "MCP-Protocol-Version": "2025-06-18" })).headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("malformed JSON is JSON-RPC -32700", async () => {
    const answer = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(answer.status).toBe(400);
    expect(answer.message.error?.code).toBe(-32700);
    expect(answer.message.error?.message).toMatch(/^Parse error: the request body is not valid JSON/);
  });

  test("tools/call with broken params is -32602 with a sentence, not a schema dump", async () => {
    const legacy = { "MCP-Protocol-Version": "2025-06-18" };
    const broken = await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: 5 } }), legacy);
    expect(broken.message.error).toEqual({
      code: -32602,
      message: "tools/call needs params.name: the tool's name as a string (tools/list names them).",
    });
    const unknown = await post(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "taprain_stat" } }), legacy);
    expect(unknown.message.error).toEqual({
      code: -32602,
      message: `Unknown tool "taprain_stat": did you mean "taprain_stats"? tools/list names the ${CATALOG.length} tools.`,
    });
  });

  test("acknowledging is marked idempotent; read tools are read-only and idempotent", async () => {
    const { tools } = await (await connect(MODERN)).listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get("tapemetric_acknowledge_alert")?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    expect(byName.get("tapemetric_export")?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    expect(byName.get("taprain_stats")?.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
  });

  test("tools/list carries no safe-integer bounds and stays small, every argument still described", async () => {
    const { tools } = await (await connect(MODERN)).listTools();
    const json = JSON.stringify(tools);
    expect(json).not.toContain("9007199254740991");
    // The 15 vendor tools: 33,350 characters before the trimming (about 8,300 tokens), without the paging
    // arguments they now have; 30,049 after.
    const queryNames = new Set(queryEndpoints.map((e) => e.name));
    expect(JSON.stringify(tools.filter((t) => !queryNames.has(t.name))).length).toBeLessThan(30_500);
    // The query API's 6 tools (from main) add about 30,400 more: their answers echo the query and its vocabulary.
    expect(json.length).toBeLessThan(61_000);
    for (const tool of tools) {
      expect(tool.description).toMatch(/\w{3}.{40}/);
      for (const property of Object.values(tool.inputSchema.properties ?? {})) expect((property as { description?: string }).description).toMatch(/\w{3}/);
    }
  });
});

describe("over stdio from `metrigate mcp`", () => {
  const dir = mkdtempSync(join(tmpdir(), "metrigate-mcp-revisions-"));
  const dbPath = join(dir, "seeded.duckdb");
  const env = { PATH: process.env.PATH ?? "", METRIGATE_DB: dbPath, METRIGATE_NOW: NOW, METRIGATE_CACHE_TTL: "0" };
  const cli = join(import.meta.dirname, "..", "bin", "metrigate.mjs");

  beforeAll(async () => {
    const server = await startTestServer({ now: NOW, env: { METRIGATE_DB: dbPath } });
    try {
      await server.workspace("acme");
      await seedRows(server, "acme", ACME_ROWS);
    } finally {
      await server.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function stdio(): Transport {
    return new StdioClientTransport({ command: process.execPath, args: [cli, "mcp", "--workspace", "acme"], env, stderr: "pipe" });
  }

  test.each([MODERN, "2025-06-18"])("revision %s: every tool answers within its outputSchema", { timeout: 300_000 }, async (revision) => {
    const client = pinnedClient(revision);
    await client.connect(stdio());
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(revision);
      expect(await exerciseEveryTool(client)).toBeGreaterThan(CATALOG.length);
    } finally {
      await client.close();
    }
  });

  test("a malformed tools/call is -32602 with a sentence over stdio too", { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [cli, "mcp", "--workspace", "acme"], { env, stdio: ["pipe", "pipe", "ignore"] });
    const lines: string[] = [];
    let buffered = "";
    const answered = new Promise<JsonRpcAnswer>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const parts = buffered.split("\n");
        buffered = parts.pop() ?? "";
        lines.push(...parts);
        const reply = lines.map((line) => JSON.parse(line) as JsonRpcAnswer & { id?: number }).find((m) => m.id === 2);
        if (reply) resolve(reply);
      });
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "taprain_stats", arguments: [1, 2] } });
    try {
      expect((await answered).error).toEqual({
        code: -32602,
        message: "tools/call params.arguments must be an object of argument names and values (got a list).",
      });
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  test("the database file is free again once the client has gone", { timeout: 120_000 }, () => {
    const check = spawnSync(process.execPath, [cli, "workspace", "create", "after-stdio"], { env, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });
});
