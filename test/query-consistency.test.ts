// The query API gives the fixed endpoints' numbers for the questions they answer (CONTRACT §17), over the
// deterministic demo data: Taprain stats sections in two zones, Tapemetric geo, devices and top content, CDP events.

import { afterAll, beforeAll, expect, test } from "vitest";
import { seedWorkspace } from "../shared/seed/demo.ts";
import { postQuery } from "./support/query.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

const NOW = "2026-03-18T15:30:00Z";
let server: TestServer;
let apiKey: string;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  const { runtime } = server;
  await seedWorkspace({ store: runtime.store, accounts: runtime.accounts }, { workspaceId: "demo", scale: 30_000, nowMs: Date.parse(NOW) });
  apiKey = await runtime.accounts.createApiKey("demo", "read");
  token = (await runtime.accounts.issueServiceToken("demo", "tests")).token;
});

afterAll(async () => {
  await server.close();
});

async function query(family: string, body: Record<string, unknown>): Promise<{ dimensions: string[]; metrics: number[] }[]> {
  const auth: Record<string, string> = family === "tapemetric" ? { Authorization: `Bearer ${token}` } : { "X-Api-Key": apiKey };
  const res = await postQuery(server, family, auth, body);
  expect(res.status, res.text).toBe(200);
  return res.body.results;
}

const METRICS = ["clicks", "leads", "revenue", "cvr", "epc"] as const;
type StatsRow = Record<(typeof METRICS)[number], number> & Record<string, string | number>;
const values = (row: StatsRow) => METRICS.map((m) => row[m]);

test.each([
  ["7days", "America/New_York"],
  ["7days", "Asia/Kolkata"],
  ["today", "Asia/Kolkata"],
  ["30days", "Europe/London"],
])("Taprain stats %s in %s: summary, time series and every breakdown", async (range, timezone) => {
  const stats = await server.get(`/api/v1/stats?range=${range}&timezone=${encodeURIComponent(timezone)}`, { "X-Api-Key": apiKey });
  const data = stats.body.data as { summary: StatsRow; time_series: StatsRow[]; by_country: StatsRow[]; by_source: StatsRow[]; by_offer: StatsRow[] };
  const base = { metrics: METRICS, range, timezone };
  expect(data.summary.clicks).toBeGreaterThan(0);
  expect(await query("taprain", base)).toEqual([{ dimensions: [], metrics: values(data.summary) }]);
  const grain = stats.body.meta.granularity === "hour" ? "time:hour" : "time:day";
  expect(await query("taprain", { ...base, dimensions: [grain] })).toEqual(data.time_series.map((r) => ({ dimensions: [r.period], metrics: values(r) })));
  for (const dimension of ["country", "source", "offer"] as const) {
    const rows = await query("taprain", { ...base, dimensions: [dimension], order_by: "revenue desc, clicks desc" });
    const section = data[`by_${dimension}`];
    expect(rows, dimension).toEqual(section.map((r) => ({ dimensions: [r[dimension]], metrics: values(r) })));
  }
});

test("Tapemetric geo (30d), devices (7d) and top content (7d)", async () => {
  const auth = { Authorization: `Bearer ${token}` };
  const geo = await server.get("/v1/analytics/geo?range=30d&limit=200", auth);
  expect(geo.body.length).toBeGreaterThan(3);
  expect(await query("tapemetric", { metrics: ["watch_hours", "viewers"], dimensions: ["region"], range: "30d", order_by: "watch_hours desc" })).toEqual(
    geo.body.map((g: { region: string; watch_hours: number; viewers: number }) => ({ dimensions: [g.region], metrics: [g.watch_hours, g.viewers] })),
  );
  const devices = await server.get("/v1/analytics/devices?range=7d", auth);
  expect(await query("tapemetric", { metrics: ["sessions"], dimensions: ["device"], range: "7d" })).toEqual(
    devices.body.map((d: { device: string; sessions: number }) => ({ dimensions: [d.device], metrics: [d.sessions] })),
  );
  const top = await server.get("/v1/analytics/top-content?range=7d&limit=200", auth);
  const byContent = await query("tapemetric", {
    metrics: ["watch_hours", "completion_pct", "viewers"],
    dimensions: ["content_id", "title", "content_type"],
    range: "7d",
    order_by: "watch_hours desc",
    limit: 200,
  });
  expect(byContent).toEqual(
    top.body.map((t: { content_id: string; title: string; content_type: string; watch_hours: number; completion_pct: number; unique_viewers: number }) => ({
      dimensions: [t.content_id, t.title, t.content_type],
      metrics: [t.watch_hours, t.completion_pct, t.unique_viewers],
    })),
  );
});

test("CDP events of the last 30 days as the overview counts them", async () => {
  const overview = await server.get("/api/analytics/overview/", { "X-Api-Key": apiKey });
  expect(overview.body.events_30d).toBeGreaterThan(0);
  expect(await query("cdp", { metrics: ["events"], range: "30d" })).toEqual([{ dimensions: [], metrics: [overview.body.events_30d] }]);
});

test("Lord Howe's half-hour clock change: both APIs put each click in the local hour it was made in", async () => {
  // 15:15Z is 01:45 (+10:30); at 15:30Z the clock jumps from 02:00 to 02:30 (+11:00): 15:45Z is 02:45, 16:15Z is 03:15.
  await server.insert("demo", "tr_clicks", ["15:15", "15:45", "16:15"].map((hm, i) => ({ click_id: `lh${i}`, ts: `2026-10-03T${hm}:00Z`, country: "AU", offer: "Howe" })));
  const day = { range: "custom", start: "2026-10-04", end: "2026-10-04", timezone: "Australia/Lord_Howe" };
  const stats = await server.get(`/api/v1/stats?${new URLSearchParams({ ...day, offer: "Howe" })}`, { "X-Api-Key": apiKey });
  const series = (stats.body.data as { time_series: { period: string; clicks: number }[] }).time_series.filter((r) => r.clicks > 0);
  expect(series.map((r) => [r.period, r.clicks])).toEqual([
    ["2026-10-04 01:00", 1],
    ["2026-10-04 02:00", 1],
    ["2026-10-04 03:00", 1],
  ]);
  const rows = await query("taprain", { metrics: ["clicks"], dimensions: ["time:hour"], filters: [["offer", "is", ["Howe"]]], ...day });
  expect(rows.filter((r) => r.metrics[0] > 0)).toEqual(series.map((r) => ({ dimensions: [r.period], metrics: [r.clicks] })));
});
