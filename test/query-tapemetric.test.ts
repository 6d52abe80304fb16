// Tapemetric query API (CONTRACT §17) over a hand-made fixture: every metric and dimension in UTC buckets,
// the catalogue join, comparison, the issue's "watch hours by device in Maharashtra yesterday, hour by
// hour", and the same numbers as the fixed geo and top-content endpoints. Sessions t1… are in
// support/query-fixtures.ts.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postQuery } from "./support/query.ts";
import { QUERY_NOW as NOW, TAPEMETRIC_CONTENT, TAPEMETRIC_SESSIONS as SESSIONS } from "./support/query-fixtures.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;

const query = (body: Record<string, unknown>) => postQuery(server, "tapemetric", { Authorization: `Bearer ${acme.token}` }, body);

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  await server.insert("acme", "tm_content", TAPEMETRIC_CONTENT);
  await server.insert("acme", "tm_sessions", SESSIONS);
});

afterAll(async () => {
  await server.close();
});

const ALL = ["sessions", "watch_hours", "viewers", "completion_pct", "avg_watch_minutes", "rebuffer_ratio"];

describe("rows worked out by hand", () => {
  test.each([
    {
      name: "7d unsplit: every metric",
      body: { metrics: ALL, range: "7d" },
      // t1–t4: 11,700 s = 3.25 h → 3.3; users u1 u2 u3; 2 of 4 completed; 11,700 / 4 / 60 = 48.75 → 48.8 min;
      // rebuffering 36 + 90 = 126 s of 11,700 = 1.08 % → 1.1.
      rows: [[[], [4, 3.3, 3, 50, 48.8, 1.1]]],
    },
    {
      name: "by title (unknown content keeps its id), first metric descending then title",
      body: { metrics: ["sessions", "watch_hours", "viewers", "completion_pct"], dimensions: ["title"], range: "7d" },
      rows: [
        [["Cricket Live"], [2, 0.8, 2, 50]], // t2 t3: 2,700 s = 0.75 h → 0.8
        [["Monsoon"], [1, 1, 1, 100]], // t1
        [["x9"], [1, 1.5, 1, 0]], // t4
      ],
    },
    {
      name: "by content type and content id",
      body: { metrics: ["viewers"], dimensions: ["content_type", "content_id"], range: "7d", order_by: [["content_type", "asc"]] },
      rows: [
        [["live", "s1"], [2]],
        [["movie", "m1"], [1]],
        [["unknown", "x9"], [1]],
      ],
    },
    {
      name: "by PoP: the rebuffer ratio",
      body: { metrics: ["rebuffer_ratio", "avg_watch_minutes"], dimensions: ["pop"], range: "7d" },
      rows: [
        [["ap-south-1"], [2.3, 45]], // t1 t2: 126 s of 5,400 = 2.33 %; 5,400 / 2 / 60 = 45
        [["ap-south-2"], [0, 52.5]], // t3 t4: 6,300 / 2 / 60
      ],
    },
    {
      name: "by region over 30 days",
      body: { metrics: ["watch_hours", "viewers"], dimensions: ["region"], range: "30d" },
      rows: [
        [["Maharashtra"], [3, 3]], // t1 t2 t4: 10,800 s
        [["Goa"], [2, 1]], // t5
        [["Kerala"], [0.6, 2]], // t3 t6: 2,100 s = 0.58 h; u1 u4
      ],
    },
    {
      name: "by device and UTC day, filtered to titles containing 'live' or 'MONSOON'",
      body: {
        metrics: ["sessions"],
        dimensions: ["time:day", "device"],
        range: "custom",
        start: "2026-03-16",
        end: "2026-03-17",
        filters: [["title", "contains", ["live", "MONSOON"]]],
      },
      rows: [
        // Devices seen in the period (mobile, tv) on each day; t4 (x9) is filtered out.
        [["2026-03-16", "mobile"], [0]],
        [["2026-03-16", "tv"], [0]],
        [["2026-03-17", "mobile"], [2]],
        [["2026-03-17", "tv"], [1]],
      ],
    },
    {
      name: "qtd by month, content_type is_not live",
      body: { metrics: ["sessions", "viewers"], dimensions: ["time:month"], range: "qtd", filters: [["content_type", "is_not", ["live"]]] },
      rows: [
        [["2026-01-01"], [0, 0]],
        [["2026-02-01"], [1, 1]], // t6
        [["2026-03-01"], [3, 3]], // t1 t4 t5: u1 u3 u2
      ],
    },
  ])("$name", async ({ body, rows }) => {
    const res = await query(body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { dimensions: string[]; metrics: number[] }) => [r.dimensions, r.metrics])).toEqual(rows);
    expect(res.body.meta.timezone).toBe("UTC");
  });
});

test("the issue's question: watch hours by device in Maharashtra yesterday, hour by hour", async () => {
  const res = await query({
    metrics: ["watch_hours"],
    dimensions: ["device", "time:hour"],
    filters: [["region", "is", ["Maharashtra"]]],
    range: "custom",
    start: "2026-03-17",
    end: "2026-03-17",
    order_by: [["time:hour", "asc"]],
  });
  expect(res.status).toBe(200);
  expect(res.body.meta).toMatchObject({ period_start: "2026-03-17T00:00:00Z", period_end: "2026-03-18T00:00:00Z", total_rows: 48, totals: [1.5] });
  const nonZero = res.body.results.filter((r: { metrics: number[] }) => r.metrics[0] > 0);
  expect(nonZero).toEqual([
    { dimensions: ["mobile", "2026-03-17 10:00"], metrics: [0.5] }, // t2
    { dimensions: ["tv", "2026-03-17 10:00"], metrics: [1] }, // t1
  ]);
  expect(res.body.results[0]).toEqual({ dimensions: ["mobile", "2026-03-17 00:00"], metrics: [0] });
});

test("7d against the 7 days before", async () => {
  const res = await query({ metrics: ["sessions", "watch_hours"], dimensions: ["device"], range: "7d", compare: "previous_period" });
  expect(res.body.results).toEqual([
    { dimensions: ["mobile"], metrics: [2, 0.8], comparison: { metrics: [0, 0], change: [null, null] } },
    // tv: t1 now; t5 (2026-03-10) before: 1 → 1 session, 2.0 → 1.0 h.
    { dimensions: ["tv"], metrics: [1, 1], comparison: { metrics: [1, 2], change: [0, -50] } },
    { dimensions: ["web"], metrics: [1, 1.5], comparison: { metrics: [0, 0], change: [null, null] } },
  ]);
  expect(res.body.meta.comparison).toEqual({ period_start: "2026-03-04T15:30:00Z", period_end: "2026-03-11T15:30:00Z", totals: [1, 2], change: [300, 62.5] });
});

test("the fixed endpoints' numbers: geo for 30d and top content for 7d", async () => {
  const auth = { Authorization: `Bearer ${acme.token}` };
  const geo = await server.get("/v1/analytics/geo?range=30d", auth);
  const byRegion = await query({ metrics: ["watch_hours", "viewers"], dimensions: ["region"], range: "30d", order_by: "watch_hours desc, region asc" });
  expect(byRegion.body.results).toEqual(geo.body.map((g: { region: string; watch_hours: number; viewers: number }) => ({ dimensions: [g.region], metrics: [g.watch_hours, g.viewers] })));
  const top = await server.get("/v1/analytics/top-content?range=7d", auth);
  const byContent = await query({ metrics: ["watch_hours", "completion_pct", "viewers"], dimensions: ["content_id", "title", "content_type"], range: "7d", order_by: "watch_hours desc" });
  expect(byContent.body.results).toEqual(
    top.body.map((t: { content_id: string; title: string; content_type: string; watch_hours: number; completion_pct: number; unique_viewers: number }) => ({
      dimensions: [t.content_id, t.title, t.content_type],
      metrics: [t.watch_hours, t.completion_pct, t.unique_viewers],
    })),
  );
});

describe("400s in Tapemetric's shape", () => {
  test.each([
    [{ metrics: ["clicks"] }, 'Unknown metric "clicks" in \'metrics\'. Allowed metrics: sessions, watch_hours, viewers, completion_pct, avg_watch_minutes, rebuffer_ratio.'],
    [{ range: "today" }, 'Invalid value "today" for parameter \'range\'. Allowed values: 24h, 7d, 30d, qtd, custom.'],
    [{ timezone: "Asia/Kolkata" }, "Unknown parameter 'timezone'. Allowed parameters: metrics, dimensions, range, start, end, filters, compare, order_by, limit, offset, format."],
    [{ range: "custom", start: "2026-01-01", end: "2027-01-02" }, "Parameter 'end': a custom range may cover at most 366 days, start and end included (2026-01-01 to 2027-01-02 is 367)."],
  ])("%j", async (body, message) => {
    const res = await query(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_parameter", message });
  });
});
