// GET /api/analytics/overview/ (CONTRACT §11.1): the workspace at a glance.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { ACTIVE_SEGMENT_COUNT, CH, DAY_MS, MEMBER_COUNT } from "./memberships.ts";
import { currentUsage } from "./usage.ts";

const response = z.object({
  segment_count: z.number().int().describe("Active segments."),
  total_members: z.number().int().describe("Members created up to now."),
  events_30d: z.number().int().describe("Events in the last 30 days (now − 30 days up to now)."),
  ai_credits_used: z.number().describe("Copilot credits used in the current subscription period; 0 without one."),
  ai_credits_limit: z.number().int().describe("The period's AI credit limit (-1 = unlimited); 0 without a current subscription."),
});

const COUNTS_SQL = {
  duckdb: `
  SELECT ${ACTIVE_SEGMENT_COUNT} AS segment_count,
         ${MEMBER_COUNT} AS total_members,
         (SELECT count(*) FROM cdp_events
          WHERE workspace_id = $ws AND ts >= $since::TIMESTAMP AND ts < $now::TIMESTAMP) AS events_30d`,
  clickhouse: `
  SELECT ${CH.ACTIVE_SEGMENT_COUNT} AS segment_count,
         ${CH.MEMBER_COUNT} AS total_members,
         (SELECT count() FROM cdp_events FINAL
          WHERE workspace_id = {ws:String} AND ts >= {since:DateTime64(3, 'UTC')} AND ts < {now:DateTime64(3, 'UTC')}) AS events_30d`,
};

export const overviewEndpoint = defineEndpoint({
  name: "cdp_overview",
  family: "cdp",
  title: "CDP overview",
  description: "Active segments, members, events of the last 30 days, and AI credits used and allowed in the current period.",
  method: "GET",
  path: "/api/analytics/overview/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_OVERVIEW",
  async compute(ctx) {
    const nowMs = ctx.now.getTime();
    const [counts] = await ctx.store.query<{ segment_count: number; total_members: number; events_30d: number }>(COUNTS_SQL[ctx.store.dialect], {
      now: ctx.now.toISOString(),
      since: new Date(nowMs - 30 * DAY_MS).toISOString(),
    });
    const usage = await currentUsage(ctx);
    return {
      ...counts,
      ai_credits_used: usage?.ai_credits.used ?? 0,
      ai_credits_limit: usage?.ai_credits.limit ?? 0,
    };
  },
});
