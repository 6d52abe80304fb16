// The add-on's entry: everything the generated top-level stubs call (custom functions, menu, sidebar,
// triggers). esbuild bundles this as the `Metrigate` global; Apps Script services come from the global scope.

import { callOf, findSheetFunction, sheetFunctions } from "../../shared/sheets/functions.ts";
import type { Report } from "../../shared/sheets/reports.ts";
import { toSheetTable, type SheetTable } from "../../shared/sheets/table.ts";
import { appsScriptGlobals } from "./apps-script.ts";
import { CUSTOM_FUNCTION_BUDGET_MS, EXECUTION_BUDGET_MS, MetrigateClient } from "./client.ts";
import * as reports from "./reports.ts";
import * as settings from "./settings.ts";

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs `work`, turning any failure into an Error with only its sentence (Sheets shows it as #ERROR!). */
function readable<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw new Error(messageOf(e));
  }
}

/** A custom function call: `name` is the Sheets function (STATS), `args` its arguments as Sheets passed them. */
export function customFunction(name: string, args: unknown[]): SheetTable {
  return readable(() => {
    const gas = appsScriptGlobals();
    const fn = findSheetFunction(name);
    if (!fn) throw new Error(`Unknown Metrigate function ${name}.`);
    const call = callOf(fn, args, gas.SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone());
    const client = new MetrigateClient(gas, settings.readSettings(gas));
    const body = client.call(fn.endpoint, call.params, { budgetMs: CUSTOM_FUNCTION_BUDGET_MS });
    return toSheetTable(fn.endpoint.name, body, call.section);
  });
}

export function onOpen(): void {
  appsScriptGlobals()
    .SpreadsheetApp.getUi()
    .createMenu("Metrigate")
    .addItem("Settings and reports", "showSidebar")
    .addItem("Refresh all reports now", "refreshAllReports")
    .addToUi();
}

export function onInstall(): void {
  onOpen();
}

export function showSidebar(): void {
  const gas = appsScriptGlobals();
  gas.SpreadsheetApp.getUi().showSidebar(gas.HtmlService.createHtmlOutputFromFile("sidebar").setTitle("Metrigate"));
}

export function refreshAllReports(): reports.RunResult[] {
  const gas = appsScriptGlobals();
  const results = reports.runReports(gas, "all");
  const failed = results.filter((r) => r.error !== "").length;
  const summary = `${results.length} report${results.length === 1 ? "" : "s"} refreshed${failed > 0 ? `, ${failed} failed (see the Metrigate log sheet)` : ""}.`;
  gas.SpreadsheetApp.getActiveSpreadsheet().toast(summary, "Metrigate");
  return results;
}

export function runHourlyReports(): reports.RunResult[] {
  return reports.runReports(appsScriptGlobals(), "hourly");
}

export function runDailyReports(): reports.RunResult[] {
  return reports.runReports(appsScriptGlobals(), "daily");
}

export function getSidebarState() {
  const gas = appsScriptGlobals();
  return {
    settings: settings.viewSettings(gas),
    reports: reports.listReports(gas),
    functions: sheetFunctions().map((f) => ({ name: f.name, endpoint: f.endpoint.name, title: f.endpoint.title, arguments: f.arguments, sections: f.sections })),
  };
}

export function saveSettings(form: settings.SettingsForm): settings.SettingsView {
  return readable(() => settings.saveSettings(appsScriptGlobals(), form));
}

/** Tries each stored credential on a read endpoint of a family that takes it; one line per credential. */
export function testConnection(): string[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    const current = settings.readSettings(gas);
    const probes = [
      { label: "API key", families: ["taprain", "cdp"], set: current.apiKey !== undefined, only: { url: current.url, apiKey: current.apiKey } },
      { label: "Token", families: ["tapemetric", "cdp"], set: current.token !== undefined, only: { url: current.url, token: current.token } },
    ];
    return probes.map((probe) => {
      if (!probe.set) return `${probe.label}: not set.`;
      const fn = sheetFunctions().find((f) => probe.families.includes(f.endpoint.family));
      if (!fn) return `${probe.label}: saved (no function of this version takes it, so it was not tried).`;
      try {
        new MetrigateClient(gas, probe.only).call(fn.endpoint, {}, { budgetMs: EXECUTION_BUDGET_MS, fresh: true });
        return `${probe.label}: OK (${fn.name} answered).`;
      } catch (e) {
        return `${probe.label}: ${messageOf(e)}`;
      }
    });
  });
}

export function saveReport(report: unknown): Report[] {
  return readable(() => reports.saveReport(appsScriptGlobals(), report));
}

export function deleteReport(name: string): Report[] {
  return readable(() => reports.deleteReport(appsScriptGlobals(), name));
}

export function runReportNow(name: string): reports.RunResult {
  return readable(() => {
    const gas = appsScriptGlobals();
    const report = reports.listReports(gas).find((r) => r.name === name);
    if (!report) throw new Error(`No saved report named "${name}".`);
    return reports.runReport(gas, report);
  });
}
