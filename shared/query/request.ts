// A query request (CONTRACT §17): its parameter schema, derived from a family's vocabulary, and its
// validation into a normalised request — every refusal a 400 naming the term and the allowed ones. Node-free.

import { z } from "zod";
import { offsetParam } from "../catalog/params.ts";
import { BadParameter } from "../errors.ts";
import { canonicalTimeZone } from "../time/zoned.ts";
import { dimensionNames, metricNames, TIME_DESCRIPTIONS, TIME_GRAINS, type FamilySpec, type TimeGrain } from "./vocabulary.ts";

export const FILTER_OPERATORS = ["is", "is_not", "contains"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
export type Filter = [dimension: string, operator: FilterOperator, values: string[]];
export type OrderTerm = [term: string, direction: "asc" | "desc"];

export const MAX_DIMENSIONS = 3;
export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 1000;
const MAX_FILTER_VALUES = 100;

/** A validated query, as echoed in the answer's `query`. */
export interface QueryRequest {
  metrics: string[];
  dimensions: string[];
  filters: Filter[];
  range: string;
  start?: string;
  end?: string;
  timezone: string;
  compare?: "previous_period";
  order_by: OrderTerm[];
  limit: number;
  offset: number;
  format: "json" | "csv";
}

const listOrText = z.union([z.array(z.string()), z.string()]);

function described(names: Record<string, string>): string {
  return Object.entries(names)
    .map(([name, meaning]) => `"${name}" = ${meaning}`)
    .join("; ");
}

/** The request fields, in Sheets argument order: metrics, dimensions, range, start, end, filters, … */
export function querySchema(spec: FamilySpec) {
  const metricMeanings = Object.fromEntries(Object.entries(spec.metrics).map(([name, m]) => [name, m.description]));
  const timeMeanings = Object.fromEntries(TIME_GRAINS.map((g) => [`time:${g}`, TIME_DESCRIPTIONS[g]]));
  const zone = spec.zoned ? "in the request's time zone" : "in UTC";
  const shape = {
    metrics: listOrText
      .default([spec.countMetric])
      .describe(`Metrics to compute: a list, or names separated by commas. Allowed: ${described(metricMeanings)}. Default ["${spec.countMetric}"].`),
    dimensions: listOrText
      .default([])
      .describe(
        `Up to ${MAX_DIMENSIONS} dimensions to split by (at most one time dimension, buckets ${zone}, zero-filled): a list or names separated by commas. ` +
          `Allowed: ${described({ ...spec.dimensions, ...timeMeanings })}. "hour", "day", "week", "month" also name the time dimensions. Default none (one row of totals).`,
      ),
    range: z
      .enum(spec.ranges as [string, ...string[]])
      .default(spec.defaultRange)
      .describe(
        `Reporting period, ${zone}: ${spec.ranges.filter((r) => r !== "custom").join(", ")} as the family's fixed endpoints read them, ` +
          `or "custom" with start and end (inclusive dates, at most 366 days). Default "${spec.defaultRange}".`,
      ),
    start: z.string().optional().describe("First day of a custom range, YYYY-MM-DD (required when range is custom)."),
    end: z.string().optional().describe("Last day of a custom range, YYYY-MM-DD, inclusive (required when range is custom)."),
    filters: z
      .union([z.array(z.array(z.unknown())), z.string()])
      .default([])
      .describe(
        `Filters, all of which must hold: a list of [dimension, operator, [values]] such as [["${Object.keys(spec.dimensions)[0]}", "is", ["x"]]], ` +
          `or text such as "${Object.keys(spec.dimensions)[0]} is x; ${Object.keys(spec.dimensions)[1]} contains y". Operators: "is" (any of the values), ` +
          `"is_not" (none of them), "contains" (case-insensitive substring of any). Default none.`,
      ),
    ...(spec.zoned
      ? {
          timezone: z
            .string()
            .default("America/New_York")
            .describe('IANA time zone of the period and the time buckets, e.g. "Asia/Kolkata" (default "America/New_York").'),
        }
      : {}),
    compare: z
      .enum(["previous_period"])
      .optional()
      .describe(
        '"previous_period": also compute every row for the period just before (as long; a custom range of whole calendar months ' +
          "compares with as many months before), with the change in percent. Default none.",
      ),
    order_by: z
      .union([z.array(z.array(z.string())), z.string()])
      .optional()
      .describe(
        'Row order: a list of [metric or dimension, "asc" | "desc"], or text such as "revenue desc, offer". ' +
          "Default: by the time dimension ascending when there is one, else by the first metric descending; ties by the dimensions ascending.",
      ),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe(`Maximum rows to return, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`),
    offset: offsetParam(),
    format: z.enum(["json", "csv"]).default("json").describe('"csv" answers the rows as CSV with a header (as Accept: text/csv does). Default "json".'),
  };
  return z.strictObject(shape);
}

export type QueryParams = z.output<ReturnType<typeof querySchema>>;

function textItems(value: string, separator: string): string[] {
  return value
    .split(separator)
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

function allowed(names: readonly string[]): string {
  return names.join(", ");
}

function stringList(name: string, value: string | string[]): string[] {
  return typeof value === "string" ? textItems(value, ",") : value.map((v) => v.trim());
}

function noRepeats(name: string, kind: string, items: readonly string[]): void {
  const repeated = items.find((v, i) => items.indexOf(v) !== i);
  if (repeated !== undefined) throw new BadParameter(name, `${kind} "${repeated}" appears twice in '${name}'.`);
}

function metricsOf(spec: FamilySpec, value: string | string[]): string[] {
  const names = metricNames(spec);
  const metrics = stringList("metrics", value);
  if (metrics.length === 0) throw new BadParameter("metrics", `Parameter 'metrics' needs at least one metric. Allowed metrics: ${allowed(names)}.`);
  const unknown = metrics.find((m) => !names.includes(m));
  if (unknown !== undefined) throw new BadParameter("metrics", `Unknown metric "${unknown}" in 'metrics'. Allowed metrics: ${allowed(names)}.`);
  noRepeats("metrics", "Metric", metrics);
  return metrics;
}

function dimensionsOf(spec: FamilySpec, value: string | string[]): string[] {
  const names = dimensionNames(spec);
  const dimensions = stringList("dimensions", value).map((d) => ((TIME_GRAINS as readonly string[]).includes(d) ? `time:${d}` : d));
  const unknown = dimensions.find((d) => !names.includes(d));
  if (unknown !== undefined) throw new BadParameter("dimensions", `Unknown dimension "${unknown}" in 'dimensions'. Allowed dimensions: ${allowed(names)}.`);
  noRepeats("dimensions", "Dimension", dimensions);
  if (dimensions.length > MAX_DIMENSIONS) {
    throw new BadParameter("dimensions", `Parameter 'dimensions' takes at most ${MAX_DIMENSIONS} dimensions (got ${dimensions.length}: ${allowed(dimensions)}).`);
  }
  const times = dimensions.filter((d) => d.startsWith("time:"));
  if (times.length > 1) throw new BadParameter("dimensions", `Parameter 'dimensions' takes one time dimension (got ${times.join(" and ")}).`);
  return dimensions;
}

const FILTER_TEXT = /^(\S+)\s+(is not|is_not|is|contains)\s+(.+)$/i;

function filterTriples(value: unknown[][] | string): unknown[][] {
  if (typeof value !== "string") return value;
  return textItems(value, ";").map((clause) => {
    const m = FILTER_TEXT.exec(clause);
    if (!m) throw new BadParameter("filters", `Cannot read the filter "${clause}" in 'filters': write "dimension is value", "dimension is_not value" or "dimension contains value".`);
    return [m[1], m[2].toLowerCase().replace(" ", "_"), textItems(m[3], ",")];
  });
}

function filtersOf(spec: FamilySpec, value: unknown[][] | string): Filter[] {
  const names = Object.keys(spec.dimensions);
  return filterTriples(value).map((triple) => {
    const [dimension, operator, rawValues] = triple;
    const values = typeof rawValues === "string" ? [rawValues] : rawValues;
    if (triple.length !== 3 || typeof dimension !== "string" || typeof operator !== "string" || !Array.isArray(values) || !values.every((v) => typeof v === "string")) {
      throw new BadParameter("filters", `Each filter in 'filters' is [dimension, operator, [values]] (got ${JSON.stringify(triple)}).`);
    }
    if (!names.includes(dimension)) throw new BadParameter("filters", `Unknown dimension "${dimension}" in 'filters'. Allowed dimensions: ${allowed(names)}.`);
    if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) {
      throw new BadParameter("filters", `Unknown operator "${operator}" in 'filters'. Allowed operators: ${allowed(FILTER_OPERATORS)}.`);
    }
    if (values.length === 0 || values.length > MAX_FILTER_VALUES) {
      throw new BadParameter("filters", `The filter on "${dimension}" in 'filters' takes 1 to ${MAX_FILTER_VALUES} values (got ${values.length}).`);
    }
    // Country codes match in any case; the displayed "Unknown" keeps its own spelling.
    const upper = operator !== "contains" && (spec.upperCaseDimensions ?? []).includes(dimension);
    const normalised = [...new Set((values as string[]).map((v) => (upper && /^[a-z]{2}$/i.test(v.trim()) ? v.trim().toUpperCase() : v.trim())))];
    return [dimension, operator as FilterOperator, normalised];
  });
}

/** Every source a metric draws on must be splittable by every dimension and filter of the request. */
function checkSplits(spec: FamilySpec, metrics: readonly string[], dimensions: readonly string[], filters: readonly Filter[]): void {
  const used = [...new Set([...dimensions.filter((d) => !d.startsWith("time:")), ...filters.map((f) => f[0])])];
  for (const metric of metrics) {
    const sources = spec.sources.filter((s) => spec.metrics[metric].bases.some((b) => b in s.bases));
    const common = Object.keys(spec.dimensions).filter((d) => sources.every((s) => d in s.dimensions));
    const refused = used.find((d) => !common.includes(d));
    if (refused !== undefined) {
      const parameter = dimensions.includes(refused) ? "dimensions" : "filters";
      const splits = [...common, ...dimensionNames(spec).filter((d) => d.startsWith("time:"))];
      throw new BadParameter(parameter, `Metric "${metric}" cannot be split or filtered by "${refused}". Dimensions it allows: ${allowed(splits)}.`);
    }
  }
}

function orderOf(value: string[][] | string | undefined, metrics: readonly string[], dimensions: readonly string[]): OrderTerm[] {
  if (value === undefined) return [];
  const pairs = typeof value === "string" ? textItems(value, ",").map((item) => textItems(item, " ")) : value;
  const terms = [...metrics, ...dimensions];
  return pairs.map((pair) => {
    const [term, direction = "asc"] = pair;
    if (pair.length < 1 || pair.length > 2 || !terms.includes(term)) {
      throw new BadParameter("order_by", `Unknown term "${pair.join(" ")}" in 'order_by': order by a requested metric or dimension (${allowed(terms)}).`);
    }
    const dir = direction.toLowerCase();
    if (dir !== "asc" && dir !== "desc") throw new BadParameter("order_by", `Unknown direction "${direction}" in 'order_by'. Allowed directions: asc, desc.`);
    return [term, dir];
  });
}

/** Validates a parsed request against the family's vocabulary; the result is the normalised request. */
export function normalizeQuery(spec: FamilySpec, p: QueryParams): QueryRequest {
  const typed = "timezone" in p && typeof p.timezone === "string" ? p.timezone : "UTC";
  // The canonical spelling (`utc` → `UTC`) is echoed and keys the cache, as the fixed endpoints do.
  const timezone = canonicalTimeZone(typed);
  if (timezone === undefined) {
    throw new BadParameter("timezone", `Unknown time zone "${typed}" in 'timezone': use an IANA name such as America/New_York or UTC.`);
  }
  const metrics = metricsOf(spec, p.metrics);
  const dimensions = dimensionsOf(spec, p.dimensions);
  const filters = filtersOf(spec, p.filters);
  checkSplits(spec, metrics, dimensions, filters);
  const custom = p.range === "custom";
  return {
    metrics,
    dimensions,
    filters,
    range: p.range,
    ...(custom ? { start: p.start, end: p.end } : {}),
    timezone,
    ...(p.compare ? { compare: p.compare } : {}),
    order_by: orderOf(p.order_by, metrics, dimensions),
    limit: p.limit,
    offset: p.offset,
    format: p.format,
  };
}

/** The grain of the request's time dimension, if it has one. */
export function timeGrainOf(dimensions: readonly string[]): TimeGrain | undefined {
  const time = dimensions.find((d) => d.startsWith("time:"));
  return time === undefined ? undefined : (time.slice("time:".length) as TimeGrain);
}
