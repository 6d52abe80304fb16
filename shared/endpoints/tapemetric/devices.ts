// GET /v1/analytics/devices (CONTRACT §9.5): sessions and share of sessions per device type.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { limitParam, offsetParam } from "../../catalog/params.ts";
import { percentOf, rangeBounds, rangeParam } from "./range.ts";

const params = z.object({ range: rangeParam("7d"), limit: limitParam(50), offset: offsetParam() });

const response = z.array(
  z.object({
    device: z.string().describe("tv, mobile, web or tablet."),
    sessions: z.number().int().describe("Sessions started in the range on this device."),
    share_pct: z.number().describe("The device's share of the range's sessions, percent, 1 decimal."),
  }),
);

const DEVICES_SQL = {
  duckdb: `
  SELECT device, count(*) AS sessions, (sum(count(*)) OVER ())::BIGINT AS total
  FROM tm_sessions
  WHERE workspace_id = $ws AND started_at >= $start::TIMESTAMP AND started_at < $end::TIMESTAMP
  GROUP BY device
  ORDER BY sessions DESC, device ASC
  LIMIT $limit OFFSET $offset`,
  clickhouse: `
  SELECT device, count() AS sessions, sum(count()) OVER () AS total
  FROM tm_sessions FINAL
  WHERE workspace_id = {ws:String} AND started_at >= {start:DateTime64(3, 'UTC')} AND started_at < {end:DateTime64(3, 'UTC')}
  GROUP BY device
  ORDER BY sessions DESC, device ASC
  LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
};

export const devicesEndpoint = defineEndpoint({
  name: "tapemetric_devices",
  family: "tapemetric",
  title: "Viewing by device",
  description: "Sessions started in the range and their share per device type (tv, mobile, web, tablet), most used first.",
  method: "GET",
  path: "/v1/analytics/devices",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_DEVICES",
  async compute(ctx, p) {
    const rows = await ctx.store.query<{ device: string; sessions: number; total: number }>(DEVICES_SQL[ctx.store.dialect], {
      ...rangeBounds(p.range, ctx.now.getTime()),
      limit: p.limit,
      offset: p.offset,
    });
    return rows.map((r) => ({ device: r.device, sessions: r.sessions, share_pct: percentOf(r.sessions, r.total) }));
  },
});
