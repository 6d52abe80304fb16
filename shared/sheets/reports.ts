// Saved reports: an endpoint, its parameters and a section, written into a sheet from an anchor cell. The
// same shape serves the add-on's scheduled refresh and `metrigate sheets sync --config`. Pure and Node-free.

import { z } from "zod";
import type { AnyEndpoint } from "../catalog/define.ts";
import { CONNECTION_SETTINGS, type ConnectionSetting } from "../client/connections.ts";
import { InvalidInput } from "../errors.ts";
import { findSheetFunction, SECTION_ARGUMENT, type SheetFunction } from "./functions.ts";
import { listOf, sectionNamed } from "./table.ts";

export const SCHEDULES = ["hourly", "daily", "none"] as const;
export type Schedule = (typeof SCHEDULES)[number];

const A1_CELL = /^\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})$/;

export const reportSchema = z.strictObject({
  name: z.string().trim().min(1).describe("A name shown in the sidebar and the run log."),
  endpoint: z.string().trim().min(1).describe('A custom function name ("STATS") or an endpoint name ("taprain_stats").'),
  params: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Request parameters by name, e.g. {"range": "7days", "country": "US"}.'),
  // null too: a form may send an unset field as null (google.script.run does).
  section: z
    .string()
    .trim()
    .nullish()
    .transform((v) => v ?? undefined)
    .describe("Which table of the response, for responses with several."),
  sheet: z.string().trim().min(1).max(100).describe("The sheet (tab) to write into; created when missing."),
  cell: z.string().trim().regex(A1_CELL, "must be one cell in A1 notation, such as A1 or C5").default("A1").describe("Top-left cell of the table."),
  schedule: z.enum(SCHEDULES).default("none").describe("Add-on only: refresh hourly, daily or only on demand."),
});

export type Report = z.output<typeof reportSchema>;

/** The §16 connection settings as config keys, under the same names as the environment variables. */
const connectionKeys = Object.fromEntries(
  CONNECTION_SETTINGS.map((name) => [name, z.string().trim().optional().describe(`${name} (CONTRACT §16); a flag of the same name wins, the environment variable is the fallback.`)]),
) as Record<ConnectionSetting, z.ZodOptional<z.ZodString>>;

export const reportsConfigSchema = z.strictObject({
  url: z.string().trim().optional().describe("Short for METRIGATE_URL: one Metrigate server for all three APIs."),
  ...connectionKeys,
  reports: z.array(reportSchema).min(1),
});

export type ReportsConfig = z.output<typeof reportsConfigSchema>;

function problemOf(error: z.ZodError, what: string): InvalidInput {
  const issue = error.issues[0];
  const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  return new InvalidInput(`${what}${where ? ` ${where}` : ""}: ${issue.message}.`);
}

/** Parses a reports file's text; the first problem becomes one sentence naming where it is. */
export function parseReportsConfig(text: string, what = "reports config"): ReportsConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInput(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = reportsConfigSchema.safeParse(json);
  if (!parsed.success) throw problemOf(parsed.error, what);
  return parsed.data;
}

/** The config's connection settings by §16 name (`url` counts as METRIGATE_URL). */
export function connectionSettingsOf(config: ReportsConfig): Record<string, string | undefined> {
  const settings: Record<string, string | undefined> = Object.fromEntries(CONNECTION_SETTINGS.map((name) => [name, config[name]]));
  settings.METRIGATE_URL ??= config.url;
  return settings;
}

/** Validates one report (from the sidebar or a stored list). */
export function parseReport(input: unknown): Report {
  const parsed = reportSchema.safeParse(input);
  if (!parsed.success) throw problemOf(parsed.error, "report");
  return parsed.data;
}

export interface ResolvedReport {
  report: Report;
  fn: SheetFunction;
  endpoint: AnyEndpoint;
  params: Record<string, string | number | boolean>;
  section?: string;
}

/** A report's endpoint, known parameters and section, or one sentence saying what is wrong with it. */
export function resolveReport(report: Report): ResolvedReport {
  const fn = findSheetFunction(report.endpoint);
  if (!fn) throw new InvalidInput(`Report "${report.name}": unknown endpoint "${report.endpoint}".`);
  const known = fn.arguments.map((a) => a.name).filter((n) => n !== SECTION_ARGUMENT);
  const unknown = Object.keys(report.params).find((p) => !known.includes(p));
  if (unknown !== undefined) {
    throw new InvalidInput(`Report "${report.name}": ${fn.name} has no parameter "${unknown}" (it takes ${listOf(known) || "none"}).`);
  }
  let section: string | undefined;
  try {
    section = report.section?.trim() ? sectionNamed(fn.endpoint, report.section) : undefined;
  } catch (e) {
    throw new InvalidInput(`Report "${report.name}": ${(e as Error).message}`);
  }
  return { report, fn, endpoint: fn.endpoint, params: report.params, section };
}

/** A1 column letters ↔ 1-based column numbers. */
export function columnLetters(column: number): string {
  let n = column;
  let letters = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

export function parseCell(cell: string): { row: number; column: number } {
  const m = A1_CELL.exec(cell.trim());
  if (!m) throw new InvalidInput(`"${cell}" is not one cell in A1 notation, such as A1 or C5.`);
  const column = m[1].toUpperCase().split("").reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return { row: Number(m[2]), column };
}

/** A sheet name as A1 notation needs it: quoted, with quotes doubled. */
export function quoteSheet(sheet: string): string {
  return `'${sheet.replace(/'/g, "''")}'`;
}

/**
 * Where a report writes: its table goes at the anchor; the report owns the table's columns from the
 * anchor row down, which are cleared first so a table that shrank leaves no stale rows below it.
 */
export interface ReportBlock {
  row: number;
  column: number;
  rows: number;
  columns: number;
  /** A1 range of the table itself, e.g. `'Stats'!B2:F7`. */
  valuesRange: string;
  /** A1 range cleared before writing: the table's columns from the anchor to the sheet's end, e.g. `'Stats'!B2:F`. */
  clearRange: string;
}

export function reportBlock(report: Pick<Report, "sheet" | "cell">, table: readonly unknown[][]): ReportBlock {
  const { row, column } = parseCell(report.cell);
  const rows = table.length;
  const columns = Math.max(1, ...table.map((r) => r.length));
  const first = `${columnLetters(column)}${row}`;
  const lastColumn = columnLetters(column + columns - 1);
  const sheet = quoteSheet(report.sheet);
  return {
    row,
    column,
    rows,
    columns,
    valuesRange: `${sheet}!${first}:${lastColumn}${row + rows - 1}`,
    clearRange: `${sheet}!${first}:${lastColumn}`,
  };
}

/** The run log's columns, in the add-on's "Metrigate log" sheet and in sheet sync's. */
export const LOG_SHEET = "Metrigate log";
export const LOG_HEADER = ["time", "report", "target", "rows", "error"] as const;
