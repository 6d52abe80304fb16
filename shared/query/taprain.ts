// The Taprain query vocabulary: clicks and conversions split by country, offer, source and local time.
// Figures are the Stats API's own (metricsOf), and empty countries and sources read as it reports them.

import { DISPLAY_EMPTY, metricsOf } from "../endpoints/taprain/stats.ts";
import { STATS_RANGES } from "../endpoints/taprain/period.ts";
import type { Bases, FamilySpec, SourceDimension } from "./vocabulary.ts";

const figures = (b: Bases) => metricsOf(b.clicks ?? 0, b.leads ?? 0, b.revenue ?? 0);

function dimensionsOf(alias: string): Record<string, SourceDimension> {
  return {
    country: { sql: `CASE WHEN ${alias}.country = '' THEN '${DISPLAY_EMPTY.country}' ELSE ${alias}.country END` },
    offer: { sql: `${alias}.offer` },
    source: { sql: `CASE WHEN ${alias}.source = '' THEN '${DISPLAY_EMPTY.source}' ELSE ${alias}.source END` },
  };
}

export const TAPRAIN_QUERY: FamilySpec = {
  family: "taprain",
  ranges: STATS_RANGES,
  defaultRange: "today",
  zoned: true,
  countMetric: "clicks",
  metrics: {
    clicks: { description: "clicks, counted at their own time", bases: ["clicks"], sortSql: "clicks", value: (b) => figures(b).clicks },
    leads: { description: "conversions, counted at their own time with their own country, offer and source", bases: ["leads"], sortSql: "leads", value: (b) => figures(b).leads },
    revenue: { description: "revenue of the leads, 2 decimals", bases: ["revenue"], sortSql: "revenue", value: (b) => figures(b).revenue, exact: (b) => b.revenue },
    cvr: {
      description: "leads ÷ clicks × 100, 4 decimals; 0 without clicks",
      bases: ["clicks", "leads"],
      sortSql: "CASE WHEN clicks > 0 THEN leads * 100.0 / clicks ELSE 0 END",
      value: (b) => figures(b).cvr,
      exact: (b) => (b.clicks > 0 ? b.leads / b.clicks : 0),
    },
    epc: {
      description: "revenue ÷ clicks, 6 decimals; 0 without clicks",
      bases: ["clicks", "revenue"],
      sortSql: "CASE WHEN clicks > 0 THEN revenue / clicks ELSE 0 END",
      value: (b) => figures(b).epc,
      exact: (b) => (b.clicks > 0 ? b.revenue / b.clicks : 0),
    },
  },
  dimensions: {
    country: 'ISO 3166-1 alpha-2 country code, upper-case; "Unknown" when empty',
    offer: "offer name",
    source: 'traffic source; "Direct" when empty',
  },
  upperCaseDimensions: ["country"],
  sources: [
    { from: { duckdb: "tr_clicks c", clickhouse: "tr_clicks AS c FINAL" }, alias: "c", time: "c.ts", joins: {}, bases: { clicks: "count(*)" }, dimensions: dimensionsOf("c") },
    {
      from: { duckdb: "tr_conversions v", clickhouse: "tr_conversions AS v FINAL" },
      alias: "v",
      time: "v.ts",
      joins: {},
      bases: { leads: "count(*)", revenue: "sum(v.revenue)" },
      dimensions: dimensionsOf("v"),
    },
  ],
};
