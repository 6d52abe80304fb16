// GET /v1/analytics/alerts (CONTRACT §9.6): quality alerts, newest first, filtered by severity and state.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { limitParam, offsetParam } from "../../catalog/params.ts";
import { wholeSecondInstant } from "../../catalog/wire.ts";
import { SEVERITIES } from "../../store/tables.ts";

const params = z.object({
  severity: z.enum(SEVERITIES).optional().describe(`Only alerts of this severity: ${SEVERITIES.join(", ")}. Default: all.`),
  acknowledged: z.boolean().optional().describe("true: only acknowledged alerts; false: only open ones. Default: both."),
  limit: limitParam(50),
  offset: offsetParam(),
});

export const alertSchema = z.object({
  id: z.number().int().describe("The alert's id in this workspace."),
  severity: z.enum(SEVERITIES),
  source: z.string().describe('What raised it, e.g. "qos" for the rebuffer rule.'),
  title: z.string(),
  description: z.string(),
  acknowledged: z.boolean(),
  created_at: z.string().describe("When it was raised, ISO-8601 UTC in whole seconds."),
});

export type Alert = z.output<typeof alertSchema>;

/** The stored columns of an alert, in the order the API shows them. */
export const ALERT_COLUMNS = "id, severity, source, title, coalesce(description, '') AS description, acknowledged, created_at";

/** A stored alert as the API shows it: its instant in whole seconds. */
export function alertOf(row: Alert): Alert {
  return { ...row, created_at: wholeSecondInstant(row.created_at) };
}

export const alertsEndpoint = defineEndpoint({
  name: "tapemetric_alerts",
  family: "tapemetric",
  title: "Quality alerts",
  description: "Alerts (rebuffer spikes and imported ones), newest first, optionally only one severity or only open or acknowledged ones.",
  method: "GET",
  path: "/v1/analytics/alerts",
  params,
  response: z.array(alertSchema),
  readOnly: true,
  cacheable: true,
  sheetFunction: "TM_ALERTS",
  async compute(ctx, p) {
    const sql = {
      duckdb: `
        SELECT ${ALERT_COLUMNS} FROM tm_alerts
        WHERE workspace_id = $ws
          ${p.severity === undefined ? "" : "AND severity = $severity"}
          ${p.acknowledged === undefined ? "" : "AND acknowledged = $acknowledged"}
        ORDER BY created_at DESC, id DESC
        LIMIT $limit OFFSET $offset`,
      clickhouse: `
        SELECT ${ALERT_COLUMNS} FROM tm_alerts FINAL
        WHERE workspace_id = {ws:String}
          ${p.severity === undefined ? "" : "AND severity = {severity:String}"}
          ${p.acknowledged === undefined ? "" : "AND acknowledged = {acknowledged:Bool}"}
        ORDER BY created_at DESC, id DESC
        LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    };
    const rows = await ctx.store.query<Alert>(
      sql[ctx.store.dialect],
      {
        limit: p.limit,
        offset: p.offset,
        ...(p.severity === undefined ? {} : { severity: p.severity }),
        ...(p.acknowledged === undefined ? {} : { acknowledged: p.acknowledged }),
      },
    );
    return rows.map(alertOf);
  },
});
