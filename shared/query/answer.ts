// A compiled query's rows as the answer of CONTRACT §17 — results, meta with totals and the cut, the
// comparison with its change in percent — and the same rows as one flat table (CSV, Sheets). Node-free.

import { z } from "zod";
import type { Family } from "../catalog/define.ts";
import { percentChange } from "../endpoints/tapemetric/range.ts";
import type { ResultRow } from "./compile.ts";
import type { Span, TimeBucket } from "./periods.ts";
import { FILTER_OPERATORS, type QueryRequest } from "./request.ts";
import type { Bases, FamilySpec } from "./vocabulary.ts";

const comparison = z.object({
  metrics: z.array(z.number()).describe("The metrics of the previous period, in the order of query.metrics."),
  change: z.array(z.number().nullable()).describe("Change against the previous period, percent, 1 decimal; null when the earlier value is 0."),
});

const period = {
  period_start: z.string().describe("Inclusive start, ISO-8601 UTC."),
  period_end: z.string().describe("Exclusive end, ISO-8601 UTC (now for open periods)."),
};

export const queryRequestSchema = z.object({
  metrics: z.array(z.string()),
  dimensions: z.array(z.string()),
  filters: z.array(z.tuple([z.string(), z.enum(FILTER_OPERATORS), z.array(z.string())])),
  range: z.string(),
  start: z.string().optional(),
  end: z.string().optional(),
  timezone: z.string(),
  compare: z.literal("previous_period").optional(),
  order_by: z.array(z.tuple([z.string(), z.enum(["asc", "desc"])])),
  limit: z.number().int(),
  offset: z.number().int(),
  format: z.enum(["json", "csv"]),
});

export const queryAnswerSchema = z.object({
  results: z.array(
    z.object({
      dimensions: z.array(z.string()).describe("Values of query.dimensions, in order; time buckets as local labels."),
      metrics: z.array(z.number()).describe("Values of query.metrics, in order."),
      comparison: comparison.optional(),
    }),
  ),
  meta: z.object({
    ...period,
    timezone: z.string(),
    total_rows: z.number().int().describe("Rows the query has before limit and offset."),
    cut: z.boolean().describe("True when rows beyond this page exist (raise offset or limit to get them)."),
    totals: z.array(z.number()).describe("The metrics over the whole period and every filter, unsplit."),
    comparison: z.object({ ...period, totals: comparison.shape.metrics, change: comparison.shape.change }).optional(),
    requests_remaining: z.number().int().nullable().optional(),
  }),
  query: queryRequestSchema.describe("The request as understood, with every default filled in."),
});

export type QueryAnswer = z.output<typeof queryAnswerSchema>;

/** Tapemetric and CDP print whole seconds; Taprain keeps milliseconds (CONTRACT §15). */
export function instantText(family: Family, ms: number): string {
  const text = new Date(ms).toISOString();
  return family === "taprain" ? text : text.replace(/\.\d{3}Z$/, "Z");
}

export interface AnswerInput {
  spec: FamilySpec;
  query: QueryRequest;
  period: Span;
  previous?: Span;
  buckets: readonly TimeBucket[];
  bases: readonly string[];
  rows: readonly ResultRow[];
}

function basesOf(row: ResultRow | undefined, names: readonly string[], prefix = ""): Bases {
  return Object.fromEntries(names.map((b) => [b, Number(row?.[`${prefix}${b}`] ?? 0)]));
}

export function shapeAnswer(input: AnswerInput): QueryAnswer {
  const { spec, query, bases } = input;
  const labels = new Map(input.buckets.map((b) => [b.key, b.label]));
  const metricsOf = (values: Bases) => query.metrics.map((m) => spec.metrics[m].value(values));
  const exactOf = (values: Bases) => query.metrics.map((m) => (spec.metrics[m].exact ?? spec.metrics[m].value)(values));
  const changes = (before: Bases, after: Bases) => {
    const [from, to] = [exactOf(before), exactOf(after)];
    return to.map((v, i) => percentChange(from[i], v));
  };
  const page = input.rows.filter((r) => r.part === 0);
  const totalBases = basesOf(input.rows.find((r) => r.part === 1), bases);
  const previousBases = basesOf(input.rows.find((r) => r.part === 2), bases);
  const totals = metricsOf(totalBases);
  const previousTotals = metricsOf(previousBases);
  const totalRows = Number(input.rows[0]?.total_rows ?? 0);
  const results = page.map((row) => {
    const dimensions = query.dimensions.map((d, i) => {
      const value = row[`d${i}`];
      return d.startsWith("time:") ? (labels.get(Number(value)) ?? String(value)) : String(value);
    });
    const current = basesOf(row, bases);
    const metrics = metricsOf(current);
    if (!input.previous) return { dimensions, metrics };
    const before = basesOf(row, bases, "prev_");
    return { dimensions, metrics, comparison: { metrics: metricsOf(before), change: changes(before, current) } };
  });
  return {
    results,
    meta: {
      period_start: instantText(spec.family, input.period.start),
      period_end: instantText(spec.family, input.period.end),
      timezone: query.timezone,
      total_rows: totalRows,
      cut: query.offset + results.length < totalRows,
      totals,
      ...(input.previous
        ? {
            comparison: {
              period_start: instantText(spec.family, input.previous.start),
              period_end: instantText(spec.family, input.previous.end),
              totals: previousTotals,
              change: changes(previousBases, totalBases),
            },
          }
        : {}),
    },
    query,
  };
}

export type TableCell = string | number | null;
export interface FlatTable {
  header: string[];
  rows: TableCell[][];
}

/** One row per result: the dimensions, the metrics, and comparing, each metric's previous value and change. */
export function answerTable(answer: QueryAnswer): FlatTable {
  const { dimensions, metrics, compare } = answer.query;
  const header = [...dimensions, ...metrics, ...(compare ? metrics.flatMap((m) => [`${m} (previous)`, `${m} change %`]) : [])];
  const rows = answer.results.map((r) => [
    ...r.dimensions,
    ...r.metrics,
    ...(r.comparison ? r.metrics.flatMap((_, i) => [r.comparison?.metrics[i] ?? null, r.comparison?.change[i] ?? null]) : []),
  ]);
  return { header, rows };
}

function csvCell(cell: TableCell): string {
  if (cell === null) return "";
  // Text a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a leading apostrophe:
  // values such as a traffic source come from outside (OWASP's CSV-injection advice). Numbers stay numbers.
  const text = typeof cell === "string" && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a header line and CRLF line ends. */
export function csvOf(table: FlatTable): string {
  return [table.header, ...table.rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
