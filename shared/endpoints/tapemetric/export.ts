// POST /v1/analytics/export (CONTRACT §9.7): the raw sessions started between two UTC dates as a Parquet
// file behind a signed download link that works for an hour. Enterprise plan only.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { supportedDay } from "../../catalog/params.ts";
import { wholeSecondInstant } from "../../catalog/wire.ts";
import { BadParameter, MetrigateError } from "../../errors.ts";
import { dayNumber } from "../../time/zoned.ts";
import { isoOf } from "./range.ts";

const DAY_MS = 86_400_000;

const params = z.object({
  start: z.string().describe("First day to export, YYYY-MM-DD (UTC): sessions started from 00:00 UTC on it."),
  end: z.string().describe("Last day to export, YYYY-MM-DD (UTC), inclusive: sessions started before 00:00 UTC the day after."),
});

const response = z.object({
  url: z.string().describe("Signed link to the Parquet file; no credentials needed while it is valid."),
  expires_at: z.string().describe("When the link stops working (one hour after the export), ISO-8601 UTC in whole seconds."),
  rows: z.number().int().describe("Sessions in the file."),
});

type Params = z.output<typeof params>;

function normalize(p: Params): Params {
  const start = supportedDay("start", p.start.trim());
  const end = supportedDay("end", p.end.trim());
  if (end < start) throw new BadParameter("end", `Parameter 'end' (${p.end.trim()}) must not be before 'start' (${p.start.trim()}).`);
  return { start: p.start.trim(), end: p.end.trim() };
}

// Every stored column of a session except the tenant id, oldest first. Instants are marked UTC in the
// file (Parquet's isAdjustedToUTC), so warehouses read them as instants, not as local wall-clock times.
const EXPORT_SQL = {
  duckdb: `
  SELECT session_id, user_id, content_id, device, region, pop,
         timezone('UTC', started_at) AS started_at, timezone('UTC', ended_at) AS ended_at,
         watch_seconds, completed, rebuffer_seconds
  FROM tm_sessions
  WHERE workspace_id = $ws AND started_at >= $from::TIMESTAMP AND started_at < $to::TIMESTAMP
  ORDER BY started_at, session_id`,
  clickhouse: `
  SELECT session_id, user_id, content_id, device, region, pop, started_at, ended_at,
         watch_seconds, completed, rebuffer_seconds
  FROM tm_sessions FINAL
  WHERE workspace_id = {ws:String} AND started_at >= {from:DateTime64(3, 'UTC')} AND started_at < {to:DateTime64(3, 'UTC')}
  ORDER BY started_at, session_id`,
};

export const exportEndpoint = defineEndpoint({
  name: "tapemetric_export",
  family: "tapemetric",
  title: "Export sessions to Parquet",
  description:
    "Writes the raw sessions started from 00:00 UTC on start to the end of end (UTC dates) to a Parquet file and " +
    "returns a signed download link valid for one hour. Enterprise plan only.",
  method: "POST",
  path: "/v1/analytics/export",
  params,
  response,
  readOnly: false,
  cacheable: false,
  plans: ["enterprise"],
  normalize,
  async compute(ctx, p) {
    if (!ctx.host.exportParquet) throw new MetrigateError("internal", "Parquet export is not available in this process.");
    const exported = await ctx.host.exportParquet({
      workspaceId: ctx.workspace.id,
      sql: EXPORT_SQL[ctx.store.dialect],
      params: { from: isoOf(dayNumber(p.start) * DAY_MS), to: isoOf((dayNumber(p.end) + 1) * DAY_MS) },
    });
    return { url: exported.url, expires_at: wholeSecondInstant(exported.expiresAt), rows: exported.rows };
  },
});
