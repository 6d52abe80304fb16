// GET /api/analytics/segments/ (CONTRACT §11.2): every active segment, its current members and its
// daily member counts over the last 30 days.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { wholeSecondInstantOrNull } from "../../catalog/wire.ts";
import { addDays, DAY_MS, LATEST_MEMBERSHIPS, utcDate } from "./memberships.ts";

const TREND_DAYS = 30;

const response = z.array(
  z.object({
    id: z.number().int().describe("The segment's id."),
    name: z.string(),
    member_count: z.number().int().describe("Current members: joined by now and not left (the latest membership row wins)."),
    last_computed_at: z.string().nullable().describe("When the segment was last computed, ISO-8601 UTC in whole seconds; null if never."),
    trend: z
      .array(
        z.object({
          day: z.string().describe("A UTC day, YYYY-MM-DD."),
          count: z.number().int().describe("Members at the end of that day (today: now)."),
        }),
      )
      .describe(
        "One entry per day from the later of the first computation's day and 29 days ago, up to today; empty when the segment was never computed or first computed less than 2 days ago.",
      ),
  }),
);

// Membership changes are counted on the day they take effect: +1 on the day a member joined, −1 on the
// day they left (never before they joined), both up to now; changes older than the window count on its
// first day. A running sum per segment then gives the members at the end of each day, and today's value
// is the current member count. A member who joins at 00:00 belongs to that day, not the one before.
const SEGMENTS_SQL = {
  duckdb: `
  WITH segments AS (
    SELECT segment_id, name, last_computed_at,
           CASE WHEN first_computed_at IS NULL OR first_computed_at > $recent::TIMESTAMP THEN NULL
                ELSE greatest(first_computed_at::DATE, $first_day::DATE) END AS trend_from
    FROM cdp_segments
    WHERE workspace_id = $ws AND active
  ),
  latest AS (
    SELECT segment_id, joined_at, left_at FROM (${LATEST_MEMBERSHIPS}) WHERE segment_id IN (SELECT segment_id FROM segments)
  ),
  changes AS (
    SELECT segment_id, greatest(joined_at::DATE, $first_day::DATE) AS day, count(*) AS delta
    FROM latest WHERE joined_at <= $now::TIMESTAMP
    GROUP BY ALL
    UNION ALL
    SELECT segment_id, greatest(greatest(joined_at, left_at)::DATE, $first_day::DATE), -count(*)
    FROM latest WHERE left_at IS NOT NULL AND greatest(joined_at, left_at) <= $now::TIMESTAMP
    GROUP BY ALL
  ),
  series AS (
    SELECT s.segment_id, d.day, s.trend_from,
           (sum(coalesce(c.delta, 0)) OVER (PARTITION BY s.segment_id ORDER BY d.day))::BIGINT AS members
    FROM segments s
    CROSS JOIN (SELECT $first_day::DATE + k::INTEGER AS day FROM range(0, ${TREND_DAYS}) r(k)) d
    LEFT JOIN (SELECT segment_id, day, sum(delta) AS delta FROM changes GROUP BY ALL) c
      ON c.segment_id = s.segment_id AND c.day = d.day
  )
  SELECT s.segment_id AS id, s.name,
         max(series.members) FILTER (WHERE series.day = $today::DATE) AS member_count,
         s.last_computed_at,
         coalesce(list({'day': strftime(series.day, '%Y-%m-%d'), 'count': series.members} ORDER BY series.day)
                    FILTER (WHERE series.day >= s.trend_from), []) AS trend
  FROM segments s JOIN series ON series.segment_id = s.segment_id
  GROUP BY s.segment_id, s.name, s.last_computed_at
  ORDER BY s.segment_id`,
  clickhouse: `
  WITH segments AS (
    SELECT segment_id, name, last_computed_at,
           if(first_computed_at IS NULL OR first_computed_at > {recent:DateTime64(3, 'UTC')}, NULL,
              greatest(toDate(assumeNotNull(first_computed_at), 'UTC'), {first_day:Date})) AS trend_from
    FROM cdp_segments FINAL
    WHERE workspace_id = {ws:String} AND active
  ),
  latest AS (
    SELECT segment_id, joined_at, left_at FROM cdp_memberships FINAL
    WHERE workspace_id = {ws:String} AND segment_id IN (SELECT segment_id FROM segments)
  ),
  changes AS (
    SELECT segment_id, greatest(toDate(joined_at, 'UTC'), {first_day:Date}) AS day, toInt64(count()) AS delta
    FROM latest WHERE joined_at <= {now:DateTime64(3, 'UTC')}
    GROUP BY segment_id, day
    UNION ALL
    SELECT segment_id, greatest(toDate(greatest(joined_at, assumeNotNull(left_at)), 'UTC'), {first_day:Date}) AS day, -toInt64(count()) AS delta
    FROM latest WHERE left_at IS NOT NULL AND greatest(joined_at, assumeNotNull(left_at)) <= {now:DateTime64(3, 'UTC')}
    GROUP BY segment_id, day
  ),
  days AS (SELECT {first_day:Date} + number AS day FROM numbers(${TREND_DAYS})),
  series AS (
    SELECT s.segment_id AS segment_id, d.day AS day, s.trend_from AS trend_from,
           sum(coalesce(c.delta, 0)) OVER (PARTITION BY s.segment_id ORDER BY d.day) AS members
    FROM segments AS s
    CROSS JOIN days AS d
    LEFT JOIN (SELECT segment_id, day, sum(delta) AS delta FROM changes GROUP BY segment_id, day) AS c
      ON c.segment_id = s.segment_id AND c.day = d.day
  )
  SELECT s.segment_id AS id, s.name AS name,
         maxIf(series.members, series.day = {today:Date}) AS member_count,
         s.last_computed_at AS last_computed_at,
         arrayMap(t -> CAST((toString(t.1), t.2), 'Tuple(day String, count Int64)'),
                  arraySort(groupArrayIf((series.day, series.members), series.day >= series.trend_from))) AS trend
  FROM segments AS s JOIN series ON series.segment_id = s.segment_id
  GROUP BY s.segment_id, s.name, s.last_computed_at
  ORDER BY id`,
};

type SegmentRow = z.output<typeof response>[number];

/** Either engine's row in the answer's field order. */
function toSegment(row: SegmentRow): SegmentRow {
  return {
    id: row.id,
    name: row.name,
    member_count: row.member_count,
    last_computed_at: wholeSecondInstantOrNull(row.last_computed_at),
    trend: row.trend.map((point) => ({ day: point.day, count: point.count })),
  };
}

export const segmentsEndpoint = defineEndpoint({
  name: "cdp_segments",
  family: "cdp",
  title: "Segments",
  description:
    "Every active segment by id: its current member count, when it was last computed, and its member count at the end of each of the last 30 days (UTC).",
  method: "GET",
  path: "/api/analytics/segments/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_SEGMENTS",
  async compute(ctx) {
    const nowMs = ctx.now.getTime();
    const today = utcDate(nowMs);
    const rows = await ctx.store.query<SegmentRow>(SEGMENTS_SQL[ctx.store.dialect], {
      now: ctx.now.toISOString(),
      today,
      first_day: addDays(today, 1 - TREND_DAYS),
      recent: new Date(nowMs - 2 * DAY_MS).toISOString(),
    });
    return rows.map(toSegment);
  },
});
