// GET /v1/analytics/top-content (CONTRACT §9.4): titles of a range by watch time, with completion and
// unique viewers; titles missing from tm_content keep their id and the type "unknown".

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { limitParam, offsetParam } from "../../catalog/params.ts";
import { percentOf, rangeBounds, rangeParam, watchHours } from "./range.ts";

const params = z.object({ range: rangeParam("7d"), limit: limitParam(10), offset: offsetParam() });

const response = z.array(
  z.object({
    content_id: z.string(),
    title: z.string().describe("From tm_content; the content id when the title is not in the catalogue."),
    content_type: z.string().describe('series, movie, episode, live, short, or "unknown" when not in the catalogue.'),
    watch_hours: z.number().describe("Watch time of the range's sessions of this title, hours, 1 decimal."),
    completion_pct: z.number().describe("Completed sessions ÷ sessions, percent, 1 decimal."),
    unique_viewers: z.number().int().describe("Distinct users who watched it in the range."),
  }),
);

// The page is cut before the catalogue join, so only `limit` titles are looked up.
const TOP_CONTENT_SQL = {
  duckdb: `
  SELECT t.content_id, coalesce(c.title, t.content_id) AS title, coalesce(c.content_type, 'unknown') AS content_type,
         t.watch, t.sessions, t.completed, t.viewers
  FROM (
    SELECT content_id, sum(watch_seconds)::DOUBLE AS watch, count(*) AS sessions,
           count(*) FILTER (WHERE completed) AS completed, count(DISTINCT user_key) AS viewers
    FROM tm_sessions
    WHERE workspace_id = $ws AND started_at >= $start::TIMESTAMP AND started_at < $end::TIMESTAMP
    GROUP BY content_id
    ORDER BY watch DESC, content_id ASC
    LIMIT $limit OFFSET $offset
  ) t
  LEFT JOIN tm_content c ON c.workspace_id = $ws AND c.content_id = t.content_id
  ORDER BY t.watch DESC, t.content_id ASC`,
  clickhouse: `
  SELECT t.content_id AS content_id, coalesce(c.title, t.content_id) AS title, coalesce(c.content_type, 'unknown') AS content_type,
         t.watch AS watch, t.sessions AS sessions, t.completed AS completed, t.viewers AS viewers
  FROM (
    SELECT content_id, sum(watch_seconds) AS watch, count() AS sessions, countIf(completed) AS completed, uniqExact(user_id) AS viewers
    FROM tm_sessions FINAL
    WHERE workspace_id = {ws:String} AND started_at >= {start:DateTime64(3, 'UTC')} AND started_at < {end:DateTime64(3, 'UTC')}
    GROUP BY content_id
    ORDER BY watch DESC, content_id ASC
    LIMIT {limit:UInt32} OFFSET {offset:UInt32}
  ) AS t
  LEFT JOIN (SELECT content_id, title, content_type FROM tm_content FINAL WHERE workspace_id = {ws:String}) AS c ON c.content_id = t.content_id
  ORDER BY t.watch DESC, t.content_id ASC`,
};

interface TitleRow {
  content_id: string;
  title: string;
  content_type: string;
  watch: number;
  sessions: number;
  completed: number;
  viewers: number;
}

export const topContentEndpoint = defineEndpoint({
  name: "tapemetric_top_content",
  family: "tapemetric",
  title: "Top content",
  description:
    "Titles ranked by watch time of the sessions started in the range (then by content id), with completion " +
    "rate and unique viewers. Page with limit and offset.",
  method: "GET",
  path: "/v1/analytics/top-content",
  params,
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_TOP_CONTENT",
  async compute(ctx, p) {
    const rows = await ctx.store.query<TitleRow>(TOP_CONTENT_SQL[ctx.store.dialect], {
      ...rangeBounds(p.range, ctx.now.getTime()),
      limit: p.limit,
      offset: p.offset,
    });
    return rows.map((r) => ({
      content_id: r.content_id,
      title: r.title,
      content_type: r.content_type,
      watch_hours: watchHours(r.watch),
      completion_pct: percentOf(r.completed, r.sessions),
      unique_viewers: r.viewers,
    }));
  },
});
