// The query API's vocabulary per family (CONTRACT §17): metrics built from base aggregates, dimensions
// as SQL over an event table's rows, and the event tables themselves — SQL that both engines read alike
// as one string, SQL that differs as a DuckDB and a ClickHouse string side by side. Node-free.

import type { Family } from "../catalog/define.ts";

export const TIME_GRAINS = ["hour", "day", "week", "month"] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
export const TIME_DIMENSIONS = TIME_GRAINS.map((g) => `time:${g}` as const);

export const TIME_DESCRIPTIONS: Record<TimeGrain, string> = {
  hour: 'clock hours, labelled "YYYY-MM-DD HH:00" (a repeated fall-back hour appears twice)',
  day: 'calendar days, labelled "YYYY-MM-DD"',
  week: "ISO weeks starting on Monday, labelled with the Monday's date",
  month: "calendar months, labelled with the first day's date",
};

/** The SQL engines the vocabulary and the compiler write for; the store says which one it is. */
export type Dialect = "duckdb" | "clickhouse";

/**
 * A piece of SQL: one string when both engines read it alike, else each engine's own. The workspace is
 * `$ws` in DuckDB and `{ws:String}` in ClickHouse; ClickHouse reads replacing tables with FINAL.
 */
export type EngineSql = string | Readonly<Record<Dialect, string>>;

/** The piece of SQL for one engine. */
export function sqlFor(sql: EngineSql, dialect: Dialect): string {
  return typeof sql === "string" ? sql : sql[dialect];
}

/** Base aggregates: the sums and counts every metric of a family is worked out from. */
export type Bases = Record<string, number>;

export interface MetricSpec {
  description: string;
  /** The base aggregates the metric needs. */
  bases: readonly string[];
  /** The unrounded value as SQL over the base columns, for ordering. */
  sortSql: string;
  /** The published value, rounded as the fixed endpoints round it. */
  value(bases: Bases): number;
  /** The value before rounding, which percent changes are taken of (as the overview's deltas are); default `value`. */
  exact?(bases: Bases): number;
}

export interface SourceDimension {
  /** The value of a row, SQL over the source's aliases; never NULL. */
  sql: EngineSql;
  /** A join of the source the value needs. */
  join?: string;
  /**
   * The join can give a row several values (a member in several segments): unsplit filters then test
   * the row's `key` against the keys (`member_id`) of `rows` with a matching value, so no row counts twice.
   */
  fanOut?: { key: string; rows: EngineSql; alias: string };
}

/** One event table: where its rows are, when each happened, what it aggregates and how it splits. */
export interface SourceSpec {
  /** The table and its alias; the alias carries `workspace_id`. */
  from: EngineSql;
  alias: string;
  /** The instant column of a row. */
  time: string;
  /** Joins by name, added when a dimension or filter needs them. */
  joins: Record<string, EngineSql>;
  /** Base aggregate name → SQL aggregate over the rows. */
  bases: Record<string, EngineSql>;
  /** The dimensions rows of this table can be split by. */
  dimensions: Record<string, SourceDimension>;
}

export interface FamilySpec {
  family: Family;
  /** The family's named ranges (plus "custom"). */
  ranges: readonly string[];
  defaultRange: string;
  /** Periods and buckets follow the request's `timezone` (Taprain) or UTC. */
  zoned: boolean;
  metrics: Record<string, MetricSpec>;
  /** The metric the discovery endpoint counts values by. */
  countMetric: string;
  dimensions: Record<string, string>;
  /** Dimensions whose `is` / `is_not` values are compared upper-case (country codes). */
  upperCaseDimensions?: readonly string[];
  sources: readonly SourceSpec[];
}

export function metricNames(spec: FamilySpec): string[] {
  return Object.keys(spec.metrics);
}

export function dimensionNames(spec: FamilySpec): string[] {
  return [...Object.keys(spec.dimensions), ...TIME_DIMENSIONS];
}

/** The sources that hold at least one base of the requested metrics. */
export function sourcesFor(spec: FamilySpec, metrics: readonly string[]): SourceSpec[] {
  const bases = new Set(metrics.flatMap((m) => spec.metrics[m].bases));
  return spec.sources.filter((s) => Object.keys(s.bases).some((b) => bases.has(b)));
}
