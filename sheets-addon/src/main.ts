// The add-on's entry: everything the generated top-level stubs call (custom functions, menu, sidebar,
// triggers). esbuild bundles this as the `Metrigate` global; Apps Script services come from the global scope.

import type { Family } from "../../shared/catalog/define.ts";
import { FAMILIES, FAMILY_NAMES } from "../../shared/client/connections.ts";
import { callOf, findSheetFunction, sheetFunctions } from "../../shared/sheets/functions.ts";
import type { Report } from "../../shared/sheets/reports.ts";
import { toSheetTable, type SheetTable } from "../../shared/sheets/table.ts";
import { appsScriptGlobals, type AppsScript, type TriggerEvent } from "./apps-script.ts";
import { CUSTOM_FUNCTION_LIMIT_MS, deadlineOf, EXECUTION_LIMIT_MS, MetrigateClient } from "./client.ts";
import * as reports from "./reports.ts";
import * as schedules from "./schedules.ts";
import * as settings from "./settings.ts";

/** Kept at the end of a custom function for shaping the table and handing it to Sheets. */
const SHAPING_MARGIN_MS = 1_000;
/** Kept at the end of a sidebar or menu run for writing what it fetched. */
const WRITE_MARGIN_MS = 20_000;

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
    const deadline = deadlineOf(CUSTOM_FUNCTION_LIMIT_MS, SHAPING_MARGIN_MS);
    const gas = appsScriptGlobals();
    const fn = findSheetFunction(name);
    if (!fn) throw new Error(`Unknown Metrigate function ${name}.`);
    const call = callOf(fn, args, () => gas.SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone());
    const connection = settings.connectionOf(settings.readSettings(gas), fn.endpoint.family);
    const body = new MetrigateClient(gas, connection).call(fn.endpoint, call.params, { deadline });
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

/** Reports run with the owner's connection: a run started by anyone else is refused with that sentence. */
function requireOwner(gas: AppsScript): settings.Who {
  const who = settings.whoIsHere(gas);
  if (!who.isOwner) {
    throw new Error(`Reports run with the connection of the spreadsheet's owner, ${who.owner}: ask them to run them, or wait for the scheduled refresh.`);
  }
  return who;
}

function runOnDemand(gas: AppsScript, chosen: readonly Report[]): reports.BatchResult {
  requireOwner(gas);
  return reports.runReports(gas, chosen, deadlineOf(EXECUTION_LIMIT_MS, WRITE_MARGIN_MS));
}

export function refreshAllReports(): reports.RunResult[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    const { results, left } = runOnDemand(gas, reports.reportsOf(gas, "all"));
    const failed = results.filter((r) => r.error !== "").length - left.length;
    const summary = [
      `${results.length - left.length} report${results.length - left.length === 1 ? "" : "s"} run`,
      failed > 0 ? `, ${failed} failed (see the Metrigate log sheet)` : "",
      left.length > 0 ? `; out of time before ${left.join(", ")}` : "",
      ".",
    ].join("");
    gas.SpreadsheetApp.getActiveSpreadsheet().toast(summary, "Metrigate");
    return results;
  });
}

export function runHourlyReports(event?: TriggerEvent): reports.BatchResult {
  return schedules.runSchedule(appsScriptGlobals(), "hourly", event);
}

export function runDailyReports(event?: TriggerEvent): reports.BatchResult {
  return schedules.runSchedule(appsScriptGlobals(), "daily", event);
}

export function getSidebarState() {
  return readable(() => {
    const gas = appsScriptGlobals();
    const view = settings.viewSettings(gas);
    const saved = reports.listReports(gas);
    // The owner opening the sidebar starts any refresh an editor's report is waiting for.
    if (view.who.isOwner) schedules.syncSchedules(gas, saved, view.who);
    return {
      settings: view,
      reports: saved,
      schedules: schedules.scheduleStatus(gas, saved, view.who),
      functions: sheetFunctions().map((f) => ({ name: f.name, endpoint: f.endpoint.name, title: f.endpoint.title, arguments: f.arguments, sections: f.sections })),
    };
  });
}

export function saveSettings(form: settings.SettingsForm): settings.SettingsView {
  return readable(() => settings.saveSettings(appsScriptGlobals(), form));
}

/** The first read function of an API, with no arguments: what "Test" calls. */
function probeOf(family: Family) {
  return sheetFunctions().find((f) => f.endpoint.family === family && f.endpoint.method === "GET");
}

/**
 * Tests one API (or all three) with the stored settings: one sentence each saying what was tried and what
 * worked — the host, the credential, Tapemetric's login — or what did not.
 */
export function testConnection(family?: Family): string[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    const who = settings.whoIsHere(gas);
    if (!who.isOwner) return [`Formulas use the settings of the spreadsheet's owner, ${who.owner}: only they can test them.`];
    const connections = settings.connectionsOf(settings.readSettings(gas));
    const deadline = deadlineOf(EXECUTION_LIMIT_MS, WRITE_MARGIN_MS);
    return (family ? [family] : FAMILIES).map((f) => {
      const name = FAMILY_NAMES[f];
      const connection = connections[f];
      if (typeof connection === "string") return `${name}: not tested. ${connection}`;
      const fn = probeOf(f);
      if (!fn) return `${name}: no function of this version reads it, so it was not tried.`;
      const how = connection.login ? `logged in as ${connection.login.email} and ` : "";
      try {
        new MetrigateClient(gas, connection).call(fn.endpoint, {}, { deadline, fresh: true });
        return `${name}: OK — ${how}${fn.name} answered from ${connection.url} with ${connection.credentialSettings}.`;
      } catch (e) {
        return `${name}: failed — ${messageOf(e)}`;
      }
    });
  });
}

export function saveReport(report: unknown): Report[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    return schedules.saveReports(gas, reports.withReport(gas, report), settings.whoIsHere(gas));
  });
}

export function deleteReport(name: string): Report[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    const rest = reports.listReports(gas).filter((r) => r.name !== name);
    return schedules.saveReports(gas, rest, settings.whoIsHere(gas));
  });
}

export function stopSchedule(schedule: schedules.TimedSchedule): Report[] {
  return readable(() => {
    const gas = appsScriptGlobals();
    if (!(schedule in schedules.SCHEDULE_HANDLERS)) throw new Error(`Unknown schedule "${schedule}": use hourly or daily.`);
    return schedules.stopSchedule(gas, schedule, settings.whoIsHere(gas));
  });
}

export function runReportNow(name: string): reports.RunResult {
  return readable(() => {
    const gas = appsScriptGlobals();
    const report = reports.listReports(gas).find((r) => r.name === name);
    if (!report) throw new Error(`No saved report named "${name}".`);
    return runOnDemand(gas, [report]).results[0];
  });
}
