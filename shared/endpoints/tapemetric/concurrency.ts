// GET /v1/analytics/concurrency (CONTRACT §9.3): sessions playing at every UTC-aligned multiple of an
// interval from the range start to now, as a start/end sweep in SQL (no per-point work anywhere).

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { addition, wholeSecondInstant } from "../../catalog/wire.ts";
import { BadParameter } from "../../errors.ts";
import { isoOf, rangeParam, resolveRange, TM_RANGES, type TmRange } from "./range.ts";

export const INTERVALS = [1, 5, 15, 30, 60] as const;
export const MAX_POINTS = 2880;
const MINUTE_MS = 60_000;

const params = z.object({
  range: rangeParam("24h"),
  interval: z
    .number()
    .int()
    .default(15)
    .describe(`Minutes between points: ${INTERVALS.join(", ")} (default 15). Points sit at UTC multiples of it; at most ${MAX_POINTS} per answer.`),
});

const response = z.object({
  interval_minutes: z.number().int().describe("The interval between points, minutes."),
  points: z.array(
    z.object({
      ts: z.string().describe("The instant, ISO-8601 UTC in whole seconds, a multiple of the interval."),
      value: z.number().int().describe("Sessions playing at ts: started at or before it and not ended by then."),
    }),
  ),
  peak: z.number().int().describe("The largest point value."),
  peak_at: z.string().nullable().describe("The earliest point with the peak value, ISO-8601 UTC in whole seconds; null without points."),
  range: addition(z.enum(TM_RANGES).describe("The range answered (a Metrigate addition).")),
});

type Params = z.output<typeof params>;

function normalize(p: Params): Params {
  if (!(INTERVALS as readonly number[]).includes(p.interval)) {
    throw new BadParameter("interval", `Invalid value ${p.interval} for parameter 'interval'. Allowed values: ${INTERVALS.join(", ")}.`);
  }
  return p;
}

interface Grid {
  /** The first and last point, epoch ms; first > last when the range holds no multiple of the interval. */
  first: number;
  last: number;
  count: number;
}

/** The UTC-aligned points of [range start, now]. */
export function pointGrid(range: TmRange, intervalMinutes: number, nowMs: number): Grid {
  const step = intervalMinutes * MINUTE_MS;
  const span = resolveRange(range, nowMs);
  const first = Math.ceil(span.start / step) * step;
  const last = Math.floor(span.end / step) * step;
  return { first, last, count: last < first ? 0 : (last - first) / step + 1 };
}

function checkPointCount(range: TmRange, interval: number, nowMs: number): Grid {
  const grid = pointGrid(range, interval, nowMs);
  if (grid.count <= MAX_POINTS) return grid;
  const coarser = INTERVALS.find((i) => i > interval && pointGrid(range, i, nowMs).count <= MAX_POINTS);
  throw new BadParameter(
    "interval",
    `Parameter 'interval' is too small for range ${range}: ${grid.count} points, at most ${MAX_POINTS} are allowed. ` +
      `Use interval=${String(coarser)} or larger.`,
  );
}

// A session adds 1 from the first point at or after its start and takes it back from the first point at
// or after its end (ts < ended_at is required), so each point's value is a running sum of per-point
// changes. Point indexes are ceil((t − first) / step), clamped to 0 for sessions already playing.
const CONCURRENCY_SQL = {
  duckdb: `
  WITH sessions AS (
    SELECT greatest(0, (epoch_us(started_at) - $first_us::BIGINT + $step_us::BIGINT - 1) // $step_us::BIGINT) AS k_start,
           CASE WHEN ended_at <= $last::TIMESTAMP
                THEN greatest(0, (epoch_us(ended_at) - $first_us::BIGINT + $step_us::BIGINT - 1) // $step_us::BIGINT) END AS k_end
    FROM tm_sessions
    WHERE workspace_id = $ws
      AND started_at <= $last::TIMESTAMP
      AND (ended_at IS NULL OR (ended_at > $first::TIMESTAMP AND ended_at > started_at))
  ),
  changes AS (
    SELECT k, sum(d) AS d FROM (
      SELECT k_start AS k, count(*) AS d FROM sessions GROUP BY k_start
      UNION ALL
      SELECT k_end AS k, -count(*) AS d FROM sessions WHERE k_end IS NOT NULL GROUP BY k_end
    ) GROUP BY k
  )
  SELECT p.k, (sum(coalesce(c.d, 0)) OVER (ORDER BY p.k ROWS UNBOUNDED PRECEDING))::BIGINT AS value
  FROM range(0, $count::BIGINT) p(k) LEFT JOIN changes c ON c.k = p.k
  ORDER BY p.k`,
  clickhouse: `
  WITH sessions AS (
    SELECT toUInt64(greatest(0, intDiv(toUnixTimestamp64Micro(started_at) - {first_us:Int64} + {step_us:Int64} - 1, {step_us:Int64}))) AS k_start,
           if(ended_at <= {last:DateTime64(3, 'UTC')},
              toUInt64(greatest(0, intDiv(toUnixTimestamp64Micro(assumeNotNull(ended_at)) - {first_us:Int64} + {step_us:Int64} - 1, {step_us:Int64}))),
              NULL) AS k_end
    FROM tm_sessions FINAL
    WHERE workspace_id = {ws:String}
      AND started_at <= {last:DateTime64(3, 'UTC')}
      AND (ended_at IS NULL OR (ended_at > {first:DateTime64(3, 'UTC')} AND ended_at > started_at))
  ),
  changes AS (
    SELECT k, sum(d) AS d FROM (
      SELECT k_start AS k, toInt64(count()) AS d FROM sessions GROUP BY k_start
      UNION ALL
      SELECT assumeNotNull(k_end) AS k, -toInt64(count()) AS d FROM sessions WHERE k_end IS NOT NULL GROUP BY k_end
    ) GROUP BY k
  )
  SELECT p.number AS k, sum(coalesce(c.d, 0)) OVER (ORDER BY p.number ROWS UNBOUNDED PRECEDING) AS value
  FROM numbers({count:UInt64}) AS p LEFT JOIN changes AS c ON c.k = p.number
  ORDER BY k`,
};

export const concurrencyEndpoint = defineEndpoint({
  name: "tapemetric_concurrency",
  family: "tapemetric",
  title: "Concurrent viewers",
  description:
    "Sessions playing at every UTC-aligned multiple of the interval from the range start to now, with the peak " +
    `and when it was first reached. At most ${MAX_POINTS} points: longer ranges need a larger interval.`,
  method: "GET",
  path: "/v1/analytics/concurrency",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_CONCURRENCY",
  normalize,
  async compute(ctx, p) {
    const grid = checkPointCount(p.range, p.interval, ctx.now.getTime());
    const step = p.interval * MINUTE_MS;
    const rows =
      grid.count === 0
        ? []
        : await ctx.store.query<{ k: number; value: number }>(CONCURRENCY_SQL[ctx.store.dialect], {
            first: isoOf(grid.first),
            last: isoOf(grid.last),
            first_us: grid.first * 1000,
            step_us: step * 1000,
            count: grid.count,
          });
    const points = rows.map((r) => ({ ts: wholeSecondInstant(grid.first + r.k * step), value: r.value }));
    const peak = points.reduce<{ ts: string; value: number } | null>((best, point) => (best === null || point.value > best.value ? point : best), null);
    return { interval_minutes: p.interval, points, peak: peak?.value ?? 0, peak_at: peak?.ts ?? null, range: p.range };
  },
});
