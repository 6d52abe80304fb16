// Saved reports of one spreadsheet (document properties), their time-driven triggers, and a run: fetch,
// shape with the shared table code, write into the target range, and log the run in the "Metrigate log" sheet.

import { parseReport, reportBlock, resolveReport, LOG_HEADER, LOG_SHEET, type Report, type Schedule } from "../../shared/sheets/reports.ts";
import { toSheetTable, type SheetTable } from "../../shared/sheets/table.ts";
import type { AppsScript, Sheet, Spreadsheet } from "./apps-script.ts";
import { EXECUTION_BUDGET_MS, MetrigateClient } from "./client.ts";
import { readSettings } from "./settings.ts";

const REPORTS_PROPERTY = "METRIGATE_REPORTS";
/** Log rows kept below the header; older runs are dropped. */
const LOG_KEEP = 500;
/** Daily refreshes run in this hour of the script's time zone. */
const DAILY_HOUR = 6;

/** Trigger handler per schedule: top-level functions of the built script. */
export const SCHEDULE_HANDLERS: Record<Exclude<Schedule, "none">, string> = {
  hourly: "runHourlyReports",
  daily: "runDailyReports",
};

export interface RunResult {
  report: string;
  target: string;
  rows: number;
  error: string;
}

export function listReports(gas: AppsScript): Report[] {
  const text = gas.PropertiesService.getDocumentProperties().getProperty(REPORTS_PROPERTY);
  if (!text) return [];
  return (JSON.parse(text) as unknown[]).map(parseReport);
}

function storeReports(gas: AppsScript, reports: Report[]): void {
  gas.PropertiesService.getDocumentProperties().setProperty(REPORTS_PROPERTY, JSON.stringify(reports));
  syncTriggers(gas, reports);
}

/** Adds or replaces (by name) a report after checking its endpoint, parameters, section and cell. */
export function saveReport(gas: AppsScript, input: unknown): Report[] {
  const report = parseReport(input);
  resolveReport(report);
  const reports = listReports(gas).filter((r) => r.name !== report.name);
  reports.push(report);
  storeReports(gas, reports);
  return reports;
}

export function deleteReport(gas: AppsScript, name: string): Report[] {
  const reports = listReports(gas).filter((r) => r.name !== name);
  storeReports(gas, reports);
  return reports;
}

/** One trigger per schedule in use, none for schedules no report uses. */
export function syncTriggers(gas: AppsScript, reports: readonly Report[]): void {
  const { ScriptApp } = gas;
  const existing = ScriptApp.getProjectTriggers();
  for (const [schedule, handler] of Object.entries(SCHEDULE_HANDLERS)) {
    const wanted = reports.some((r) => r.schedule === schedule);
    const mine = existing.filter((t) => t.getHandlerFunction() === handler);
    if (wanted && mine.length === 0) {
      const builder = ScriptApp.newTrigger(handler).timeBased();
      (schedule === "hourly" ? builder.everyHours(1) : builder.everyDays(1).atHour(DAILY_HOUR)).create();
    }
    if (!wanted) for (const trigger of mine) ScriptApp.deleteTrigger(trigger);
  }
}

function sheetNamed(spreadsheet: Spreadsheet, name: string): Sheet {
  return spreadsheet.getSheetByName(name) ?? spreadsheet.insertSheet(name);
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
  const padded = table.map((row) => [...row, ...Array<string>(block.columns - row.length).fill("")]);
  sheet.getRange(block.row, block.column, block.rows, block.columns).setValues(padded);
}

function appendLog(spreadsheet: Spreadsheet, result: RunResult): void {
  let log = spreadsheet.getSheetByName(LOG_SHEET);
  if (!log) {
    log = spreadsheet.insertSheet(LOG_SHEET);
    log.appendRow([...LOG_HEADER]);
    log.setFrozenRows(1);
  }
  log.appendRow([new Date(), result.report, result.target, result.rows, result.error]);
  const extra = log.getLastRow() - 1 - LOG_KEEP;
  if (extra > 0) log.deleteRows(2, extra);
}

/** Runs one report now: fetches fresh data, writes it, logs the run. Failures are logged, not thrown. */
export function runReport(gas: AppsScript, report: Report): RunResult {
  const spreadsheet = gas.SpreadsheetApp.getActiveSpreadsheet();
  const target = `${report.sheet}!${report.cell}`;
  let result: RunResult;
  try {
    const resolved = resolveReport(report);
    const client = new MetrigateClient(gas, readSettings(gas));
    const body = client.call(resolved.endpoint, resolved.params, { budgetMs: EXECUTION_BUDGET_MS, fresh: true });
    const table = toSheetTable(resolved.endpoint.name, body, resolved.section);
    writeTable(spreadsheet, report, table);
    result = { report: report.name, target, rows: table.length - 1, error: "" };
  } catch (e) {
    result = { report: report.name, target, rows: 0, error: e instanceof Error ? e.message : String(e) };
  }
  appendLog(spreadsheet, result);
  return result;
}

export function runReports(gas: AppsScript, schedule: Schedule | "all"): RunResult[] {
  return listReports(gas)
    .filter((r) => schedule === "all" || r.schedule === schedule)
    .map((r) => runReport(gas, r));
}
