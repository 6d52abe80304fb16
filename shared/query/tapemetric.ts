// The Tapemetric query vocabulary: viewing sessions split by title, device, region, PoP and UTC time.
// Figures use the fixed endpoints' definitions (watchHours, percentOf: top content, geo, the QoS rule).

import { percentOf, TM_RANGES, watchHours } from "../endpoints/tapemetric/range.ts";
import { round } from "../catalog/rounding.ts";
import type { FamilySpec } from "./vocabulary.ts";

export const TAPEMETRIC_QUERY: FamilySpec = {
  family: "tapemetric",
  ranges: [...TM_RANGES, "custom"],
  defaultRange: "7d",
  zoned: false,
  countMetric: "sessions",
  metrics: {
    sessions: { description: "sessions started in the period", bases: ["sessions"], sortSql: "sessions", value: (b) => b.sessions },
    watch_hours: {
      description: "watch time of the sessions, hours, 1 decimal (a session's whole watch time counts where it started)",
      bases: ["watch"],
      sortSql: "watch",
      value: (b) => watchHours(b.watch),
      exact: (b) => b.watch,
    },
    viewers: { description: "distinct users", bases: ["viewers"], sortSql: "viewers", value: (b) => b.viewers },
    completion_pct: {
      description: "completed sessions ÷ sessions, percent, 1 decimal",
      bases: ["completed", "sessions"],
      sortSql: "CASE WHEN sessions > 0 THEN completed / sessions ELSE 0 END",
      value: (b) => percentOf(b.completed, b.sessions),
      exact: (b) => (b.sessions > 0 ? b.completed / b.sessions : 0),
    },
    avg_watch_minutes: {
      description: "watch time per session, minutes, 1 decimal; 0 without sessions",
      bases: ["watch", "sessions"],
      sortSql: "CASE WHEN sessions > 0 THEN watch / sessions ELSE 0 END",
      value: (b) => (b.sessions > 0 ? round(b.watch / b.sessions / 60, 1) : 0),
      exact: (b) => (b.sessions > 0 ? b.watch / b.sessions : 0),
    },
    rebuffer_ratio: {
      description: "rebuffering seconds ÷ watch seconds, percent, 1 decimal (the QoS alert's ratio); 0 without watch time",
      bases: ["rebuffer", "watch"],
      sortSql: "CASE WHEN watch > 0 THEN rebuffer / watch ELSE 0 END",
      value: (b) => percentOf(b.rebuffer, b.watch),
      exact: (b) => (b.watch > 0 ? b.rebuffer / b.watch : 0),
    },
  },
  dimensions: {
    content_id: "content id",
    title: "title from the catalogue; the content id when the title is not in it",
    content_type: 'series, movie, episode, live, short, or "unknown" when the title is not in the catalogue',
    device: "tv, mobile, web or tablet",
    region: "region of the viewer (e.g. an Indian state)",
    pop: "edge point of presence (e.g. ap-south-1)",
  },
  sources: [
    {
      from: { duckdb: "tm_sessions s", clickhouse: "tm_sessions AS s FINAL" },
      alias: "s",
      time: "s.started_at",
      joins: {
        content: {
          duckdb: "LEFT JOIN tm_content tc ON tc.workspace_id = $ws AND tc.content_id = s.content_id",
          clickhouse:
            "LEFT JOIN (SELECT content_id, title, content_type FROM tm_content FINAL WHERE workspace_id = {ws:String}) AS tc ON tc.content_id = s.content_id",
        },
      },
      bases: {
        sessions: "count(*)",
        watch: "sum(s.watch_seconds)",
        // DuckDB counts the interned integer per user (faster); ClickHouse counts the ids themselves.
        viewers: { duckdb: "count(DISTINCT s.user_key)", clickhouse: "uniqExact(s.user_id)" },
        completed: "count(*) FILTER (WHERE s.completed)",
        rebuffer: "sum(coalesce(s.rebuffer_seconds, 0))",
      },
      dimensions: {
        content_id: { sql: "s.content_id" },
        title: { sql: "coalesce(tc.title, s.content_id)", join: "content" },
        content_type: { sql: "coalesce(tc.content_type, 'unknown')", join: "content" },
        device: { sql: "s.device" },
        region: { sql: "s.region" },
        pop: { sql: "s.pop" },
      },
    },
  ],
};
