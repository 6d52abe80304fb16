// Saved reports of one spreadsheet (document properties) and a run of them: fetch with the owner's
// connection, shape with the shared table code, write into the target range as sheet sync's RAW would
// (text stays text), and log the run in the "Metrigate log" sheet — inside the execution's time limit.

import { parseReport, reportBlock, resolveReport, LOG_HEADER, LOG_SHEET, type Report, type Schedule } from "../../shared/sheets/reports.ts";
import { toSheetTable, type SheetTable } from "../../shared/sheets/table.ts";
import type { AppsScript, Sheet, Spreadsheet } from "./apps-script.ts";
import { MetrigateClient, URL_FETCH_WAIT_MS } from "./client.ts";
import { connectionOf, readSettings } from "./settings.ts";

const REPORTS_PROPERTY = "METRIGATE_REPORTS";
/** Log rows kept below the header; older runs are dropped. */
const LOG_KEEP = 500;

export interface RunResult {
  report: string;
  target: string;
  rows: number;
  error: string;
}

/** A run of several reports: what was written or failed, and what the time limit left for the next run. */
export interface BatchResult {
  results: RunResult[];
  left: string[];
}

export const LEFT_FOR_NEXT_RUN = "Not run: this run reached Apps Script's time limit; left for the next run.";

export function listReports(gas: AppsScript): Report[] {
  const text = gas.PropertiesService.getDocumentProperties().getProperty(REPORTS_PROPERTY);
  if (!text) return [];
  return (JSON.parse(text) as unknown[]).map(parseReport);
}

export function storeReports(gas: AppsScript, reports: readonly Report[]): void {
  gas.PropertiesService.getDocumentProperties().setProperty(REPORTS_PROPERTY, JSON.stringify(reports));
}

/** Adds or replaces (by name) a report after checking its endpoint, parameters, section and cell. */
export function withReport(gas: AppsScript, input: unknown): Report[] {
  const report = parseReport(input);
  resolveReport(report);
  return [...listReports(gas).filter((r) => r.name !== report.name), report];
}

function sheetNamed(spreadsheet: Spreadsheet, name: string): Sheet {
  return spreadsheet.getSheetByName(name) ?? spreadsheet.insertSheet(name);
}

/**
 * A value as Range.setValues must get it to store what sheet sync's RAW write stores: setValues reads a
 * string like typed input (`=IMAGE(…)` would become a live formula, `2026-11-02` a date, `007` a number),
 * and a leading apostrophe is Sheets' own way to say "this is text" (it is not part of the value).
 */
export function asText(value: unknown): unknown {
  return typeof value === "string" && value !== "" ? `'${value}` : value;
}

/** Writes a table at the report's cell after clearing the columns it owns, growing the sheet if needed. */
export function writeTable(spreadsheet: Spreadsheet, report: Pick<Report, "sheet" | "cell">, table: SheetTable): void {
  const sheet = sheetNamed(spreadsheet, report.sheet);
  const block = reportBlock(report, table);
  const lastRow = block.row + block.rows - 1;
  const lastColumn = block.column + block.columns - 1;
  if (lastRow > sheet.getMaxRows()) sheet.insertRowsAfter(sheet.getMaxRows(), lastRow - sheet.getMaxRows());
  if (lastColumn > sheet.getMaxColumns()) sheet.insertColumnsAfter(sheet.getMaxColumns(), lastColumn - sheet.getMaxColumns());
  sheet.getRange(block.row, block.column, sheet.getMaxRows() - block.row + 1, block.columns).clearContent();
  const padded = table.map((row) => [...row, ...Array<string>(block.columns - row.length).fill("")].map(asText));
  sheet.getRange(block.row, block.column, block.rows, block.columns).setValues(padded);
}

function appendLog(spreadsheet: Spreadsheet, results: readonly RunResult[]): void {
  if (results.length === 0) return;
  let log = spreadsheet.getSheetByName(LOG_SHEET);
  if (!log) {
    log = spreadsheet.insertSheet(LOG_SHEET);
    log.appendRow([...LOG_HEADER]);
    log.setFrozenRows(1);
  }
  for (const result of results) log.appendRow([new Date(), result.report, result.target, result.rows, result.error].map(asText));
  const extra = log.getLastRow() - 1 - LOG_KEEP;
  if (extra > 0) log.deleteRows(2, extra);
}

function targetOf(report: Report): string {
  return `${report.sheet}!${report.cell}`;
}

/** Runs one report: fetches fresh data, writes it. Failures become the result's error, not a throw. */
function runOne(gas: AppsScript, report: Report, deadline: number): RunResult {
  const target = targetOf(report);
  try {
    const resolved = resolveReport(report);
    const client = new MetrigateClient(gas, connectionOf(readSettings(gas), resolved.endpoint.family));
    const body = client.call(resolved.endpoint, resolved.params, { deadline, fresh: true, reserveMs: URL_FETCH_WAIT_MS });
    const table = toSheetTable(resolved.endpoint.name, body, resolved.section);
    writeTable(gas.SpreadsheetApp.getActiveSpreadsheet(), report, table);
    return { report: report.name, target, rows: table.length - 1, error: "" };
  } catch (e) {
    return { report: report.name, target, rows: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runs reports in order until the deadline: each report is written as soon as it is fetched, and one is
 * started only while a whole UrlFetch wait is left before the deadline; those the time does not reach are
 * named as left for the next run. Every outcome is logged.
 */
export function runReports(gas: AppsScript, reports: readonly Report[], deadline: number): BatchResult {
  const results: RunResult[] = [];
  const left: string[] = [];
  for (const report of reports) {
    if (left.length > 0 || deadline - Date.now() < URL_FETCH_WAIT_MS) {
      left.push(report.name);
      results.push({ report: report.name, target: targetOf(report), rows: 0, error: LEFT_FOR_NEXT_RUN });
      continue;
    }
    results.push(runOne(gas, report, deadline));
  }
  appendLog(gas.SpreadsheetApp.getActiveSpreadsheet(), results);
  return { results, left };
}

/** The reports a schedule refreshes ("all" for every saved report). */
export function reportsOf(gas: AppsScript, schedule: Schedule | "all"): Report[] {
  return listReports(gas).filter((r) => schedule === "all" || r.schedule === schedule);
}
