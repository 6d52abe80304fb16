// The Tapemetric API over BENCH_EVENTS demo sessions (default 10 million): overview?range=30d and
// concurrency?range=24h&interval=15 uncached through HTTP against the same answers written by hand as one
// DuckDB statement each, plus the other read endpoints for scale; with BENCH_STORE=clickhouse on ClickHouse too.

import { seedTapemetric } from "../shared/seed/tapemetric.ts";
import { benchEvents, benchServer, httpGet, reportStores, sqlTimer, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const nowMs = Date.parse(NOW);

// overview?range=30d (users by their interned key, as the endpoint counts them): MAU and watch time of [now − 30d, now) and of the 30 days before, subscriptions
// active at now and at the range start.
const ACTIVE_NOW = "started_at <= $now::TIMESTAMP AND (ended_at IS NULL OR ended_at > $now::TIMESTAMP)";
const ACTIVE_AT_START = "started_at <= $start::TIMESTAMP AND (ended_at IS NULL OR ended_at > $start::TIMESTAMP)";
const OVERVIEW_BY_HAND = `
  SELECT * FROM
    (SELECT count(DISTINCT user_key) FILTER (WHERE started_at >= $start::TIMESTAMP) AS mau,
            count(DISTINCT user_key) FILTER (WHERE started_at < $start::TIMESTAMP) AS mau_before,
            sum(watch_seconds) FILTER (WHERE started_at >= $start::TIMESTAMP) AS watch,
            sum(watch_seconds) FILTER (WHERE started_at < $start::TIMESTAMP) AS watch_before
     FROM tm_sessions
     WHERE workspace_id = $ws AND started_at >= $before::TIMESTAMP AND started_at < $now::TIMESTAMP),
    (SELECT count(DISTINCT user_id) FILTER (WHERE ${ACTIVE_NOW}) AS subs,
            count(DISTINCT user_id) FILTER (WHERE ${ACTIVE_AT_START}) AS subs_before,
            sum(price_inr) FILTER (WHERE ${ACTIVE_NOW}) AS revenue,
            sum(price_inr) FILTER (WHERE ${ACTIVE_AT_START}) AS revenue_before,
            count(*) FILTER (WHERE ${ACTIVE_AT_START}) AS active_at_start,
            count(*) FILTER (WHERE ${ACTIVE_AT_START} AND ended_at < $now::TIMESTAMP) AS churned
     FROM tm_subscriptions
     WHERE workspace_id = $ws)`;

// concurrency?range=24h&interval=15 at a now on a quarter hour: 97 points from now − 24h; each session
// adds 1 from the first point at or after its start and removes it from the first at or after its end.
const CONCURRENCY_BY_HAND = `
  WITH changes AS (
    SELECT k, sum(d) AS d FROM (
      SELECT greatest(0, (epoch_us(started_at) - $first_us::BIGINT + 899999999) // 900000000) AS k, 1 AS d
      FROM tm_sessions
      WHERE workspace_id = $ws AND started_at <= $now::TIMESTAMP AND (ended_at IS NULL OR ended_at > $first::TIMESTAMP)
      UNION ALL
      SELECT greatest(0, (epoch_us(ended_at) - $first_us::BIGINT + 899999999) // 900000000), -1
      FROM tm_sessions
      WHERE workspace_id = $ws AND started_at <= $now::TIMESTAMP AND ended_at > $first::TIMESTAMP AND ended_at <= $now::TIMESTAMP
    ) GROUP BY k
  )
  SELECT p.k, sum(coalesce(c.d, 0)) OVER (ORDER BY p.k) AS value
  FROM range(0, 97) p(k) LEFT JOIN changes c ON c.k = p.k
  ORDER BY p.k`;

async function measure(store: BenchStore, context: BenchContext, sessions: number): Promise<Row[]> {
  // The seeder makes 98 % of its scale as sessions.
  const scale = Math.ceil(sessions / 0.98);
  const server = await benchServer({
    name: `tapemetric-${sessions}`,
    now: NOW,
    cacheTtl: 0,
    store,
    context,
    async prepare(runtime) {
      await runtime.accounts.createWorkspace("bench", { plan: "enterprise" });
      await seedTapemetric(runtime.store, { workspaceId: "bench", scale, nowMs, seed: 20260318 });
    },
  });
  try {
    const ws = store === "duckdb" ? "$ws" : "{ws:String}";
    const [counts] = await server.runtime.store.query<{ sessions: number; playing: number }>(
      `SELECT count(*) AS sessions, sum(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) AS playing FROM tm_sessions WHERE workspace_id = ${ws}`,
      { ws: "bench" },
    );
    console.log(`  ${store}: ${Number(counts.sessions).toLocaleString("en-US")} sessions (${Number(counts.playing).toLocaleString("en-US")} still playing)`);
    const { token } = await server.runtime.accounts.issueServiceToken("bench", "bench");
    const headers = { Authorization: `Bearer ${token}` };
    const api = (path: string) => () => httpGet(`${server.url}${path}`, headers);
    const rows: Row[] = [];
    // The hand-written statements are DuckDB SQL: the references of the DuckDB figures.
    const first = nowMs - DAY_MS;
    const overviewSql =
      store === "duckdb"
        ? await time(sqlTimer(server.runtime, OVERVIEW_BY_HAND, { ws: "bench", now: NOW, start: iso(nowMs - 30 * DAY_MS), before: iso(nowMs - 60 * DAY_MS) }), 15)
        : undefined;
    const concurrencySql =
      store === "duckdb" ? await time(sqlTimer(server.runtime, CONCURRENCY_BY_HAND, { ws: "bench", now: NOW, first: iso(first), first_us: first * 1000 }), 15) : undefined;
    if (overviewSql) rows.push({ name: "hand-written SQL: overview 30d", timing: overviewSql });
    rows.push({ name: "GET /v1/analytics/overview?range=30d", timing: await time(api("/v1/analytics/overview?range=30d"), 15), target: 500, reference: overviewSql });
    if (concurrencySql) rows.push({ name: "hand-written SQL: concurrency 24h / 15 min", timing: concurrencySql });
    rows.push(
      {
        name: "GET /v1/analytics/concurrency?range=24h&interval=15",
        timing: await time(api("/v1/analytics/concurrency?range=24h&interval=15"), 15),
        target: 500,
        reference: concurrencySql,
      },
      { name: "GET /v1/analytics/overview?range=qtd", timing: await time(api("/v1/analytics/overview?range=qtd"), 5) },
      { name: "GET /v1/analytics/concurrency?range=qtd&interval=60", timing: await time(api("/v1/analytics/concurrency?range=qtd&interval=60"), 5) },
      { name: "GET /v1/analytics/top-content?range=30d", timing: await time(api("/v1/analytics/top-content?range=30d"), 5) },
      { name: "GET /v1/analytics/geo?range=30d", timing: await time(api("/v1/analytics/geo?range=30d"), 5) },
      { name: "GET /v1/analytics/devices?range=30d", timing: await time(api("/v1/analytics/devices?range=30d"), 5) },
    );
    return rows;
  } finally {
    await server.close();
  }
}

export async function run(context: BenchContext): Promise<void> {
  const sessions = benchEvents();
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, sessions);
  reportStores(`Tapemetric over ${sessions.toLocaleString("en-US")} sessions (uncached, through HTTP; ratio = p50 ÷ hand-written SQL p50)`, byStore);
}
