// The query API beside the fixed endpoints over BENCH_EVENTS demo events per API (default 10 million),
// uncached through HTTP: the same 30-day question asked both ways, and an open question the fixed
// endpoints cannot answer — on DuckDB, and with BENCH_STORE=clickhouse on ClickHouse too.

import { seedWorkspace } from "../shared/seed/demo.ts";
import { benchEvents, benchServer, httpGet, reportStores, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

async function measure(store: BenchStore, context: BenchContext, events: number): Promise<Row[]> {
  // The same database as the taprain suite (the demo seeder makes 96 % of its scale as clicks).
  const scale = Math.ceil(events / 0.96);
  const server = await benchServer({
    name: `taprain-${events}`,
    now: NOW,
    cacheTtl: 0,
    store,
    context,
    prepare: (runtime) => seedWorkspace(runtime, { workspaceId: "bench", scale, nowMs: Date.parse(NOW) }),
  });
  try {
    const ws = store === "duckdb" ? "$ws" : "{ws:String}";
    const [counts] = await server.runtime.store.query<{ clicks: number; sessions: number; events: number }>(
      `SELECT (SELECT count(*) FROM tr_clicks WHERE workspace_id = ${ws}) AS clicks,
              (SELECT count(*) FROM tm_sessions WHERE workspace_id = ${ws}) AS sessions,
              (SELECT count(*) FROM cdp_events WHERE workspace_id = ${ws}) AS events`,
      { ws: "bench" },
    );
    console.log(`  ${store}: ${counts.clicks.toLocaleString("en-US")} clicks, ${counts.sessions.toLocaleString("en-US")} sessions, ${counts.events.toLocaleString("en-US")} CDP events`);
    const key = { "X-Api-Key": await server.runtime.accounts.currentApiKey("bench") };
    const jwt = { Authorization: `Bearer ${(await server.runtime.accounts.issueServiceToken("bench", "bench")).token}` };
    const n = 10;
    const stats = await time(() => httpGet(`${server.url}/api/v1/stats?range=30days`, key), n);
    const geo = await time(() => httpGet(`${server.url}/v1/analytics/geo?range=30d`, jwt), n);
    return [
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
  } finally {
    await server.close();
  }
}

export async function run(context: BenchContext): Promise<void> {
  const events = benchEvents();
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, events);
  reportStores(`Query API over ${events.toLocaleString("en-US")} events per API (through HTTP, uncached; ratio = p50 ÷ the fixed endpoint's p50)`, byStore);
}
