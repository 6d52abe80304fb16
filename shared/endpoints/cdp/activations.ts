// GET /api/analytics/activations/ (CONTRACT §11.4): every activation (a segment synced to a destination)
// with its audience size, its success rate over the latest 30 syncs and its 5 latest sync runs.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { round } from "../../catalog/rounding.ts";
import { wholeSecondInstant, wholeSecondInstantOrNull } from "../../catalog/wire.ts";
import { CH, IS_CURRENT, LATEST_MEMBERSHIPS } from "./memberships.ts";

const RATE_WINDOW = 30;
const LATEST_LOGS = 5;

const syncLog = z.object({
  status: z.string().describe("success or error."),
  user_count: z.number().int().describe("Users sent in this run."),
  error_message: z.string().describe("Empty for a successful run."),
  synced_at: z.string().describe("When the run finished, ISO-8601 UTC in whole seconds."),
});

const response = z.array(
  z.object({
    id: z.number().int().describe("The activation's id."),
    segment_id: z.number().int(),
    segment_name: z.string().nullable().describe("The segment's name; null when the segment is not known."),
    connector_type: z.string().describe("The destination, e.g. facebook_ads."),
    status: z.string().describe("The activation's state as stored, e.g. active or paused."),
    last_synced_at: z.string().nullable().describe("ISO-8601 UTC in whole seconds; null if it never synced."),
    last_error: z.string().describe("The last error reported; empty when none."),
    member_count: z.number().int().describe("Current members of its segment."),
    success_rate: z
      .number()
      .int()
      .nullable()
      .describe("Successful runs among its latest 30 sync runs, percent, rounded to an integer; null with no runs."),
    sync_logs: z.array(syncLog).describe("The 5 latest sync runs, newest first."),
  }),
);

// Sync runs up to now, newest first; runs at the same instant are ordered by import, later first.
const ACTIVATIONS_SQL = {
  duckdb: `
  WITH members AS (
    SELECT segment_id, count(*) AS member_count
    FROM (${LATEST_MEMBERSHIPS})
    WHERE ${IS_CURRENT} AND segment_id IN (SELECT segment_id FROM cdp_activations WHERE workspace_id = $ws)
    GROUP BY segment_id
  ),
  ranked AS (
    SELECT activation_id, status, user_count, coalesce(error_message, '') AS error_message, synced_at,
           row_number() OVER (PARTITION BY activation_id ORDER BY synced_at DESC, rowid DESC) AS n
    FROM cdp_sync_logs
    WHERE workspace_id = $ws AND synced_at <= $now::TIMESTAMP
  ),
  logs AS (
    SELECT activation_id, count(*) AS runs, count(*) FILTER (WHERE status = 'success') AS successes,
           list({'status': status, 'user_count': user_count, 'error_message': error_message, 'synced_at': synced_at} ORDER BY n)
             FILTER (WHERE n <= ${LATEST_LOGS}) AS sync_logs
    FROM ranked
    WHERE n <= ${RATE_WINDOW}
    GROUP BY activation_id
  )
  SELECT a.activation_id AS id, a.segment_id, s.name AS segment_name, a.connector_type, a.status, a.last_synced_at,
         coalesce(a.last_error, '') AS last_error, coalesce(m.member_count, 0) AS member_count,
         coalesce(l.runs, 0) AS runs, coalesce(l.successes, 0) AS successes, coalesce(l.sync_logs, []) AS sync_logs
  FROM cdp_activations a
  LEFT JOIN cdp_segments s ON s.workspace_id = $ws AND s.segment_id = a.segment_id
  LEFT JOIN members m ON m.segment_id = a.segment_id
  LEFT JOIN logs l ON l.activation_id = a.activation_id
  WHERE a.workspace_id = $ws
  ORDER BY a.activation_id`,
  // mg_version grows with every load and with each row of a load: the import order DuckDB's rowid gives.
  clickhouse: `
  WITH members AS (
    SELECT segment_id, count() AS member_count
    FROM cdp_memberships FINAL
    WHERE workspace_id = {ws:String} AND ${CH.IS_CURRENT}
      AND segment_id IN (SELECT segment_id FROM cdp_activations FINAL WHERE workspace_id = {ws:String})
    GROUP BY segment_id
  ),
  ranked AS (
    SELECT activation_id, status, user_count, coalesce(error_message, '') AS error_message, synced_at,
           row_number() OVER (PARTITION BY activation_id ORDER BY synced_at DESC, mg_version DESC) AS n
    FROM cdp_sync_logs
    WHERE workspace_id = {ws:String} AND synced_at <= {now:DateTime64(3, 'UTC')}
  ),
  logs AS (
    SELECT activation_id, count() AS runs, countIf(status = 'success') AS successes,
           arrayMap(t -> CAST(t.2, 'Tuple(status String, user_count Int64, error_message String, synced_at DateTime64(3, \\'UTC\\'))'),
                    arraySort(groupArrayIf((n, (status, user_count, error_message, synced_at)), n <= ${LATEST_LOGS}))) AS sync_logs
    FROM ranked
    WHERE n <= ${RATE_WINDOW}
    GROUP BY activation_id
  )
  SELECT a.activation_id AS id, a.segment_id AS segment_id, s.name AS segment_name, a.connector_type AS connector_type,
         a.status AS status, a.last_synced_at AS last_synced_at, coalesce(a.last_error, '') AS last_error,
         coalesce(m.member_count, 0) AS member_count, coalesce(l.runs, 0) AS runs, coalesce(l.successes, 0) AS successes,
         l.sync_logs AS sync_logs
  FROM cdp_activations AS a FINAL
  LEFT JOIN (SELECT segment_id, name FROM cdp_segments FINAL WHERE workspace_id = {ws:String}) AS s ON s.segment_id = a.segment_id
  LEFT JOIN members AS m ON m.segment_id = a.segment_id
  LEFT JOIN logs AS l ON l.activation_id = a.activation_id
  WHERE a.workspace_id = {ws:String}
  ORDER BY id`,
};

type ActivationRow = Omit<z.output<typeof response>[number], "success_rate"> & { runs: number; successes: number };

export const activationsEndpoint = defineEndpoint({
  name: "cdp_activations",
  family: "cdp",
  title: "Activations",
  description:
    "Every activation by id: its destination and state, its segment's current members, the success rate of its latest 30 syncs, and its 5 latest sync runs.",
  method: "GET",
  path: "/api/analytics/activations/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_ACTIVATIONS",
  async compute(ctx) {
    const rows = await ctx.store.query<ActivationRow>(ACTIVATIONS_SQL[ctx.store.dialect], { now: ctx.now.toISOString() });
    return rows.map(({ runs, successes, sync_logs, ...activation }) => ({
      ...activation,
      last_synced_at: wholeSecondInstantOrNull(activation.last_synced_at),
      success_rate: runs === 0 ? null : round((successes / runs) * 100, 0),
      sync_logs: sync_logs.map((log) => ({ ...log, synced_at: wholeSecondInstant(log.synced_at) })),
    }));
  },
});
