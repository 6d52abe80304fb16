// GET /api/analytics/copilot/ (CONTRACT §11.5): AI copilot requests per UTC day over the last 30 days.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { addDays, utcDate } from "./memberships.ts";

const DAYS = 30;

const counts = {
  success: z.number().int().describe("Requests that succeeded."),
  error: z.number().int().describe("Requests that failed."),
};

const response = z.object({
  total: z.number().int().describe("Requests over the listed days: the sum of their successes and errors."),
  daily: z
    .array(z.object({ day: z.string().describe("A UTC day, YYYY-MM-DD."), ...counts }))
    .describe("Each day from 29 days ago to today (up to now) with at least one request, oldest first; days without requests are left out."),
});

const COPILOT_SQL = {
  duckdb: `
  SELECT strftime(ts::DATE, '%Y-%m-%d') AS day,
         count(*) FILTER (WHERE status = 'success') AS success,
         count(*) FILTER (WHERE status = 'error') AS error
  FROM cdp_copilot_requests
  WHERE workspace_id = $ws AND ts >= $first_day::TIMESTAMP AND ts <= $now::TIMESTAMP
  GROUP BY ALL
  ORDER BY day`,
  clickhouse: `
  SELECT toString(toDate(ts, 'UTC')) AS day, countIf(status = 'success') AS success, countIf(status = 'error') AS error
  FROM cdp_copilot_requests FINAL
  WHERE workspace_id = {ws:String} AND ts >= toDateTime64({first_day:Date}, 3, 'UTC') AND ts <= {now:DateTime64(3, 'UTC')}
  GROUP BY day
  ORDER BY day`,
};

export const copilotEndpoint = defineEndpoint({
  name: "cdp_copilot",
  family: "cdp",
  title: "Copilot usage",
  description: "AI copilot requests per UTC day over the last 30 days (days without requests omitted), split into successes and errors, with their total.",
  method: "GET",
  path: "/api/analytics/copilot/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_COPILOT",
  async compute(ctx) {
    const today = utcDate(ctx.now.getTime());
    const daily = await ctx.store.query<{ day: string; success: number; error: number }>(COPILOT_SQL[ctx.store.dialect], {
      now: ctx.now.toISOString(),
      first_day: addDays(today, 1 - DAYS),
    });
    const total = daily.reduce((sum, day) => sum + day.success + day.error, 0);
    return { total, daily };
  },
});
