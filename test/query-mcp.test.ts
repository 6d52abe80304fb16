// The two questions, answered by the SDK's own MCP client over /mcp of a real server: it finds the
// filter values with <family>_dimension_values, then asks <family>_query (CONTRACT §17).

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { callTool, textOf } from "./support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;
let client: Client;

const conversion = (id: string, ts: string, country: string, offer: string, source: string, revenue: number) => ({ conversion_id: id, ts, country, offer, source, revenue });

beforeAll(async () => {
  server = await startTestServer({ now: "2026-04-02T15:00:00Z" });
  acme = await server.workspace("acme");
  await server.insert("acme", "tr_conversions", [
    conversion("q1", "2026-01-06T15:00:00Z", "US", "Freecash CPI", "TikTok Ads", 10), // week of Mon 2026-01-05
    conversion("q2", "2026-02-17T15:00:00Z", "US", "Freecash CPI", "TikTok Ads", 5), //  week of 2026-02-16
    conversion("q3", "2026-02-18T15:00:00Z", "US", "Swagbucks", "TikTok Ads", 7), //     week of 2026-02-16
    conversion("q4", "2026-02-18T15:00:00Z", "GB", "Swagbucks", "TikTok Ads", 100), //   not US
    conversion("q5", "2026-02-18T15:00:00Z", "US", "Swagbucks", "google", 100), //       not tiktok
    conversion("p1", "2025-10-07T15:00:00Z", "US", "Freecash CPI", "TikTok Ads", 20), // Q4 2025, its second week
  ]);
  await server.insert("acme", "tr_clicks", [{ click_id: "k1", ts: "2026-01-06T14:00:00Z", country: "US", offer: "Freecash CPI", source: "TikTok Ads" }]);
  await server.insert("acme", "tm_sessions", [
    { session_id: "s1", user_id: "u1", content_id: "m1", device: "tv", region: "Maharashtra", pop: "ap-south-1", started_at: "2026-04-01T20:10:00Z", watch_seconds: 5400, completed: true },
    { session_id: "s2", user_id: "u2", content_id: "m1", device: "mobile", region: "Maharashtra", pop: "ap-south-1", started_at: "2026-04-01T20:40:00Z", watch_seconds: 1800, completed: false },
    { session_id: "s3", user_id: "u3", content_id: "m1", device: "mobile", region: "Maharashtra", pop: "ap-south-1", started_at: "2026-04-01T21:05:00Z", watch_seconds: 3600, completed: false },
    { session_id: "s4", user_id: "u4", content_id: "m1", device: "mobile", region: "Kerala", pop: "ap-south-1", started_at: "2026-04-01T21:05:00Z", watch_seconds: 3600, completed: false },
  ]);
  client = new Client({ name: "assistant", version: "1.0.0" });
  const headers = { Authorization: `Bearer ${acme.token}`, "X-Api-Key": acme.apiKey };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
});

afterAll(async () => {
  await client.close();
  await server.close();
});

test("the tools are listed with descriptions that send open questions to them", async () => {
  const { tools } = await client.listTools();
  for (const name of ["taprain_query", "taprain_dimension_values", "tapemetric_query", "tapemetric_dimension_values", "cdp_query", "cdp_dimension_values"]) {
    const tool = tools.find((t) => t.name === name);
    expect(tool?.annotations?.readOnlyHint, name).toBe(true);
    expect(tool?.description, name).toMatch(name.endsWith("_query") ? /open questions/ : /exact name to filter/);
  }
});

test("revenue by offer for US tiktok traffic, per week, last quarter, against the quarter before", async () => {
  const sources = await callTool(client, "taprain_dimension_values", { dimension: "source", range: "custom", start: "2026-01-01", end: "2026-03-31" });
  const found = (sources.structuredContent as { values: { value: string }[] }).values.map((v) => v.value).filter((v) => v.toLowerCase().includes("tiktok"));
  expect(found).toEqual(["TikTok Ads"]);
  const result = await callTool(client, "taprain_query", {
    metrics: ["revenue"],
    dimensions: ["offer", "time:week"],
    filters: [["country", "is", ["US"]], ["source", "is", found]],
    range: "custom",
    start: "2026-01-01",
    end: "2026-03-31",
    compare: "previous_period",
  });
  expect(result.isError ?? false, textOf(result)).toBe(false);
  const answer = result.structuredContent as {
    results: { dimensions: string[]; metrics: number[]; comparison: { metrics: number[]; change: (number | null)[] } }[];
    meta: { total_rows: number; totals: number[]; comparison: { period_start: string; period_end: string; totals: number[]; change: number[] } };
  };
  // 14 ISO weeks (2025-12-29 … 2026-03-30) for each of the two offers seen.
  expect(answer.meta.total_rows).toBe(28);
  const withRevenue = answer.results.filter((r) => r.metrics[0] > 0 || r.comparison.metrics[0] > 0);
  expect(withRevenue).toEqual([
    // Q4 2025 starts on Wednesday 2025-10-01: its second week (10-06) lines up with Q1's second (01-05).
    { dimensions: ["Freecash CPI", "2026-01-05"], metrics: [10], comparison: { metrics: [20], change: [-50] } },
    { dimensions: ["Freecash CPI", "2026-02-16"], metrics: [5], comparison: { metrics: [0], change: [null] } },
    { dimensions: ["Swagbucks", "2026-02-16"], metrics: [7], comparison: { metrics: [0], change: [null] } },
  ]);
  expect(answer.meta.totals).toEqual([22]);
  expect(answer.meta.comparison).toEqual({
    period_start: "2025-10-01T04:00:00.000Z",
    period_end: "2026-01-01T05:00:00.000Z",
    totals: [20],
    change: [10],
  });
  expect(textOf(result)).toContain("Freecash CPI");
});

test('format "csv" answers the text as CSV with a header, the structured answer still JSON', async () => {
  const args = { metrics: ["revenue"], dimensions: ["offer"], range: "custom", start: "2026-01-01", end: "2026-03-31", order_by: "offer" };
  const result = await callTool(client, "taprain_query", { ...args, format: "csv" });
  expect(result.isError ?? false, textOf(result)).toBe(false);
  expect(textOf(result)).toBe("offer,revenue\r\nFreecash CPI,15\r\nSwagbucks,207\r\n");
  expect((result.structuredContent as { results: unknown[] }).results).toEqual([
    { dimensions: ["Freecash CPI"], metrics: [15] },
    { dimensions: ["Swagbucks"], metrics: [207] },
  ]);
  const http = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { "X-Api-Key": acme.apiKey, "content-type": "application/json" }, body: JSON.stringify({ ...args, format: "csv" }) });
  expect(await http.text()).toBe(textOf(result));
  // A page of the rows keeps the header; rows the query's own limit left out are counted first.
  const paged = await callTool(client, "taprain_query", { ...args, format: "csv", page_list: "results", page_offset: 1 });
  expect(textOf(paged).split("\n").slice(-3)).toEqual(["offer,revenue\r", "Swagbucks,207\r", ""]);
  const limited = await callTool(client, "taprain_query", { ...args, format: "csv", limit: 1 });
  expect(textOf(limited)).toBe("[2 rows in all; limit and offset choose the ones below.]\noffer,revenue\r\nFreecash CPI,15\r\n");
});

test("watch hours by device in Maharashtra yesterday, hour by hour", async () => {
  const regions = await callTool(client, "tapemetric_dimension_values", { dimension: "region", range: "7d" });
  expect((regions.structuredContent as { values: { value: string; count: number }[] }).values).toEqual([
    { value: "Maharashtra", count: 3 },
    { value: "Kerala", count: 1 },
  ]);
  const result = await callTool(client, "tapemetric_query", {
    metrics: ["watch_hours"],
    dimensions: ["device", "time:hour"],
    filters: "region is Maharashtra",
    range: "custom",
    start: "2026-04-01",
    end: "2026-04-01",
  });
  expect(result.isError ?? false, textOf(result)).toBe(false);
  const answer = result.structuredContent as { results: { dimensions: string[]; metrics: number[] }[]; meta: { total_rows: number; totals: number[] } };
  expect(answer.meta).toMatchObject({ total_rows: 48, totals: [3] });
  expect(answer.results.filter((r) => r.metrics[0] > 0)).toEqual([
    { dimensions: ["mobile", "2026-04-01 20:00"], metrics: [0.5] }, // s2
    { dimensions: ["tv", "2026-04-01 20:00"], metrics: [1.5] }, // s1
    { dimensions: ["mobile", "2026-04-01 21:00"], metrics: [1] }, // s3 (s4 is Kerala)
  ]);
});

test("a bad term is a tool error with the HTTP API's sentence", async () => {
  const result = await callTool(client, "cdp_query", { metrics: ["revenue"] });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toBe('Unknown metric "revenue" in \'metrics\'. Allowed metrics: events, active_members, new_members.');
});
