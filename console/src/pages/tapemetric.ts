// The Tapemetric dashboard: KPIs with week-over-week deltas, concurrent viewers, top content, geo,
// devices and alerts — each number from the Tapemetric endpoints themselves.

import { doughnutChart, lineChart } from "../chart.ts";
import { el, emptyState, kpi, panel, select } from "../dom.ts";
import { formatCount, formatDelta, formatInstant, formatMoney, formatPercent } from "../format.ts";
import { param } from "../state.ts";
import { sortableTable } from "../table.ts";
import { filterBar, type PageContext } from "./context.ts";

const RANGES = ["24h", "7d", "30d", "qtd"] as const;
const INTERVALS = ["1", "5", "15", "30", "60"] as const;

interface Overview {
  monthly_active_users: number;
  watch_hours: number;
  paid_subscribers: number;
  arpu_inr: number;
  churn_pct: number;
  wow_delta: { mau: number | null; watch_hours: number | null; subs: number | null; revenue: number | null };
}
interface Concurrency {
  interval_minutes: number;
  points: { ts: string; value: number }[];
  peak: number;
  peak_at: string | null;
}
interface Content {
  content_id: string;
  title: string;
  content_type: string;
  watch_hours: number;
  completion_pct: number;
  unique_viewers: number;
}
interface Region {
  region: string;
  watch_hours: number;
  viewers: number;
  share_pct: number;
}
interface Device {
  device: string;
  sessions: number;
  share_pct: number;
}
interface Alert {
  id: number;
  severity: string;
  source: string;
  title: string;
  description: string;
  acknowledged: boolean;
  created_at: string;
}

/** A KPI with its change against the previous period. */
function kpiWithDelta(name: string, label: string, value: string, delta?: number | null): HTMLElement {
  const trend = delta === undefined ? null : el("span", { class: `delta ${delta === null ? "" : delta >= 0 ? "up" : "down"}` }, `${formatDelta(delta)} vs previous period`);
  return kpi(name, label, value, trend);
}

export async function tapemetricPage(ctx: PageContext): Promise<HTMLElement> {
  const range = param(ctx.state, "range", "7d", RANGES);
  const concurrencyRange = param(ctx.state, "crange", "24h", RANGES);
  const interval = param(ctx.state, "interval", "15", INTERVALS);
  const [overview, concurrency, content, geo, devices, alerts] = await Promise.all([
    ctx.api.endpoint<Overview>("tapemetric_overview", { range }),
    ctx.api.endpoint<Concurrency>("tapemetric_concurrency", { range: concurrencyRange, interval }).catch((e: Error) => e),
    ctx.api.endpoint<Content[]>("tapemetric_top_content", { range, limit: 10 }),
    ctx.api.endpoint<Region[]>("tapemetric_geo", { range, limit: 50 }),
    ctx.api.endpoint<Device[]>("tapemetric_devices", { range, limit: 50 }),
    ctx.api.endpoint<Alert[]>("tapemetric_alerts", { limit: 50 }),
  ]);

  const filters = filterBar(
    ctx,
    select("range", "Range", RANGES, range),
    select("crange", "Concurrency range", RANGES, concurrencyRange),
    select("interval", "Interval (minutes)", INTERVALS, interval),
  );

  const kpis = el(
    "div",
    { class: "kpis" },
    kpiWithDelta("monthly_active_users", "Monthly active users", formatCount(overview.monthly_active_users), overview.wow_delta.mau),
    kpiWithDelta("watch_hours", "Watch hours", formatCount(overview.watch_hours), overview.wow_delta.watch_hours),
    kpiWithDelta("paid_subscribers", "Paid subscribers", formatCount(overview.paid_subscribers), overview.wow_delta.subs),
    kpiWithDelta("arpu_inr", "ARPU", formatMoney(overview.arpu_inr, "INR"), overview.wow_delta.revenue),
    kpiWithDelta("churn_pct", "Churn", formatPercent(overview.churn_pct)),
  );

  const concurrencyPanel =
    concurrency instanceof Error
      ? panel("Concurrent viewers", el("p", { class: "error", role: "alert" }, concurrency.message))
      : panel(
          "Concurrent viewers",
          el("p", { class: "note", "data-peak": String(concurrency.peak) }, `Peak ${formatCount(concurrency.peak)} at ${formatInstant(concurrency.peak_at)}`),
          lineChart(
            "concurrency",
            concurrency.points.map((p) => formatInstant(p.ts)),
            [{ label: "Concurrent viewers", values: concurrency.points.map((p) => p.value) }],
          ),
        );

  const ack = (alert: Alert): Node => {
    if (alert.acknowledged) return document.createTextNode("acknowledged");
    const button = el("button", { type: "button", "data-ack": String(alert.id) }, "Acknowledge");
    button.addEventListener("click", async () => {
      button.disabled = true;
      await ctx.api.acknowledgeAlert(alert.id);
      ctx.update(Object.fromEntries(ctx.state.params));
    });
    return button;
  };

  return el(
    "div",
    { class: "dashboard", "data-dashboard": "tapemetric" },
    el("h1", {}, "Tapemetric"),
    filters,
    kpis,
    concurrencyPanel,
    panel(
      "Top content",
      content.length === 0
        ? emptyState("No viewing sessions in this range.", "tm_sessions")
        : sortableTable("top_content", [
            { label: "Title", value: (r: Content) => r.title },
            { label: "Type", value: (r: Content) => r.content_type },
            { label: "Watch hours", value: (r: Content) => r.watch_hours, format: (r: Content) => formatCount(r.watch_hours), numeric: true },
            { label: "Completion", value: (r: Content) => r.completion_pct, format: (r: Content) => formatPercent(r.completion_pct), numeric: true },
            { label: "Unique viewers", value: (r: Content) => r.unique_viewers, format: (r: Content) => formatCount(r.unique_viewers), numeric: true },
          ], content),
    ),
    el(
      "div",
      { class: "columns" },
      panel(
        "Regions",
        geo.length === 0
          ? emptyState("No viewing sessions in this range.", "tm_sessions")
          : sortableTable("geo", [
              { label: "Region", value: (r: Region) => r.region },
              { label: "Watch hours", value: (r: Region) => r.watch_hours, format: (r: Region) => formatCount(r.watch_hours), numeric: true },
              { label: "Viewers", value: (r: Region) => r.viewers, format: (r: Region) => formatCount(r.viewers), numeric: true },
              { label: "Share", value: (r: Region) => r.share_pct, format: (r: Region) => formatPercent(r.share_pct), numeric: true },
            ], geo),
      ),
      panel(
        "Devices",
        devices.length === 0
          ? emptyState("No viewing sessions in this range.", "tm_sessions")
          : el(
              "div",
              {},
              doughnutChart("devices", devices.map((d) => d.device), devices.map((d) => d.sessions)),
              sortableTable("devices", [
                { label: "Device", value: (r: Device) => r.device },
                { label: "Sessions", value: (r: Device) => r.sessions, format: (r: Device) => formatCount(r.sessions), numeric: true },
                { label: "Share", value: (r: Device) => r.share_pct, format: (r: Device) => formatPercent(r.share_pct), numeric: true },
              ], devices),
            ),
      ),
    ),
    panel(
      "Alerts",
      alerts.length === 0
        ? emptyState("No alerts yet. The QoS rule raises them; you can also import them.", "tm_alerts")
        : sortableTable("alerts", [
            { label: "Raised", value: (r: Alert) => r.created_at, format: (r: Alert) => formatInstant(r.created_at) },
            { label: "Severity", value: (r: Alert) => r.severity },
            { label: "Source", value: (r: Alert) => r.source },
            { label: "Title", value: (r: Alert) => r.title },
            { label: "Description", value: (r: Alert) => r.description },
            { label: "Status", value: (r: Alert) => (r.acknowledged ? 1 : 0), format: ack },
          ], alerts),
    ),
  );
}
