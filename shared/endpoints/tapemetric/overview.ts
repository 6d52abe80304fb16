// GET /v1/analytics/overview (CONTRACT §9.2): MAU, watch hours, paid subscribers, ARPU and churn for a
// range, each compared with the period of equal length before it — one SQL statement over both tables.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { round } from "../../catalog/rounding.ts";
import { addition, wholeSecondInstant } from "../../catalog/wire.ts";
import { isoOf, MONTH_MS, percentChange, percentOf, precedingSpan, rangeParam, resolveRange, TM_RANGES, watchHours } from "./range.ts";

const params = z.object({ range: rangeParam("7d") });

const delta = (what: string) =>
  z.number().nullable().describe(`Change of ${what} against the preceding period of equal length, in percent (1 decimal); null when that figure was 0.`);

const response = z.object({
  monthly_active_users: z.number().int().describe("Distinct users with a session started in the 30 days before the range end."),
  watch_hours: z.number().describe("Watch time of the sessions started in the range, hours, 1 decimal."),
  paid_subscribers: z.number().int().describe("Distinct users with a subscription active at the range end."),
  arpu_inr: z.number().describe("Monthly price (INR) of the subscriptions active at the range end ÷ monthly active users, 2 decimals."),
  churn_pct: z.number().describe("Share of the subscriptions active at the range start that ended inside the range, percent, 1 decimal."),
  wow_delta: z.object({
    mau: delta("monthly active users"),
    watch_hours: delta("watch time"),
    subs: delta("paid subscribers"),
    revenue: delta("the monthly price of active subscriptions"),
  }),
  range: addition(z.enum(TM_RANGES).describe("The range answered (a Metrigate addition).")),
  period_start: addition(z.string().describe("Inclusive start of the range, ISO-8601 UTC, whole seconds (a Metrigate addition).")),
  period_end: addition(z.string().describe("Exclusive end of the range (now), ISO-8601 UTC, whole seconds (a Metrigate addition).")),
});

interface Figures {
  mau: number;
  mau_before: number;
  watch: number;
  watch_before: number;
  subs: number;
  subs_before: number;
  revenue: number;
  revenue_before: number;
  active_at_start: number;
  churned: number;
}

// "Active at t": started at or before t and not ended by then. The preceding period ends at the range
// start, so its subscription figures are the ones active at the start, the base of churn too.
const ACTIVE_AT_END = "started_at <= $end::TIMESTAMP AND (ended_at IS NULL OR ended_at > $end::TIMESTAMP)";
const ACTIVE_AT_START = "started_at <= $start::TIMESTAMP AND (ended_at IS NULL OR ended_at > $start::TIMESTAMP)";

// Users are grouped once by their interned key with a bit per MAU window (1: the range's, 2: the
// preceding period's); counting the flagged groups gives both distinct counts from one small hash table.
const DUCKDB_OVERVIEW_SQL = `
  WITH per_user AS (
    SELECT bit_or(CASE WHEN started_at >= $mau_start::TIMESTAMP THEN 1 ELSE 0 END
                  | CASE WHEN started_at >= $mau_before_start::TIMESTAMP AND started_at < $start::TIMESTAMP THEN 2 ELSE 0 END) AS windows,
           sum(watch_seconds) FILTER (WHERE started_at >= $start::TIMESTAMP) AS watch,
           sum(watch_seconds) FILTER (WHERE started_at >= $before_start::TIMESTAMP AND started_at < $start::TIMESTAMP) AS watch_before
    FROM tm_sessions
    WHERE workspace_id = $ws AND started_at >= $scan_start::TIMESTAMP AND started_at < $end::TIMESTAMP
    GROUP BY user_key
  ),
  viewing AS (
    SELECT count(*) FILTER (WHERE windows & 1 = 1) AS mau,
           count(*) FILTER (WHERE windows & 2 = 2) AS mau_before,
           coalesce(sum(watch), 0)::DOUBLE AS watch,
           coalesce(sum(watch_before), 0)::DOUBLE AS watch_before
    FROM per_user
  ),
  paying AS (
    SELECT count(DISTINCT user_id) FILTER (WHERE ${ACTIVE_AT_END}) AS subs,
           count(DISTINCT user_id) FILTER (WHERE ${ACTIVE_AT_START}) AS subs_before,
           coalesce(sum(price_inr) FILTER (WHERE ${ACTIVE_AT_END}), 0)::DOUBLE AS revenue,
           coalesce(sum(price_inr) FILTER (WHERE ${ACTIVE_AT_START}), 0)::DOUBLE AS revenue_before,
           count(*) FILTER (WHERE ${ACTIVE_AT_START}) AS active_at_start,
           count(*) FILTER (WHERE ${ACTIVE_AT_START} AND ended_at < $end::TIMESTAMP) AS churned
    FROM tm_subscriptions
    WHERE workspace_id = $ws
  )
  SELECT * FROM viewing, paying`;

const CH_ACTIVE_AT_END =
  "started_at <= {end:DateTime64(3, 'UTC')} AND (ended_at IS NULL OR ended_at > {end:DateTime64(3, 'UTC')})";
const CH_ACTIVE_AT_START =
  "started_at <= {start:DateTime64(3, 'UTC')} AND (ended_at IS NULL OR ended_at > {start:DateTime64(3, 'UTC')})";

const CLICKHOUSE_OVERVIEW_SQL = `
  WITH per_user AS (
    SELECT groupBitOr(if(started_at >= {mau_start:DateTime64(3, 'UTC')}, 1, 0)
                      + if(started_at >= {mau_before_start:DateTime64(3, 'UTC')} AND started_at < {start:DateTime64(3, 'UTC')}, 2, 0)) AS windows,
           sumIf(watch_seconds, started_at >= {start:DateTime64(3, 'UTC')}) AS watch,
           sumIf(watch_seconds, started_at >= {before_start:DateTime64(3, 'UTC')} AND started_at < {start:DateTime64(3, 'UTC')}) AS watch_before
    FROM tm_sessions FINAL
    WHERE workspace_id = {ws:String} AND started_at >= {scan_start:DateTime64(3, 'UTC')} AND started_at < {end:DateTime64(3, 'UTC')}
    GROUP BY user_id
  ),
  viewing AS (
    SELECT countIf(bitAnd(windows, 1) = 1) AS mau, countIf(bitAnd(windows, 2) = 2) AS mau_before,
           sum(watch) AS watch, sum(watch_before) AS watch_before
    FROM per_user
  ),
  paying AS (
    SELECT uniqExactIf(user_id, ${CH_ACTIVE_AT_END}) AS subs,
           uniqExactIf(user_id, ${CH_ACTIVE_AT_START}) AS subs_before,
           sumIf(price_inr, ${CH_ACTIVE_AT_END}) AS revenue,
           sumIf(price_inr, ${CH_ACTIVE_AT_START}) AS revenue_before,
           countIf(${CH_ACTIVE_AT_START}) AS active_at_start,
           countIf(${CH_ACTIVE_AT_START} AND ended_at < {end:DateTime64(3, 'UTC')}) AS churned
    FROM tm_subscriptions FINAL
    WHERE workspace_id = {ws:String}
  )
  SELECT * FROM viewing CROSS JOIN paying`;

const OVERVIEW_SQL = { duckdb: DUCKDB_OVERVIEW_SQL, clickhouse: CLICKHOUSE_OVERVIEW_SQL };

export const overviewEndpoint = defineEndpoint({
  name: "tapemetric_overview",
  family: "tapemetric",
  title: "Streaming KPI overview",
  description:
    "Monthly active users, watch hours, paid subscribers, ARPU (INR) and churn for a range ending now, with the " +
    "percentage change of MAU, watch hours, subscribers and revenue against the preceding period of equal length.",
  method: "GET",
  path: "/v1/analytics/overview",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_OVERVIEW",
  async compute(ctx, p) {
    const span = resolveRange(p.range, ctx.now.getTime());
    const before = precedingSpan(span);
    const mauStart = span.end - MONTH_MS;
    const mauBeforeStart = span.start - MONTH_MS;
    const [f] = await ctx.store.query<Figures>(OVERVIEW_SQL[ctx.store.dialect], {
      start: isoOf(span.start),
      end: isoOf(span.end),
      before_start: isoOf(before.start),
      mau_start: isoOf(mauStart),
      mau_before_start: isoOf(mauBeforeStart),
      scan_start: isoOf(Math.min(before.start, mauStart, mauBeforeStart)),
    });
    return {
      monthly_active_users: f.mau,
      watch_hours: watchHours(f.watch),
      paid_subscribers: f.subs,
      arpu_inr: f.mau === 0 ? 0 : round(f.revenue / f.mau, 2),
      churn_pct: percentOf(f.churned, f.active_at_start),
      wow_delta: {
        mau: percentChange(f.mau_before, f.mau),
        watch_hours: percentChange(f.watch_before, f.watch),
        subs: percentChange(f.subs_before, f.subs),
        revenue: percentChange(f.revenue_before, f.revenue),
      },
      range: p.range,
      period_start: wholeSecondInstant(span.start),
      period_end: wholeSecondInstant(span.end),
    };
  },
});
