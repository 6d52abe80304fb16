// GET /api/analytics/usage/ (CONTRACT §11.6): what the current subscription period has used of its limits.

import { z } from "zod";
import { defineEndpoint, type ComputeContext } from "../../catalog/define.ts";
import { NotFound } from "../../errors.ts";
import { ACTIVE_SEGMENT_COUNT, CH, MEMBER_COUNT, utcDate } from "./memberships.ts";

const pair = (what: string) =>
  z.object({
    used: z.number().describe(`${what} used so far.`),
    limit: z.number().int().describe("The plan's limit; -1 means unlimited."),
  });

const response = z.object({
  plan_name: z.string(),
  plan_tier: z.string(),
  period_start: z.string().describe("First day of the current period, YYYY-MM-DD (UTC)."),
  period_end: z.string().describe("Last day of the current period, YYYY-MM-DD (UTC), inclusive."),
  events: pair("Events received from the period's first day up to now"),
  users: pair("Members created up to now"),
  segments: pair("Active segments"),
  ai_credits: pair("Credits of copilot requests from the period's first day up to now"),
});

export type Usage = z.output<typeof response>;

interface UsageRow {
  plan_name: string;
  plan_tier: string;
  period_start: string;
  period_end: string;
  events_used: number;
  events_limit: number;
  users_used: number;
  users_limit: number;
  segments_used: number;
  segments_limit: number;
  ai_credits_used: number;
  ai_credits_limit: number;
}

// When periods overlap, the one that started last is current.
const USAGE_SQL = {
  duckdb: `
  WITH period AS (
    SELECT * FROM cdp_subscriptions
    WHERE workspace_id = $ws AND period_start <= $today::DATE AND period_end >= $today::DATE
    ORDER BY period_start DESC
    LIMIT 1
  )
  SELECT plan_name, plan_tier, strftime(period_start, '%Y-%m-%d') AS period_start, strftime(period_end, '%Y-%m-%d') AS period_end,
         (SELECT count(*) FROM cdp_events
          WHERE workspace_id = $ws AND ts >= period.period_start::TIMESTAMP AND ts <= $now::TIMESTAMP) AS events_used,
         events_limit,
         ${MEMBER_COUNT} AS users_used,
         users_limit,
         ${ACTIVE_SEGMENT_COUNT} AS segments_used,
         segments_limit,
         (SELECT coalesce(sum(credits), 0) FROM cdp_copilot_requests
          WHERE workspace_id = $ws AND ts >= period.period_start::TIMESTAMP AND ts <= $now::TIMESTAMP) AS ai_credits_used,
         ai_credits_limit
  FROM period`,
  // No correlated subqueries before ClickHouse 25.x: the current period's first day is a scalar first.
  clickhouse: `
  WITH (SELECT max(period_start) FROM cdp_subscriptions FINAL
        WHERE workspace_id = {ws:String} AND period_start <= {today:Date} AND period_end >= {today:Date}) AS current_start
  SELECT plan_name, plan_tier, toString(s.period_start) AS period_start, toString(s.period_end) AS period_end,
         (SELECT count() FROM cdp_events FINAL
          WHERE workspace_id = {ws:String} AND ts >= toDateTime64(current_start, 3, 'UTC') AND ts <= {now:DateTime64(3, 'UTC')}) AS events_used,
         events_limit,
         ${CH.MEMBER_COUNT} AS users_used,
         users_limit,
         ${CH.ACTIVE_SEGMENT_COUNT} AS segments_used,
         segments_limit,
         (SELECT sum(credits) FROM cdp_copilot_requests FINAL
          WHERE workspace_id = {ws:String} AND ts >= toDateTime64(current_start, 3, 'UTC') AND ts <= {now:DateTime64(3, 'UTC')}) AS ai_credits_used,
         ai_credits_limit
  FROM cdp_subscriptions AS s FINAL
  WHERE s.workspace_id = {ws:String} AND s.period_start = current_start AND s.period_end >= {today:Date}`,
};

/** The current period's usage, or null when no subscription period contains today (UTC). */
export async function currentUsage(ctx: ComputeContext): Promise<Usage | null> {
  const [row] = await ctx.store.query<UsageRow>(USAGE_SQL[ctx.store.dialect], { now: ctx.now.toISOString(), today: utcDate(ctx.now.getTime()) });
  if (!row) return null;
  return {
    plan_name: row.plan_name,
    plan_tier: row.plan_tier,
    period_start: row.period_start,
    period_end: row.period_end,
    events: { used: row.events_used, limit: row.events_limit },
    users: { used: row.users_used, limit: row.users_limit },
    segments: { used: row.segments_used, limit: row.segments_limit },
    ai_credits: { used: row.ai_credits_used, limit: row.ai_credits_limit },
  };
}

export const usageEndpoint = defineEndpoint({
  name: "cdp_usage",
  family: "cdp",
  title: "Plan usage",
  description:
    "The current subscription period (the one containing today, UTC): plan, period dates, and used against limit for events, users, segments and AI credits (-1 = unlimited).",
  method: "GET",
  path: "/api/analytics/usage/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_USAGE",
  async compute(ctx) {
    const usage = await currentUsage(ctx);
    if (!usage) throw new NotFound(`No subscription period contains today (${utcDate(ctx.now.getTime())}).`);
    return usage;
  },
});
