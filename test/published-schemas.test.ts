// The published schemas describe the vendor documents, not only Metrigate (CONTRACT §15): every seed
// example validates against the OpenAPI response schema of its endpoint and against the MCP tool's
// outputSchema (wrapped as the tool wraps it), with a real JSON-schema validator; and /openapi.json
// documents every route the server answers.

import { Client, InMemoryTransport, type Tool } from "@modelcontextprotocol/client";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isConsoleRoute } from "../api-server/route-docs.ts";
import { localBackend } from "../mcp-server/backends.ts";
import { createServer } from "../mcp-server/server.ts";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { NOW } from "./support/mcp.ts";
import { seedExamples, type SeedExample } from "./support/seed-examples.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

interface OpenApi {
  paths: Record<string, Record<string, { summary?: string; operationId?: string; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
}

const EXAMPLES = seedExamples();
const ALERT_EXAMPLE = (EXAMPLES.find((e) => e.path === "/v1/analytics/alerts")?.body as unknown[])[0];

const samePath = (a: string, b: string) => a.replace(/\/$/, "") === b.replace(/\/$/, "");
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

function endpointOf(example: SeedExample): AnyEndpoint {
  const endpoint = CATALOG.find((e) => e.method === "GET" && samePath(e.path, example.path));
  if (!endpoint) throw new Error(`no catalog endpoint answers GET ${example.path}`);
  return endpoint;
}

/** Each seed example with the endpoint it documents; the acknowledge answer is an alert as the alerts example shows. */
const CASES: { name: string; endpoint: AnyEndpoint; body: unknown }[] = [
  ...EXAMPLES.map((e) => ({ name: `GET ${e.path}`, endpoint: endpointOf(e), body: e.body })),
  { name: "POST /v1/analytics/alerts/{id}/acknowledge", endpoint: CATALOG.find((e) => e.name === "tapemetric_acknowledge_alert") as AnyEndpoint, body: ALERT_EXAMPLE },
];

/** `printRoutes` tree lines (`│   └── /:id/acknowledge (POST)`) as method + full path, HEAD left out. */
function servedRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) continue;
    const depth = [...match[1]].length / 4;
    const path = (prefixes[depth - 1] ?? "") + match[2];
    prefixes[depth] = path;
    for (const method of match[3].split(", ").filter((m) => m !== "HEAD")) routes.push(`${method} ${openApiPath(path).replace(/\/$/, "")}`);
  }
  return routes.sort();
}

let server: TestServer;
let openapi: OpenApi;
let tools: Map<string, Tool>;
let client: Client;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  await server.workspace("acme");
  openapi = (await server.get("/openapi.json")).body;
  const workspace = await server.runtime.accounts.requireWorkspace("acme");
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createServer({ backend: localBackend(server.runtime, { kind: "operator", workspace }) }).connect(serverSide);
  client = new Client({ name: "metrigate-test", version: "1.0.0" });
  await client.connect(clientSide);
  tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
});
afterAll(async () => {
  await client.close();
  await server.close();
});

function openApiSchema(endpoint: AnyEndpoint): object {
  const operation = openapi.paths[openApiPath(endpoint.path)]?.[endpoint.method.toLowerCase()];
  const schema = operation?.responses["200"].content?.["application/json"].schema;
  if (!schema) throw new Error(`/openapi.json has no 200 schema for ${endpoint.method} ${endpoint.path}`);
  return schema;
}

/** structuredContent is an object: a list body comes as {"result": [...]}, as the tool sends it. */
function asTool(endpoint: AnyEndpoint, body: unknown): unknown {
  const outputSchema = tools.get(endpoint.name)?.outputSchema as { properties?: Record<string, unknown> } | undefined;
  return Array.isArray(body) && outputSchema?.properties?.result ? { result: body } : body;
}

/** Operations whose success is not 200: RFC 7591's 201 Created, and the consent form's redirect back to the client. */
const SUCCESS_STATUS: Record<string, string> = { oauth_register: "201", oauth_authorize_decision: "303" };

describe("/openapi.json documents every route", () => {
  test("every method and path the server answers (but the web console's own) has an operation with a summary and a 200 answer (201 for registration, 303 for the consent form)", async () => {
    // CORS preflights (OPTIONS) are the browser's, not operations of the API.
    const served = servedRoutes(server.app.printRoutes({ commonPrefix: false })).filter((route) => !isConsoleRoute(route.split(" ")[1]) && !route.startsWith("OPTIONS "));
    expect(served.length).toBeGreaterThanOrEqual(25);
    const documented = Object.entries(openapi.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\/$/, "")}`))
      .sort();
    expect(documented).toEqual(served);
    for (const operations of Object.values(openapi.paths)) {
      for (const operation of Object.values(operations)) {
        expect(operation.summary).toEqual(expect.any(String));
        expect(Object.keys(operation.responses)).toContain(SUCCESS_STATUS[operation.operationId ?? ""] ?? "200");
      }
    }
  });

  test("the routes beside the 15 endpoints: login, session, API key, ingest, export download, health, MCP", () => {
    const beside = [
      "POST /v1/auth/login",
      "POST /api/v1/session",
      "DELETE /api/v1/session",
      "GET /api/v1/api-key",
      "POST /api/v1/api-key/regenerate",
      "POST /v1/ingest/{table}",
      "GET /v1/analytics/export/{workspace}/{file}",
      "GET /healthz",
      "POST /mcp",
      "GET /openapi.json",
    ];
    for (const route of beside) {
      const [method, path] = route.split(" ");
      expect(openapi.paths[path]?.[method.toLowerCase()], route).toBeDefined();
    }
    // The 15 vendor endpoints and the query API's 6 (CONTRACT §17): every catalog entry.
    const endpoints = CATALOG.filter((e) => openapi.paths[openApiPath(e.path)]?.[e.method.toLowerCase()] !== undefined);
    expect(endpoints).toHaveLength(CATALOG.length);
    expect(CATALOG).toHaveLength(21);
  });
});

describe("every seed example validates against the published schemas", () => {
  test.each(CASES)("$name: the OpenAPI response schema", ({ endpoint, body }) => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(openApiSchema(endpoint));
    expect(validate(body) ? [] : validate.errors).toEqual([]);
  });

  test.each(CASES)("$name: the MCP tool's outputSchema", ({ endpoint, body }) => {
    const tool = tools.get(endpoint.name);
    expect(tool?.outputSchema).toBeDefined();
    const validate = new Ajv({ strict: false, allErrors: true }).compile(tool?.outputSchema ?? {});
    expect(validate(asTool(endpoint, body)) ? [] : validate.errors).toEqual([]);
  });

  test("the schemas still hold answers to their shape: a copilot total as an object or a trend item named date fails", () => {
    const copilot = CATALOG.find((e) => e.name === "cdp_copilot") as AnyEndpoint;
    const segments = CATALOG.find((e) => e.name === "cdp_segments") as AnyEndpoint;
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.compile(openApiSchema(copilot))({ total: { success: 1, error: 0 }, daily: [] })).toBe(false);
    const segment = { id: 1, name: "A", member_count: 1, last_computed_at: null, trend: [{ date: "2026-04-03", members: 1 }] };
    expect(ajv.compile(openApiSchema(segments))([segment])).toBe(false);
    const mcp = new Ajv({ strict: false }).compile(tools.get("cdp_copilot")?.outputSchema ?? {});
    expect(mcp({ daily: [] })).toBe(false);
  });
});
