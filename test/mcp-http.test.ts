// MCP over Streamable HTTP at /mcp of a real server, with the SDK's own client: every catalog tool
// against the HTTP API, credentials and family rules, workspace isolation, rate limits, large answers.

import { Client, StreamableHTTPClientTransport, type Tool } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { CATALOG, endpointByName } from "../shared/catalog/index.ts";
import {
  ACME_ROWS,
  argumentSets,
  badArgumentSets,
  callTool,
  errorSentence,
  expectSameAnswer,
  familyHeaders,
  GLOBEX_ROWS,
  httpAnswer,
  NOW,
  seedRows,
  textOf,
} from "./support/mcp.ts";
import { estimateTokens } from "../mcp-server/result-budget.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

// The catalog-wide loops call each of the 21 tools several times over HTTP and MCP; on a machine shared
// with other work that takes longer than the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let acme: Credentials;
let globex: Credentials;
const clients: Client[] = [];

async function connect(headers: Record<string, string>, url = server.url): Promise<Client> {
  const client = new Client({ name: "metrigate-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const both = (c: Credentials) => ({ Authorization: `Bearer ${c.token}`, "X-Api-Key": c.apiKey });

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  globex = await server.workspace("globex");
  await seedRows(server, "acme", ACME_ROWS);
  await seedRows(server, "globex", GLOBEX_ROWS);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await server.close();
});

describe("tools/list", () => {
  test("shows every catalog tool with its schemas, title and read-only hint", async () => {
    const client = await connect(both(acme));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.map((e) => e.name).sort());
    for (const endpoint of CATALOG) {
      const tool = tools.find((t) => t.name === endpoint.name) as Tool;
      expect(tool.title).toBe(endpoint.title);
      expect(tool.annotations?.readOnlyHint).toBe(endpoint.readOnly);
      const paging = ["page_list", "page_offset"];
      expect(Object.keys(tool.inputSchema.properties ?? {}).filter((n) => !paging.includes(n))).toEqual(Object.keys(endpoint.params.shape));
      for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((property as { description?: string }).description, `${tool.name}.${name}`).toMatch(/\w{3}/);
      }
      expect(tool.outputSchema?.type).toBe("object");
    }
  });

  test("taprain_stats lists its range vocabulary and defaults", async () => {
    const client = await connect(both(acme));
    const tool = (await client.listTools()).tools.find((t) => t.name === "taprain_stats") as Tool;
    const range = (tool.inputSchema.properties ?? {}).range as { enum: string[]; default: string };
    expect(range.enum).toEqual(["hour", "today", "yesterday", "7days", "30days", "custom"]);
    expect(range.default).toBe("today");
  });
});

describe("tools/call", () => {
  test("every tool answers what the HTTP API answers, for every argument set", { timeout: 180_000 }, async () => {
    const client = await connect(both(acme));
    const { tools } = await client.listTools();
    let compared = 0;
    for (const tool of tools) {
      const endpoint = endpointByName(tool.name);
      if (!endpoint) throw new Error(`no endpoint for ${tool.name}`);
      for (const args of argumentSets(tool)) {
        const http = await httpAnswer(server.url, endpoint, args, familyHeaders(endpoint, acme));
        expectSameAnswer(await callTool(client, tool.name, args), http, `${tool.name} ${JSON.stringify(args)}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(CATALOG.length);
  });

  test("taprain_stats gives the hand-worked figures and a compact text table", async () => {
    const client = await connect({ "X-Api-Key": acme.apiKey });
    const result = await callTool(client, "taprain_stats", { range: "today" });
    const body = result.structuredContent as { data: { summary: unknown; by_country: { country: string }[] } };
    expect(body.data.summary).toEqual({ clicks: 3, leads: 2, revenue: 6.5, cvr: 66.6667, epc: 2.166667 });
    expect(body.data.by_country.map((r) => r.country)).toEqual(["GB", "US", "Unknown"]);
    const text = textOf(result);
    expect(text).toContain("data.summary: clicks=3 leads=2 revenue=6.5 cvr=66.6667 epc=2.166667");
    expect(text).toContain("data.by_country (3 rows):\ncountry | clicks | leads | revenue | cvr | epc\nGB | 1 | 1 | 4 | 100 | 4");
    expect(text.length).toBeLessThan(JSON.stringify(body).length);
  });

  test("every bad argument is a tool error with the API's sentence", { timeout: 180_000 }, async () => {
    const client = await connect(both(acme));
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const endpoint = endpointByName(tool.name);
      if (!endpoint) throw new Error(`no endpoint for ${tool.name}`);
      for (const args of badArgumentSets(tool)) {
        const http = await httpAnswer(server.url, endpoint, args, familyHeaders(endpoint, acme));
        expect(http.status).toBe(400);
        expectSameAnswer(await callTool(client, tool.name, args), http, `${tool.name} ${JSON.stringify(args)}`);
      }
    }
  });

  test("exact messages for a bad range and an unknown time zone", async () => {
    const client = await connect({ "X-Api-Key": acme.apiKey });
    const range = await callTool(client, "taprain_stats", { range: "fortnight" });
    expect(range.isError).toBe(true);
    expect(textOf(range)).toBe(`Invalid value "fortnight" for parameter 'range'. Allowed values: hour, today, yesterday, 7days, 30days, custom.`);
    const zone = await callTool(client, "taprain_stats", { timezone: "Mars/Olympus" });
    expect(textOf(zone)).toBe(`Unknown time zone "Mars/Olympus" in 'timezone': use an IANA name such as America/New_York or UTC.`);
  });

  test("a misspelled argument is a tool error naming the closest valid one, not a silent default", async () => {
    const client = await connect({ "X-Api-Key": acme.apiKey });
    const tool = (await client.listTools()).tools.find((t) => t.name === "taprain_stats") as Tool;
    expect(tool.inputSchema.additionalProperties).toBe(false);
    const result = await callTool(client, "taprain_stats", { range: "7days", countries: "US" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "Unknown argument 'countries' for taprain_stats: did you mean 'country'? Valid arguments: range, country, offer, source, timezone, start, end, page_list, page_offset.",
    );
    const far = await callTool(client, "taprain_stats", { zzz: 1 });
    expect(textOf(far)).toBe(
      "Unknown argument 'zzz' for taprain_stats. Valid arguments: range, country, offer, source, timezone, start, end, page_list, page_offset.",
    );
  });

  test("numbers sent as strings and nulls are read as the HTTP API reads query values", async () => {
    const client = await connect({ "X-Api-Key": acme.apiKey });
    const result = await callTool(client, "taprain_stats", { range: "today", country: null, offer: "B" });
    expect((result.structuredContent as { data: { summary: unknown } }).data.summary).toEqual({ clicks: 2, leads: 1, revenue: 4, cvr: 50, epc: 2 });
  });
});

describe("credentials", () => {
  test("a request without credentials is refused with 401", async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    expect(await res.json()).toEqual({
      error: "unauthorized",
      message: "Missing credentials: send Authorization: Bearer <jwt>, X-Api-Key: <key> or Authorization: Api-Key <key>, or connect through OAuth.",
    });
    await expect(connect({})).rejects.toMatchObject({ status: 401, message: expect.stringContaining("Missing credentials") });
  });

  test("an invalid key or token is refused with 401, a JWT and key of two workspaces too", async () => {
    await expect(connect({ "X-Api-Key": "mg_live_not-a-real-key" })).rejects.toThrow(/The API key is invalid/);
    await expect(connect({ Authorization: "Bearer abc.def.ghi" })).rejects.toThrow(/The token is invalid/);
    await expect(connect({ Authorization: `Bearer ${acme.token}`, "X-Api-Key": globex.apiKey })).rejects.toThrow(/different workspaces/);
  });

  test("a suspended workspace is refused with 403", async () => {
    const frozen = await server.workspace("frozen");
    await server.runtime.accounts.setSuspended("frozen", true);
    await expect(connect({ "X-Api-Key": frozen.apiKey })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Workspace \\"frozen\\" is suspended.'),
    });
  });

  test("GET /mcp is 405 (stateless server: no stream to open)", async () => {
    const res = await fetch(`${server.url}/mcp`, { headers: { "X-Api-Key": acme.apiKey } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });

  test("each family keeps its own rule: Tapemetric needs a JWT, Taprain an API key, CDP either", { timeout: 180_000 }, async () => {
    const keyOnly = await connect({ "X-Api-Key": acme.apiKey });
    const jwtOnly = await connect({ Authorization: `Bearer ${acme.token}` });
    const apiKeyScheme = await connect({ Authorization: `Api-Key ${acme.apiKey}` });
    const needJwt =
      "Tapemetric tools need a JWT (the Tapemetric API accepts no API key): connect with Authorization: Bearer <jwt>, or start remote mode with --token.";
    const needKey =
      "Taprain tools need an API key (the Taprain API accepts no JWT): connect with X-Api-Key: <key>, or start remote mode with --api-key.";
    const refused = (text: string) => text === needJwt || text === needKey;
    let checked = 0;
    for (const endpoint of CATALOG) {
      const viaKey = textOf(await callTool(keyOnly, endpoint.name, {}));
      const viaJwt = textOf(await callTool(jwtOnly, endpoint.name, {}));
      const viaScheme = textOf(await callTool(apiKeyScheme, endpoint.name, {}));
      if (endpoint.family === "tapemetric") {
        expect([viaKey, viaScheme, refused(viaJwt)]).toEqual([needJwt, needJwt, false]);
        checked++;
      } else if (endpoint.family === "taprain") {
        expect([viaJwt, refused(viaKey), refused(viaScheme)]).toEqual([needKey, false, false]);
        checked++;
      } else {
        expect([refused(viaKey), refused(viaJwt), refused(viaScheme)], endpoint.name).toEqual([false, false, false]);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("workspace isolation", () => {
  test("globex's credentials only ever see globex's data", { timeout: 180_000 }, async () => {
    const client = await connect(both(globex));
    const stats = await callTool(client, "taprain_stats", { range: "today" });
    const data = (stats.structuredContent as { data: { summary: unknown; by_country: unknown[] } }).data;
    expect(data.summary).toEqual({ clicks: 1, leads: 0, revenue: 0, cvr: 0, epc: 0 });
    expect(data.by_country).toEqual([{ country: "DE", clicks: 1, leads: 0, revenue: 0, cvr: 0, epc: 0 }]);
    for (const endpoint of CATALOG) {
      const http = await httpAnswer(server.url, endpoint, {}, familyHeaders(endpoint, globex));
      expectSameAnswer(await callTool(client, endpoint.name, {}), http, `globex ${endpoint.name}`);
    }
  });
});

describe("rate limits", () => {
  test("each tool call counts against the caller's key like an API request; listing tools does not", async () => {
    const client = await connect({ "X-Api-Key": globex.apiKey });
    const before = await server.get("/api/v1/stats", { "X-Api-Key": globex.apiKey });
    const r0 = Number(before.headers.get("ratelimit-remaining"));
    await client.listTools();
    const first = await callTool(client, "taprain_stats", {});
    const second = await callTool(client, "taprain_stats", { range: "hour" });
    expect((first.structuredContent as { meta: { requests_remaining: number } }).meta.requests_remaining).toBe(r0 - 1);
    expect((second.structuredContent as { meta: { requests_remaining: number } }).meta.requests_remaining).toBe(r0 - 2);
    const after = await server.get("/api/v1/stats", { "X-Api-Key": globex.apiKey });
    expect(Number(after.headers.get("ratelimit-remaining"))).toBe(r0 - 3);
  });

  test("over the limit a tool call is a tool error with the API's 429 sentence", async () => {
    const small = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: 2, windowMs: 60_000 } } });
    try {
      const creds = await small.workspace("tiny");
      const client = await connect({ "X-Api-Key": creds.apiKey }, small.url);
      expect((await callTool(client, "taprain_stats", {})).isError ?? false).toBe(false);
      expect((await callTool(client, "taprain_stats", {})).isError ?? false).toBe(false);
      const over = await callTool(client, "taprain_stats", {});
      expect(over.isError).toBe(true);
      expect(textOf(over)).toMatch(/^Rate limit exceeded\. Retry in \d+ seconds\.$/);
      const http = await small.get("/api/v1/stats", { "X-Api-Key": creds.apiKey });
      expect(http.status).toBe(429);
      expect(errorSentence(http.body)).toMatch(/^Rate limit exceeded\. Retry in \d+ seconds\.$/);
    } finally {
      await small.close();
    }
  });
});

describe("large answers", () => {
  test("a body over the budget is cut at its longest list, and the text says how", async () => {
    const wide = await server.workspace("wide");
    // 2,000 clicks today on 2,000 offers: by_offer alone is about 140 KB of JSON.
    const clicks = Array.from({ length: 2000 }, (_, i) => ({
      click_id: `w${i}`,
      ts: "2026-03-18T12:00:00Z",
      country: "US",
      offer: `offer-${String(i).padStart(4, "0")}`,
    }));
    await server.insert("wide", "tr_clicks", clicks);
    const client = await connect({ "X-Api-Key": wide.apiKey });
    const result = await callTool(client, "taprain_stats", { range: "today" });
    expect(result.isError ?? false).toBe(false);
    const body = result.structuredContent as { data: { by_offer: { offer: string }[]; summary: { clicks: number } } };
    const kept = body.data.by_offer.length;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(2000);
    expect(body.data.summary.clicks).toBe(2000);
    expect(body.data.by_offer.slice(0, 3).map((r) => r.offer)).toEqual(["offer-0000", "offer-0001", "offer-0002"]);
    const text = textOf(result);
    expect(text.split("\n")[0]).toBe(
      `[cut to stay under about 25,000 tokens: data.by_offer shows items 0–${kept - 1} of 2000; next page: taprain_stats {"range":"today","page_list":"data.by_offer","page_offset":${kept}}.]`,
    );
    // The text shows exactly the rows the structured content keeps.
    expect(text).toContain(`data.by_offer (${kept} rows):`);
    expect(estimateTokens(JSON.stringify(body), text)).toBeLessThanOrEqual(24_000);
  });
});

describe("resources and prompts", () => {
  test("the metric definitions resource covers every tool", async () => {
    const client = await connect(both(acme));
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(["metrigate://metrics"]);
    const read = await client.readResource({ uri: "metrigate://metrics" });
    const text = (read.contents[0] as { text: string }).text;
    expect(text).toContain("**EPC** (earnings per click): revenue ÷ clicks");
    for (const endpoint of CATALOG) expect(text).toContain(`### ${endpoint.name} — ${endpoint.title}`);
    expect(text).toContain("- `data.summary.cvr`: leads ÷ clicks × 100, 4 decimals; 0 without clicks.");
  });

  test("the weekly KPI review prompt names the tools it uses", async () => {
    const client = await connect(both(acme));
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["investigate_change", "weekly_kpi_review"]);
    const prompt = await client.getPrompt({ name: "weekly_kpi_review", arguments: { focus: "revenue" } });
    const text = (prompt.messages[0].content as { text: string }).text;
    expect(text).toContain('Call `taprain_stats` with range "7days"');
    expect(text).toContain("Give extra weight to: revenue.");
    for (const match of text.matchAll(/Call `([a-z_]+)`/g)) expect(endpointByName(match[1])).toBeDefined();
  });
});
