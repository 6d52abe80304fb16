// The CDP query vocabulary: events and new members split by event type, current segment and UTC time.
// Segment membership is the CDP endpoints' own (latest row per member, current at now, active segments).

import { CH, IS_CURRENT, LATEST_MEMBERSHIPS } from "../endpoints/cdp/memberships.ts";
import { TM_RANGES } from "../endpoints/tapemetric/range.ts";
import { sqlFor, type Dialect, type EngineSql, type FamilySpec, type SourceDimension } from "./vocabulary.ts";

/** Members and the names of the active segments they currently belong to (ClickHouse: the winning rows, FINAL). */
const CURRENT_SEGMENT_NAMES: EngineSql = {
  duckdb: `
  SELECT cm.member_id, sg.name AS segment
  FROM (${LATEST_MEMBERSHIPS}) cm
  JOIN cdp_segments sg ON sg.workspace_id = $ws AND sg.segment_id = cm.segment_id AND sg.active
  WHERE ${IS_CURRENT}`,
  clickhouse: `
  SELECT cm.member_id, sg.name AS segment
  FROM (SELECT segment_id, member_id FROM cdp_memberships FINAL WHERE workspace_id = {ws:String} AND ${CH.IS_CURRENT}) AS cm
  JOIN (SELECT segment_id, name FROM cdp_segments FINAL WHERE workspace_id = {ws:String} AND active) AS sg ON sg.segment_id = cm.segment_id`,
};

const segmentJoin = (alias: string): EngineSql => {
  const join = (dialect: Dialect) => `JOIN (${sqlFor(CURRENT_SEGMENT_NAMES, dialect)}) AS sm ON sm.member_id = ${alias}.member_id`;
  return { duckdb: join("duckdb"), clickhouse: join("clickhouse") };
};

function segmentOf(alias: string): SourceDimension {
  return { sql: "sm.segment", join: "segment", fanOut: { key: `${alias}.member_id`, rows: CURRENT_SEGMENT_NAMES, alias: "sm" } };
}

export const CDP_QUERY: FamilySpec = {
  family: "cdp",
  ranges: [...TM_RANGES, "custom"],
  defaultRange: "7d",
  zoned: false,
  countMetric: "events",
  metrics: {
    events: { description: "events in the period", bases: ["events"], sortSql: "events", value: (b) => b.events },
    active_members: { description: "distinct members with an event in the period", bases: ["active_members"], sortSql: "active_members", value: (b) => b.active_members },
    new_members: {
      description: "members created in the period (splits by segment and time only)",
      bases: ["new_members"],
      sortSql: "new_members",
      value: (b) => b.new_members,
    },
  },
  dimensions: {
    event_type: "the event's type (e.g. page_view, purchase)",
    segment: "name of an active segment the member belongs to now; a member in several segments counts in each",
  },
  sources: [
    {
      from: { duckdb: "cdp_events e", clickhouse: "cdp_events AS e FINAL" },
      alias: "e",
      time: "e.ts",
      joins: { segment: segmentJoin("e") },
      bases: { events: "count(*)", active_members: "count(DISTINCT e.member_id)" },
      dimensions: { event_type: { sql: "e.type" }, segment: segmentOf("e") },
    },
    {
      from: { duckdb: "cdp_members m", clickhouse: "cdp_members AS m FINAL" },
      alias: "m",
      time: "m.created_at",
      joins: { segment: segmentJoin("m") },
      bases: { new_members: "count(*)" },
      dimensions: { segment: segmentOf("m") },
    },
  ],
};
