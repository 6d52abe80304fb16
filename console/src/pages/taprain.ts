// The Taprain dashboard: range, time zone and filters; clicks, leads and revenue over time; the country,
// source and offer breakdowns with CVR and EPC — all from GET /api/v1/stats.

import { lineChart } from "../chart.ts";
import { el, emptyState, kpi, input, panel, select } from "../dom.ts";
import { formatCount, formatDecimal, formatInstant, formatMoney, formatPercent } from "../format.ts";
import { param } from "../state.ts";
import { sortableTable, type Column } from "../table.ts";
import { filterBar, type PageContext } from "./context.ts";

const RANGES = ["hour", "today", "yesterday", "7days", "30days"] as const;

interface Figures {
  clicks: number;
  leads: number;
  revenue: number;
  cvr: number;
  epc: number;
}
interface Stats {
  meta: { timezone: string; granularity: string; period_start: string; period_end: string };
  data: {
    summary: Figures;
    time_series: (Figures & { period: string })[];
    by_country: (Figures & { country: string })[];
    by_source: (Figures & { source: string })[];
    by_offer: (Figures & { offer: string })[];
  };
}

function figureColumns<T extends Figures>(): Column<T>[] {
  return [
    { label: "Clicks", value: (r) => r.clicks, format: (r) => formatCount(r.clicks), numeric: true },
    { label: "Leads", value: (r) => r.leads, format: (r) => formatCount(r.leads), numeric: true },
    { label: "Revenue", value: (r) => r.revenue, format: (r) => formatMoney(r.revenue, "USD"), numeric: true },
    { label: "CVR", value: (r) => r.cvr, format: (r) => formatPercent(r.cvr, 2), numeric: true },
    { label: "EPC", value: (r) => r.epc, format: (r) => formatMoney(r.epc, "USD"), numeric: true },
  ];
}

function breakdown<T extends Figures>(title: string, label: string, name: string, key: (row: T) => string, rows: T[]): HTMLElement {
  return panel(
    title,
    rows.length === 0
      ? emptyState("No clicks or conversions match.", "tr_clicks")
      : sortableTable(name, [{ label, value: key }, ...figureColumns<T>()], rows),
  );
}

export async function taprainPage(ctx: PageContext): Promise<HTMLElement> {
  const range = param(ctx.state, "range", "7days", RANGES);
  const timezone = param(ctx.state, "timezone", "America/New_York");
  const country = param(ctx.state, "country", "");
  const offer = param(ctx.state, "offer", "");
  const source = param(ctx.state, "source", "");
  const filters = filterBar(
    ctx,
    select("range", "Range", RANGES, range),
    input("timezone", "Time zone", timezone, "America/New_York"),
    input("country", "Countries", country, "US,GB"),
    input("offer", "Offers", offer, "Freecash CPI"),
    input("source", "Sources", source, "tiktok_bio"),
  );
  let stats: Stats;
  try {
    stats = await ctx.api.endpoint<Stats>("taprain_stats", { range, timezone, country, offer, source });
  } catch (e) {
    return el("div", { class: "dashboard", "data-dashboard": "taprain" }, el("h1", {}, "Taprain"), filters, el("p", { class: "error", role: "alert" }, (e as Error).message));
  }
  const { summary, time_series: series } = stats.data;
  const kpis = el(
    "div",
    { class: "kpis" },
    ...(
      [
        ["clicks", "Clicks", formatCount(summary.clicks)],
        ["leads", "Leads", formatCount(summary.leads)],
        ["revenue", "Revenue", formatMoney(summary.revenue, "USD")],
        ["cvr", "CVR", formatPercent(summary.cvr, 2)],
        ["epc", "EPC", `$${formatDecimal(summary.epc, 4)}`],
      ] as const
    ).map(([name, label, value]) => kpi(name, label, value)),
  );
  return el(
    "div",
    { class: "dashboard", "data-dashboard": "taprain" },
    el("h1", {}, "Taprain"),
    filters,
    el("p", { class: "note" }, `${formatInstant(stats.meta.period_start)} – ${formatInstant(stats.meta.period_end)} · ${stats.meta.timezone} · by ${stats.meta.granularity}`),
    kpis,
    panel(
      "Over time",
      lineChart(
        "time_series",
        series.map((row) => row.period),
        [
          { label: "Clicks", values: series.map((row) => row.clicks) },
          { label: "Leads", values: series.map((row) => row.leads) },
          { label: "Revenue (USD)", values: series.map((row) => row.revenue), right: true },
        ],
      ),
    ),
    breakdown("By country", "Country", "by_country", (r: Figures & { country: string }) => r.country, stats.data.by_country),
    breakdown("By source", "Source", "by_source", (r: Figures & { source: string }) => r.source, stats.data.by_source),
    breakdown("By offer", "Offer", "by_offer", (r: Figures & { offer: string }) => r.offer, stats.data.by_offer),
  );
}
