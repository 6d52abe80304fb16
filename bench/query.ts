// The query API beside the fixed endpoints over 10 million demo events per API, uncached through HTTP:
// the same 30-day question asked both ways, and an open question the fixed endpoints cannot answer.

import { seedWorkspace } from "../shared/seed/demo.ts";
import { benchServer, httpGet, report, time, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";
const EVENTS = 10_000_000;
// The same database as the taprain suite (the demo seeder makes 96 % of its scale as clicks).
const SCALE = Math.ceil(EVENTS / 0.96);

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

export async function run(): Promise<void> {
  const server = await benchServer({
    name: `taprain-${EVENTS}`,
    now: NOW,
    cacheTtl: 0,
    prepare: (runtime) => seedWorkspace(runtime, { workspaceId: "bench", scale: SCALE, nowMs: Date.parse(NOW) }),
  });
  const key = { "X-Api-Key": await server.runtime.accounts.currentApiKey("bench") };
  const jwt = { Authorization: `Bearer ${(await server.runtime.accounts.issueServiceToken("bench", "bench")).token}` };
  const [counts] = await server.runtime.store.query<{ clicks: number; sessions: number; events: number }>(
    `SELECT (SELECT count(*) FROM tr_clicks WHERE workspace_id = $ws) AS clicks,
            (SELECT count(*) FROM tm_sessions WHERE workspace_id = $ws) AS sessions,
            (SELECT count(*) FROM cdp_events WHERE workspace_id = $ws) AS events`,
    { ws: "bench" },
  );
  console.log(`  ${counts.clicks.toLocaleString("en-US")} clicks, ${counts.sessions.toLocaleString("en-US")} sessions, ${counts.events.toLocaleString("en-US")} CDP events`);
  const n = 10;
  const stats = await time(() => httpGet(`${server.url}/api/v1/stats?range=30days`, key), n);
  const geo = await time(() => httpGet(`${server.url}/v1/analytics/geo?range=30d`, jwt), n);
  const rows: Row[] = [
    { name: "GET /api/v1/stats?range=30days (5 sections)", timing: stats },
    {
      name: "query taprain: every metric by day, 30days",
      timing: await time(() => post(`${server.url}/v1/query/taprain`, key, { metrics: ["clicks", "leads", "revenue", "cvr", "epc"], dimensions: ["time:day"], range: "30days" }), n),
      reference: stats,
    },
    {
      name: "query taprain: revenue, clicks by offer × week, US, source ~ tiktok, vs previous 30days",
      timing: await time(
        () =>
          post(`${server.url}/v1/query/taprain`, key, {
            metrics: ["revenue", "clicks"],
            dimensions: ["offer", "time:week"],
            filters: [["country", "is", ["US"]], ["source", "contains", ["tiktok"]]],
            range: "30days",
            compare: "previous_period",
          }),
        n,
      ),
      reference: stats,
    },
    { name: "GET /v1/analytics/geo?range=30d", timing: geo },
    {
      name: "query tapemetric: watch_hours, viewers by region, 30d",
      timing: await time(() => post(`${server.url}/v1/query/tapemetric`, jwt, { metrics: ["watch_hours", "viewers"], dimensions: ["region"], range: "30d" }), n),
      reference: geo,
    },
  ];
  await server.close();
  report(`Query API over ${EVENTS.toLocaleString("en-US")} events per API (through HTTP, uncached; ratio = p50 ÷ the fixed endpoint's p50)`, rows);
}
