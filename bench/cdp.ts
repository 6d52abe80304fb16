// GET /api/analytics/overlap/ over 50 segments and BENCH_CDP_ROWS membership rows (default 5 million),
// uncached through HTTP, against the same answer written by hand as one DuckDB statement; segments/ over the
// same rows for scale; with BENCH_STORE=clickhouse on ClickHouse too.

import { numberedSegments, seedAudience } from "../shared/seed/cdp.ts";
import { benchServer, httpGet, reportStores, sqlTimer, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";
const SEGMENTS = 50;

// The store keeps one row per (segment, member): current members of active segments, paired on the
// member's interned key as the endpoint does, the top 20.
const OVERLAP_BY_HAND = `
  WITH cur AS MATERIALIZED (
    SELECT segment_id, member_key
    FROM cdp_memberships
    WHERE workspace_id = $ws AND joined_at <= $now::TIMESTAMP AND (left_at IS NULL OR left_at > $now::TIMESTAMP)
      AND segment_id IN (SELECT segment_id FROM cdp_segments WHERE workspace_id = $ws AND active)
  ),
  sizes AS (SELECT segment_id, count(*) AS n FROM cur GROUP BY segment_id)
  SELECT a.segment_id AS seg_a_id, b.segment_id AS seg_b_id, count(*) AS overlap,
         round(count(*) * 100.0 / least(any_value(sa.n), any_value(sb.n)), 1) AS overlap_pct
  FROM cur a
  JOIN cur b ON a.member_key = b.member_key AND a.segment_id < b.segment_id
  JOIN sizes sa ON sa.segment_id = a.segment_id
  JOIN sizes sb ON sb.segment_id = b.segment_id
  GROUP BY a.segment_id, b.segment_id
  ORDER BY overlap DESC, seg_a_id, seg_b_id
  LIMIT 20`;

async function measure(store: BenchStore, context: BenchContext, rowCount: number): Promise<Row[]> {
  const members = Math.ceil(rowCount / 5);
  const server = await benchServer({
    name: `cdp-${SEGMENTS}x${rowCount}`,
    now: NOW,
    cacheTtl: 0,
    store,
    context,
    async prepare(runtime) {
      await runtime.accounts.createWorkspace("bench", { plan: "enterprise" });
      await seedAudience(runtime.store, {
        workspaceId: "bench",
        segments: numberedSegments(SEGMENTS),
        rows: rowCount,
        members,
        nowMs: Date.parse(NOW),
        seed: 20260318,
      });
    },
  });
  try {
    const ws = store === "duckdb" ? "$ws" : "{ws:String}";
    const [counts] = await server.runtime.store.query<{ rows: number; members: number; segments: number }>(
      `SELECT count(*) AS rows, count(DISTINCT member_id) AS members, count(DISTINCT segment_id) AS segments
       FROM cdp_memberships WHERE workspace_id = ${ws}`,
      { ws: "bench" },
    );
    console.log(
      `  ${store}: ${counts.rows.toLocaleString("en-US")} membership rows of ${counts.members.toLocaleString("en-US")} members in ${counts.segments} segments`,
    );
    const apiKey = await server.runtime.accounts.createApiKey("bench", "read");
    const headers = { "X-Api-Key": apiKey };
    const api = (path: string) => () => httpGet(`${server.url}${path}`, headers);
    // The hand-written statement is DuckDB SQL: the reference of the DuckDB figures.
    const hand = store === "duckdb" ? await time(sqlTimer(server.runtime, OVERLAP_BY_HAND, { ws: "bench", now: NOW }), 10) : undefined;
    return [
      ...(hand ? [{ name: "hand-written SQL: overlap", timing: hand }] : []),
      { name: "GET /api/analytics/overlap/", timing: await time(api("/api/analytics/overlap/"), 10), target: 1000, reference: hand },
      { name: "GET /api/analytics/segments/", timing: await time(api("/api/analytics/segments/"), 5) },
      { name: "GET /api/analytics/overview/", timing: await time(api("/api/analytics/overview/"), 5) },
    ];
  } finally {
    await server.close();
  }
}

export async function run(context: BenchContext): Promise<void> {
  const rowCount = Number(process.env.BENCH_CDP_ROWS ?? 5_000_000);
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, rowCount);
  reportStores(`CDP over ${SEGMENTS} segments and ${rowCount.toLocaleString("en-US")} membership rows (uncached, through HTTP; ratio = p50 ÷ hand-written SQL p50)`, byStore);
}
