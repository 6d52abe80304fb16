// GET /api/v1/stats over BENCH_EVENTS demo clicks (default 10 million) and their conversions: range=30days
// uncached and cached through HTTP, against the same aggregation written by hand as one DuckDB statement;
// with BENCH_STORE=clickhouse the endpoint on ClickHouse too.

import { CATALOG } from "../shared/catalog/index.ts";
import { seedWorkspace } from "../shared/seed/demo.ts";
import { benchEvents, benchServer, httpGet, reportStores, sqlTimer, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";

// 30days in New York at NOW: [2026-02-17 00:00 EST, now); EDT from 2026-03-08T07:00Z. The hand-written
// statement knows these instants in advance and buckets with plain arithmetic instead of a lookup.
const DAY = "(epoch_ms(ts) - CASE WHEN ts < $switch::TIMESTAMP THEN 18000000 ELSE 14400000 END) // 86400000";
const WINDOW = "workspace_id = $ws AND ts >= $start::TIMESTAMP AND ts < $end::TIMESTAMP";
const SETS = "GROUPING(day, country, source, offer) AS g, day, country, source, offer";
const HAND_TUNED = `
  WITH c AS (
    SELECT ${SETS}, count(*) AS clicks, 0 AS leads, 0.0::DOUBLE AS revenue
    FROM (SELECT ${DAY} AS day, country, source, offer FROM tr_clicks WHERE ${WINDOW})
    GROUP BY GROUPING SETS ((day), (country), (source), (offer), ())
  ), v AS (
    SELECT ${SETS}, 0, count(*), sum(revenue)::DOUBLE
    FROM (SELECT ${DAY} AS day, country, source, offer, revenue FROM tr_conversions WHERE ${WINDOW})
    GROUP BY GROUPING SETS ((day), (country), (source), (offer), ())
  )
  SELECT g, day, country, source, offer, sum(clicks)::BIGINT AS clicks, sum(leads)::BIGINT AS leads, sum(revenue) AS revenue
  FROM (SELECT * FROM c UNION ALL SELECT * FROM v)
  GROUP BY g, day, country, source, offer`;

async function measure(store: BenchStore, context: BenchContext, clicks: number): Promise<Row[]> {
  // The demo seeder makes 96 % of its scale as clicks.
  const scale = Math.ceil(clicks / 0.96);
  const prepare = async (runtime: Parameters<Parameters<typeof benchServer>[0]["prepare"]>[0]) => {
    await seedWorkspace(runtime, { workspaceId: "bench", scale, nowMs: Date.parse(NOW) });
  };
  const name = `taprain-${clicks}`;
  const uncached = await benchServer({ name, now: NOW, cacheTtl: 0, prepare, store, context });
  const ws = store === "duckdb" ? "$ws" : "{ws:String}";
  const [counts] = await uncached.runtime.store.query<{ clicks: number; leads: number }>(
    `SELECT (SELECT count(*) FROM tr_clicks WHERE workspace_id = ${ws}) AS clicks,
            (SELECT count(*) FROM tr_conversions WHERE workspace_id = ${ws}) AS leads`,
    { ws: "bench" },
  );
  console.log(`  ${store}: ${counts.clicks.toLocaleString("en-US")} clicks, ${counts.leads.toLocaleString("en-US")} conversions`);
  const apiKey = await uncached.runtime.accounts.currentApiKey("bench");
  const headers = { "X-Api-Key": apiKey };
  const statsUrl = (base: string) => `${base}/api/v1/stats?range=30days`;
  const rows: Row[] = [];
  // The hand-tuned statement is DuckDB SQL: the reference of the DuckDB figures.
  const hand =
    store === "duckdb"
      ? await time(sqlTimer(uncached.runtime, HAND_TUNED, { ws: "bench", start: "2026-02-17T05:00:00Z", end: NOW, switch: "2026-03-08T07:00:00Z" }), 15)
      : undefined;
  if (hand) rows.push({ name: "hand-tuned SQL, one statement (30days)", timing: hand });
  rows.push({ name: "GET /api/v1/stats?range=30days (uncached)", timing: await time(() => httpGet(statsUrl(uncached.url), headers), 15), target: 300, reference: hand });
  await uncached.close();
  const cached = await benchServer({ name, now: NOW, cacheTtl: 600, prepare, store, context });
  rows.push({ name: "GET /api/v1/stats?range=30days (cached)", timing: await time(() => httpGet(statsUrl(cached.url), headers), 100), target: 5 });
  // The same cache hit without HTTP, key verification and the rate limiter: what the cached figure is made of.
  const workspace = await cached.runtime.accounts.requireWorkspace("bench");
  const stats = CATALOG.find((e) => e.name === "taprain_stats");
  if (stats) {
    const hit = () => cached.runtime.engine.run(stats, workspace, { range: "30days" });
    rows.push({ name: "  of which engine cache hit", timing: await time(hit, 100) });
  }
  rows.push({ name: "  of which API-key verification", timing: await time(() => cached.runtime.accounts.verifyApiKey(apiKey), 100) });
  const principal = await cached.runtime.accounts.verifyApiKey(apiKey);
  rows.push({ name: "  of which rate limiter (Bottleneck)", timing: await time(() => cached.runtime.limits.consume(principal), 100) });
  await cached.close();
  return rows;
}

export async function run(context: BenchContext): Promise<void> {
  const clicks = benchEvents();
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, clicks);
  reportStores(`Taprain stats over ${clicks.toLocaleString("en-US")} clicks (through HTTP; ratio = p50 ÷ hand-tuned SQL p50)`, byStore);
}
