// The CDP dashboard: segments with their 30-day trends, the overlap matrix, activations with sync status,
// copilot usage and plan usage against its limits — each from the CDP analytics endpoints.

import { barChart, lineChart } from "../chart.ts";
import { el, emptyState, kpi, panel } from "../dom.ts";
import { formatCount, formatInstant, formatPercent } from "../format.ts";
import { sortableTable } from "../table.ts";
import type { PageContext } from "./context.ts";

interface Overview {
  segment_count: number;
  total_members: number;
  events_30d: number;
  ai_credits_used: number;
  ai_credits_limit: number;
}
interface Segment {
  id: number;
  name: string;
  member_count: number;
  last_computed_at: string | null;
  trend: { day: string; count: number }[];
}
interface Pair {
  seg_a_id: number;
  seg_a_name: string;
  seg_b_id: number;
  seg_b_name: string;
  overlap: number;
  overlap_pct: number;
}
interface Activation {
  id: number;
  segment_name: string;
  connector_type: string;
  status: string;
  last_synced_at: string | null;
  last_error: string;
  member_count: number;
  success_rate: number | null;
}
interface Copilot {
  total: number;
  daily: { day: string; success: number; error: number }[];
}
interface Usage {
  plan_name: string;
  period_start: string;
  period_end: string;
  events: { used: number; limit: number };
  users: { used: number; limit: number };
  segments: { used: number; limit: number };
  ai_credits: { used: number; limit: number };
}

function limitText(limit: number): string {
  return limit === -1 ? "unlimited" : formatCount(limit);
}

/** used of limit, with a bar; -1 is unlimited. */
function usageRow(name: string, label: string, figure: { used: number; limit: number }): HTMLElement {
  const share = figure.limit > 0 ? Math.min(100, (figure.used / figure.limit) * 100) : 0;
  return el(
    "div",
    { class: "usage", "data-usage": name },
    el("span", { class: "label" }, label),
    el("meter", { min: "0", max: "100", value: String(share), high: "90" }),
    el("span", { class: "value" }, `${formatCount(figure.used)} of ${limitText(figure.limit)}`),
  );
}

/** Segments × segments, each cell the shared members of a pair, shaded by the overlap share. */
function overlapMatrix(pairs: Pair[]): HTMLElement {
  const names = new Map<number, string>();
  for (const p of pairs) {
    names.set(p.seg_a_id, p.seg_a_name);
    names.set(p.seg_b_id, p.seg_b_name);
  }
  const ids = [...names.keys()].sort((a, b) => a - b);
  const cell = (a: number, b: number): HTMLElement => {
    const pair = pairs.find((p) => (p.seg_a_id === a && p.seg_b_id === b) || (p.seg_a_id === b && p.seg_b_id === a));
    if (!pair) return el("td", { class: "heat heat-0" }, a === b ? "—" : "");
    const level = Math.min(5, Math.ceil(pair.overlap_pct / 20));
    return el("td", { class: `heat heat-${level}`, title: `${formatPercent(pair.overlap_pct)} of the smaller segment` }, formatCount(pair.overlap));
  };
  return el(
    "table",
    { class: "matrix", "data-table": "overlap_matrix" },
    el("thead", {}, el("tr", {}, el("th", {}, ""), ...ids.map((id) => el("th", {}, names.get(id) ?? String(id))))),
    el("tbody", {}, ...ids.map((a) => el("tr", {}, el("th", {}, names.get(a) ?? String(a)), ...ids.map((b) => cell(a, b))))),
  );
}

export async function cdpPage(ctx: PageContext): Promise<HTMLElement> {
  const [overview, segments, overlap, activations, copilot, usage] = await Promise.all([
    ctx.api.endpoint<Overview>("cdp_overview"),
    ctx.api.endpoint<Segment[]>("cdp_segments"),
    ctx.api.endpoint<Pair[]>("cdp_overlap"),
    ctx.api.endpoint<Activation[]>("cdp_activations"),
    ctx.api.endpoint<Copilot>("cdp_copilot"),
    ctx.api.endpoint<Usage>("cdp_usage").catch((e: Error) => e),
  ]);
  const days = [...new Set(segments.flatMap((s) => s.trend.map((t) => t.day)))].sort();
  const trendSeries = segments
    .filter((s) => s.trend.length > 0)
    .map((s) => {
      const byDay = new Map(s.trend.map((t) => [t.day, t.count]));
      return { label: s.name, values: days.map((d) => byDay.get(d) ?? null) };
    });

  return el(
    "div",
    { class: "dashboard", "data-dashboard": "cdp" },
    el("h1", {}, "CDP"),
    el(
      "div",
      { class: "kpis" },
      ...(
        [
          ["segment_count", "Active segments", formatCount(overview.segment_count)],
          ["total_members", "Members", formatCount(overview.total_members)],
          ["events_30d", "Events (30 days)", formatCount(overview.events_30d)],
          ["ai_credits_used", "AI credits", `${formatCount(overview.ai_credits_used)} of ${limitText(overview.ai_credits_limit)}`],
        ] as const
      ).map(([name, label, value]) => kpi(name, label, value)),
    ),
    panel(
      "Segments",
      segments.length === 0
        ? emptyState("No active segments yet.", "cdp_segments")
        : el(
            "div",
            {},
            trendSeries.length > 0 ? lineChart("segment_trends", days, trendSeries) : null,
            sortableTable("segments", [
              { label: "Id", value: (r: Segment) => r.id, numeric: true },
              { label: "Segment", value: (r: Segment) => r.name },
              { label: "Members", value: (r: Segment) => r.member_count, format: (r: Segment) => formatCount(r.member_count), numeric: true },
              { label: "Last computed", value: (r: Segment) => r.last_computed_at, format: (r: Segment) => formatInstant(r.last_computed_at) },
            ], segments),
          ),
    ),
    panel(
      "Overlap",
      overlap.length === 0
        ? emptyState("No two segments share a member yet.", "cdp_memberships")
        : el(
            "div",
            {},
            overlapMatrix(overlap),
            sortableTable("overlap", [
              { label: "Segment A", value: (r: Pair) => r.seg_a_name },
              { label: "Segment B", value: (r: Pair) => r.seg_b_name },
              { label: "Shared members", value: (r: Pair) => r.overlap, format: (r: Pair) => formatCount(r.overlap), numeric: true },
              { label: "Overlap", value: (r: Pair) => r.overlap_pct, format: (r: Pair) => formatPercent(r.overlap_pct), numeric: true },
            ], overlap),
          ),
    ),
    panel(
      "Activations",
      activations.length === 0
        ? emptyState("No activations yet.", "cdp_activations")
        : sortableTable("activations", [
            { label: "Id", value: (r: Activation) => r.id, numeric: true },
            { label: "Segment", value: (r: Activation) => r.segment_name },
            { label: "Connector", value: (r: Activation) => r.connector_type },
            { label: "Status", value: (r: Activation) => r.status },
            { label: "Last synced", value: (r: Activation) => r.last_synced_at, format: (r: Activation) => formatInstant(r.last_synced_at) },
            { label: "Members", value: (r: Activation) => r.member_count, format: (r: Activation) => formatCount(r.member_count), numeric: true },
            { label: "Success rate", value: (r: Activation) => r.success_rate, format: (r: Activation) => (r.success_rate === null ? "no syncs" : formatPercent(r.success_rate)), numeric: true },
            { label: "Last error", value: (r: Activation) => r.last_error },
          ], activations),
    ),
    el(
      "div",
      { class: "columns" },
      panel(
        "Copilot",
        el("p", { class: "note", "data-copilot-total": String(copilot.total) }, `${formatCount(copilot.total)} requests in the last 30 days`),
        copilot.daily.length === 0
          ? emptyState("No copilot requests in the last 30 days.", "cdp_copilot_requests")
          : barChart(
              "copilot",
              copilot.daily.map((d) => d.day),
              [
                { label: "Success", values: copilot.daily.map((d) => d.success) },
                { label: "Error", values: copilot.daily.map((d) => d.error) },
              ],
              true,
            ),
      ),
      panel(
        "Plan usage",
        usage instanceof Error
          ? emptyState(usage.message, "cdp_subscriptions")
          : el(
              "div",
              {},
              el("p", { class: "note" }, `${usage.plan_name} · ${usage.period_start} to ${usage.period_end}`),
              usageRow("events", "Events", usage.events),
              usageRow("users", "Users", usage.users),
              usageRow("segments", "Segments", usage.segments),
              usageRow("ai_credits", "AI credits", usage.ai_credits),
            ),
      ),
    ),
  );
}
