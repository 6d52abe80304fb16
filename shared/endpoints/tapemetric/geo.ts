// GET /v1/analytics/geo (CONTRACT §9.5): watch time, viewers and share of watch time per region.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { limitParam, offsetParam } from "../../catalog/params.ts";
import { percentOf, rangeBounds, rangeParam, watchHours } from "./range.ts";

const params = z.object({ range: rangeParam("7d"), limit: limitParam(50), offset: offsetParam() });

const response = z.array(
  z.object({
    region: z.string(),
    watch_hours: z.number().describe("Watch time of the range's sessions in the region, hours, 1 decimal."),
    viewers: z.number().int().describe("Distinct users in the region."),
    share_pct: z.number().describe("The region's share of the range's watch time, percent, 1 decimal."),
  }),
);

// The total is taken over every region before the page is cut, so shares are of the whole range.
const GEO_SQL = {
  duckdb: `
  SELECT region, sum(watch_seconds)::DOUBLE AS watch, count(DISTINCT user_key) AS viewers,
         (sum(sum(watch_seconds)) OVER ())::DOUBLE AS total
  FROM tm_sessions
  WHERE workspace_id = $ws AND started_at >= $start::TIMESTAMP AND started_at < $end::TIMESTAMP
  GROUP BY region
  ORDER BY watch DESC, region ASC
  LIMIT $limit OFFSET $offset`,
  clickhouse: `
  SELECT region, sum(watch_seconds) AS watch, uniqExact(user_id) AS viewers, sum(sum(watch_seconds)) OVER () AS total
  FROM tm_sessions FINAL
  WHERE workspace_id = {ws:String} AND started_at >= {start:DateTime64(3, 'UTC')} AND started_at < {end:DateTime64(3, 'UTC')}
  GROUP BY region
  ORDER BY watch DESC, region ASC
  LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
};

export const geoEndpoint = defineEndpoint({
  name: "tapemetric_geo",
  family: "tapemetric",
  title: "Viewing by region",
  description:
    "Watch hours, distinct viewers and share of watch time per region (e.g. Indian state) for sessions started " +
    "in the range, by watch time. Page with limit and offset.",
  method: "GET",
  path: "/v1/analytics/geo",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_GEO",
  async compute(ctx, p) {
    const rows = await ctx.store.query<{ region: string; watch: number; viewers: number; total: number }>(GEO_SQL[ctx.store.dialect], {
      ...rangeBounds(p.range, ctx.now.getTime()),
      limit: p.limit,
      offset: p.offset,
    });
    return rows.map((r) => ({
      region: r.region,
      watch_hours: watchHours(r.watch),
      viewers: r.viewers,
      share_pct: percentOf(r.watch, r.total),
    }));
  },
});
