// GET /api/v1/stats (CONTRACT §10.1): clicks, leads, revenue, CVR and EPC by time, country, source and
// offer for a period in any IANA zone — one SQL statement with GROUPING SETS over both tables.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { choiceParam } from "../../catalog/params.ts";
import { round } from "../../catalog/rounding.ts";
import { addition } from "../../catalog/wire.ts";
import { BadParameter } from "../../errors.ts";
import { canonicalTimeZone, dayNumber, offsetSegments } from "../../time/zoned.ts";
import { resolvePeriod, STATS_RANGES, type Period } from "./period.ts";

const params = z.object({
  range: choiceParam(STATS_RANGES, "today", "Reporting period, in the requested time zone.", {
    hour: "the current clock hour up to now",
    today: "local midnight today up to now",
    yesterday: "the whole previous local day",
    "7days": "local midnight six days ago up to now",
    "30days": "local midnight 29 days ago up to now",
    custom: "local midnight of start up to local midnight after end (needs start and end, at most 366 days, both included)",
  }),
  country: z
    .string()
    .optional()
    .describe('Comma-separated ISO 3166-1 alpha-2 country codes, case-insensitive, e.g. "US,gb". Default: all.'),
  offer: z.string().optional().describe("Comma-separated offer names to include. Default: all."),
  source: z.string().optional().describe('Comma-separated traffic sources to include ("Direct" = no source). Default: all.'),
  timezone: z
    .string()
    .default("America/New_York")
    .describe('IANA time zone for periods and time-series labels, e.g. "Europe/Berlin" (default "America/New_York").'),
  start: z.string().optional().describe("First day of a custom range, YYYY-MM-DD (required when range=custom)."),
  end: z.string().optional().describe("Last day of a custom range, YYYY-MM-DD, inclusive (required when range=custom)."),
});

const metrics = {
  clicks: z.number().int().describe("Clicks in the period."),
  leads: z.number().int().describe("Conversions in the period, counted at their own time."),
  revenue: z.number().describe("Revenue of the leads, 2 decimals."),
  cvr: z.number().describe("leads ÷ clicks × 100, 4 decimals; 0 without clicks."),
  epc: z.number().describe("revenue ÷ clicks, 6 decimals; 0 without clicks."),
};
const metricsRow = z.object(metrics);
const granularity = z.enum(["hour", "day"]);
const filterList = z.array(z.string()).nullable();

const response = z.object({
  success: z.literal(true),
  meta: z.object({
    range: z.enum(STATS_RANGES),
    timezone: z.string(),
    granularity,
    period_start: z.string().describe("Inclusive start, ISO-8601 UTC with milliseconds."),
    period_end: z.string().describe("Exclusive end, ISO-8601 UTC with milliseconds (now for open periods)."),
    generated_at: z.string(),
    filters: z
      .object({ country: filterList, offer: filterList, source: filterList })
      .describe("The filters as given: lists in the order given, country codes upper-cased, duplicates and empty items dropped; null when absent."),
    requests_remaining: addition(
      z.number().int().nullable().describe("Requests left in this API key's window after this one; null where no limit applies (a Metrigate addition)."),
    ),
  }),
  data: z.object({
    summary: metricsRow,
    time_series: z.array(
      z.object({ period: z.string().describe("Bucket start in local time."), granularity: granularity.describe("The bucket's length."), ...metrics }),
    ),
    by_country: z.array(z.object({ country: z.string(), ...metrics })),
    by_source: z.array(z.object({ source: z.string(), ...metrics })),
    by_offer: z.array(z.object({ offer: z.string(), ...metrics })),
  }),
});

type Params = z.output<typeof params>;
type Metrics = z.output<typeof metricsRow>;

/** A comma-separated filter's items in the order given, without duplicates or empty items; undefined when none. */
function listItems(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = [...new Set(value.split(",").map((v) => v.trim()).filter((v) => v !== ""))];
  return items.length > 0 ? items : undefined;
}

/** The filters as the request gave them (CONTRACT §10.1); country codes upper-cased. */
function filtersOf(p: Params): { country: string[] | null; offer: string[] | null; source: string[] | null } {
  return { country: listItems(p.country?.toUpperCase()) ?? null, offer: listItems(p.offer) ?? null, source: listItems(p.source) ?? null };
}

/** Sorted, so lists that mean the same thing share one cache entry. */
const sortedList = (items: string[] | null) => (items === null ? undefined : [...items].sort().join(","));

function normalize(p: Params): Params {
  const timezone = canonicalTimeZone(p.timezone);
  if (timezone === undefined) {
    throw new BadParameter("timezone", `Unknown time zone "${p.timezone}" in 'timezone': use an IANA name such as America/New_York or UTC.`);
  }
  const filters = filtersOf(p);
  const bad = filters.country?.find((c) => !/^[A-Z]{2}$/.test(c));
  if (bad !== undefined) {
    throw new BadParameter("country", `Invalid country code "${bad}" in 'country': use two-letter ISO 3166-1 codes such as US or GB.`);
  }
  const custom = p.range === "custom";
  return {
    ...p,
    timezone,
    start: custom ? p.start : undefined,
    end: custom ? p.end : undefined,
    country: sortedList(filters.country),
    offer: sortedList(filters.offer),
    source: sortedList(filters.source),
  };
}

type Stats = z.output<typeof response>;

/** A computed (possibly cached) answer with the filters echoed as this request gave them. */
function echo(body: Stats, p: Params): Stats {
  return { ...body, meta: { ...body.meta, filters: filtersOf(p) } };
}

/** The five Stats API figures from the three sums (CONTRACT §10.1); the query API publishes the same. */
export function metricsOf(clicks: number, leads: number, revenue: number): Metrics {
  return {
    clicks,
    leads,
    revenue: round(revenue, 2),
    cvr: clicks > 0 ? round((leads / clicks) * 100, 4) : 0,
    epc: clicks > 0 ? round(revenue / clicks, 6) : 0,
  };
}

const DAY_MS = 86_400_000;
const microseconds = (ms: number) => `make_timestamp(${Math.round(ms) * 1000}::BIGINT)`;

/**
 * The SQL expression of a row's bucket key. Hourly periods span at most 25 hours: a CASE over the bucket
 * starts gives the bucket's index. Daily periods: the local day number, epoch ms plus the zone's offset in
 * force (one CASE branch per offset change in the period) over a day length — exact in any zone, and no
 * per-row lookup.
 */
function bucketSql(period: Period, zone: string): string {
  if (period.granularity === "hour") {
    const branches = period.buckets.slice(1).map((b, i) => `WHEN ts < ${microseconds(b.start)} THEN ${i}`);
    return branches.length > 0 ? `CASE ${branches.join(" ")} ELSE ${period.buckets.length - 1} END` : "0";
  }
  const segments = offsetSegments(period.start, period.end, zone);
  const offset =
    segments.length === 1
      ? String(segments[0].offsetMs)
      : `CASE ${segments
          .slice(1)
          .map((seg, i) => `WHEN ts < ${microseconds(seg.from)} THEN ${segments[i].offsetMs}`)
          .join(" ")} ELSE ${segments[segments.length - 1].offsetMs} END`;
  return `(epoch_ms(ts) + ${offset}) // ${DAY_MS}`;
}

/**
 * ClickHouse's bucket key comes from its own zone functions: the instant (ms) the local clock hour began
 * (a repeated fall-back hour is two instants, a half-hour zone's hours begin at :30 UTC), or the local
 * day number.
 */
function clickHouseBucketSql(period: Period): string {
  return period.granularity === "hour"
    ? "toUnixTimestamp(toStartOfHour(ts, {timezone:String})) * 1000"
    : "toRelativeDayNum(ts, {timezone:String})";
}

/** Bucket keys in the order of period.buckets: for hours an index (DuckDB) or the start instant (ClickHouse), else local day numbers. */
function bucketKeys(period: Period, dialect: "duckdb" | "clickhouse"): number[] {
  if (period.granularity === "day") return period.buckets.map((b) => dayNumber(b.label));
  return dialect === "duckdb" ? period.buckets.map((_, i) => i) : period.buckets.map((b) => b.start);
}

interface GroupRow {
  g: number;
  bucket: number | null;
  country: string | null;
  source: string | null;
  offer: string | null;
  clicks: number;
  leads: number;
  revenue: number;
}

// Raw columns are grouped and filtered as stored (renaming 10M rows cost as much as aggregating them);
// empty country and source get their display names on the aggregated rows.
function filterSql(p: Params): string {
  return [
    p.country ? "AND list_contains($countries, country)" : "",
    p.offer ? "AND list_contains($offers, offer)" : "",
    p.source ? "AND list_contains($sources, source)" : "",
  ].join(" ");
}

function clickHouseFilterSql(p: Params): string {
  return [
    p.country ? "AND has({countries:Array(String)}, country)" : "",
    p.offer ? "AND has({offers:Array(String)}, offer)" : "",
    p.source ? "AND has({sources:Array(String)}, source)" : "",
  ].join(" ");
}

/**
 * Each table gets its own GROUPING SETS pass (clicks need only count(*), so no union of padded rows is
 * materialised); the two small results are then added up per group.
 */
function statsSql(bucket: string, filters: string): string {
  const window = "workspace_id = $ws AND ts >= make_timestamp(($start * 1000)::BIGINT) AND ts < make_timestamp(($end * 1000)::BIGINT)";
  const sets = "GROUP BY GROUPING SETS ((bucket), (country), (source), (offer), ())";
  const keys = "GROUPING(bucket, country, source, offer) AS g, bucket, country, source, offer";
  return `
    WITH clicks AS (
      SELECT ${keys}, count(*) AS clicks, 0 AS leads, 0.0::DOUBLE AS revenue
      FROM (SELECT ${bucket} AS bucket, country, source, offer FROM tr_clicks WHERE ${window} ${filters})
      ${sets}
    ),
    leads AS (
      SELECT ${keys}, 0 AS clicks, count(*) AS leads, sum(revenue)::DOUBLE AS revenue
      FROM (SELECT ${bucket} AS bucket, country, source, offer, revenue FROM tr_conversions WHERE ${window} ${filters})
      ${sets}
    )
    SELECT g, bucket, country, source, offer,
           sum(clicks)::BIGINT AS clicks, sum(leads)::BIGINT AS leads, sum(revenue)::DOUBLE AS revenue
    FROM (SELECT * FROM clicks UNION ALL SELECT * FROM leads)
    GROUP BY g, bucket, country, source, offer`;
}

/** The same statement in ClickHouse SQL (clicks and conversions are ReplacingMergeTree tables, read FINAL). */
function clickHouseStatsSql(bucket: string, filters: string): string {
  const window =
    "workspace_id = {ws:String} AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')";
  const sets = "GROUP BY GROUPING SETS ((bucket), (country), (source), (offer), ())";
  const keys = "grouping(bucket, country, source, offer) AS g, bucket, country, source, offer";
  return `
    WITH clicks AS (
      SELECT ${keys}, count() AS clicks, toUInt64(0) AS leads, toFloat64(0) AS revenue
      FROM (SELECT ${bucket} AS bucket, country, source, offer FROM tr_clicks FINAL WHERE ${window} ${filters})
      ${sets}
    ),
    leads AS (
      SELECT ${keys}, toUInt64(0) AS clicks, count() AS leads, sum(revenue) AS revenue
      FROM (SELECT ${bucket} AS bucket, country, source, offer, revenue FROM tr_conversions FINAL WHERE ${window} ${filters})
      ${sets}
    )
    SELECT g, bucket, country, source, offer, sum(clicks) AS clicks, sum(leads) AS leads, sum(revenue) AS revenue
    FROM (SELECT * FROM clicks UNION ALL SELECT * FROM leads)
    GROUP BY g, bucket, country, source, offer`;
}

/** The statement for the store's engine. */
function statsStatement(dialect: "duckdb" | "clickhouse", period: Period, p: Params): string {
  return dialect === "duckdb"
    ? statsSql(bucketSql(period, p.timezone), filterSql(p))
    : clickHouseStatsSql(clickHouseBucketSql(period), clickHouseFilterSql(p));
}

/** How empty stored values are reported (CONTRACT §10.1). */
export const DISPLAY_EMPTY = { country: "Unknown", source: "Direct", offer: "" } as const;

function byDimension<K extends "country" | "source" | "offer">(rows: GroupRow[], key: K, mask: number) {
  // A stored source named "Direct" and an empty one are the same row once displayed.
  const merged = new Map<string, { name: string; clicks: number; leads: number; revenue: number }>();
  for (const r of rows.filter((row) => row.g === mask)) {
    const name = String(r[key]) === "" ? DISPLAY_EMPTY[key] : String(r[key]);
    const into = merged.get(name) ?? { name, clicks: 0, leads: 0, revenue: 0 };
    merged.set(name, { name, clicks: into.clicks + r.clicks, leads: into.leads + r.leads, revenue: into.revenue + r.revenue });
  }
  return [...merged.values()]
    .sort((a, b) => b.revenue - a.revenue || b.clicks - a.clicks || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((r) => ({ [key]: r.name, ...metricsOf(r.clicks, r.leads, r.revenue) }) as { [P in K]: string } & Metrics);
}

// GROUPING(bucket, country, source, offer) bit masks: a set bit marks a column not grouped.
const MASK = { bucket: 0b0111, country: 0b1011, source: 0b1101, offer: 0b1110, total: 0b1111 } as const;

export const statsEndpoint = defineEndpoint({
  name: "taprain_stats",
  family: "taprain",
  title: "Affiliate conversion stats",
  description:
    "Clicks, leads, revenue, conversion rate (CVR) and earnings per click (EPC) for a period, with a zero-filled " +
    "time series and breakdowns by country, source and offer. Periods follow the requested IANA time zone.",
  method: "GET",
  path: "/api/v1/stats",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "STATS",
  normalize,
  echo,
  async compute(ctx, p) {
    const period = resolvePeriod(p.range, ctx.now.getTime(), p.timezone, { start: p.start, end: p.end });
    const filters = filtersOf(p);
    const storedSources = filters.source?.flatMap((s) => (s === DISPLAY_EMPTY.source ? [s, ""] : [s]));
    const rows = await ctx.store.query<GroupRow>(statsStatement(ctx.store.dialect, period, p), {
      start: period.start,
      end: period.end,
      ...(ctx.store.dialect === "clickhouse" ? { timezone: p.timezone } : {}),
      ...(filters.country ? { countries: filters.country } : {}),
      ...(filters.offer ? { offers: filters.offer } : {}),
      ...(storedSources ? { sources: storedSources } : {}),
    });
    const total = rows.find((r) => r.g === MASK.total);
    const perBucket = new Map(rows.filter((r) => r.g === MASK.bucket).map((r) => [r.bucket, r]));
    const keys = bucketKeys(period, ctx.store.dialect);
    return {
      success: true as const,
      meta: {
        range: p.range,
        timezone: p.timezone,
        granularity: period.granularity,
        period_start: new Date(period.start).toISOString(),
        period_end: new Date(period.end).toISOString(),
        generated_at: ctx.now.toISOString(),
        filters,
        requests_remaining: ctx.requestsRemaining,
      },
      data: {
        summary: metricsOf(total?.clicks ?? 0, total?.leads ?? 0, total?.revenue ?? 0),
        time_series: period.buckets.map((bucket, i) => {
          const r = perBucket.get(keys[i]);
          return { period: bucket.label, granularity: period.granularity, ...metricsOf(r?.clicks ?? 0, r?.leads ?? 0, r?.revenue ?? 0) };
        }),
        by_country: byDimension(rows, "country", MASK.country),
        by_source: byDimension(rows, "source", MASK.source),
        by_offer: byDimension(rows, "offer", MASK.offer),
      },
    };
  },
});
