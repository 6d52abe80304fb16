// POST /v1/analytics/alerts/{id}/acknowledge (CONTRACT §9.6): marks one alert of the workspace as seen.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { NotFound } from "../../errors.ts";
import { ALERT_COLUMNS, alertOf, alertSchema, type Alert } from "./alerts.ts";

const params = z.object({ id: z.number().int().describe("The id of the alert to acknowledge (from the alerts list).") });

// ClickHouse changes stored rows with a mutation; the store runs it synchronously (mutations_sync).
const SQL = {
  duckdb: {
    acknowledge: "UPDATE tm_alerts SET acknowledged = true WHERE workspace_id = $ws AND id = $id",
    read: `SELECT ${ALERT_COLUMNS} FROM tm_alerts WHERE workspace_id = $ws AND id = $id`,
  },
  clickhouse: {
    acknowledge: "ALTER TABLE tm_alerts UPDATE acknowledged = true WHERE workspace_id = {ws:String} AND id = {id:Int64}",
    read: `SELECT ${ALERT_COLUMNS} FROM tm_alerts FINAL WHERE workspace_id = {ws:String} AND id = {id:Int64}`,
  },
};

export const acknowledgeAlertEndpoint = defineEndpoint({
  name: "tapemetric_acknowledge_alert",
  family: "tapemetric",
  title: "Acknowledge an alert",
  description: "Marks an alert as acknowledged and returns it; acknowledging it again changes nothing.",
  method: "POST",
  path: "/v1/analytics/alerts/:id/acknowledge",
  params,
  response: alertSchema,
  readOnly: false,
  idempotent: true,
  cacheable: false,
  async compute(ctx, p) {
    const { acknowledge, read } = SQL[ctx.store.dialect];
    await ctx.store.exec(acknowledge, { id: p.id });
    const [alert] = await ctx.store.query<Alert>(read, { id: p.id });
    if (!alert) throw new NotFound(`No alert with id ${p.id} in this workspace.`);
    return alertOf(alert);
  },
});
