// One scheduled refresh per schedule per spreadsheet. Installable triggers belong to the user who made them,
// run with that user's settings, and getProjectTriggers() shows only the caller's — so the spreadsheet's
// record of its refreshes lives in document properties, which every editor sees: which trigger is the
// refresh, who owns it, when it last ran and how. Only the owner creates triggers (they run with the
// owner's connection); a trigger that finds it is not the recorded one removes itself when it fires.

import type { Report, Schedule } from "../../shared/sheets/reports.ts";
import type { AppsScript, TriggerEvent } from "./apps-script.ts";
import { deadlineOf, EXECUTION_LIMIT_MS } from "./client.ts";
import { listReports, reportsOf, runReports, storeReports, type BatchResult } from "./reports.ts";
import type { Who } from "./settings.ts";

export type TimedSchedule = Exclude<Schedule, "none">;

/** Trigger handler per schedule: top-level functions of the built script. */
export const SCHEDULE_HANDLERS: Record<TimedSchedule, string> = {
  hourly: "runHourlyReports",
  daily: "runDailyReports",
};

const TIMED: readonly TimedSchedule[] = ["hourly", "daily"];
const SCHEDULES_PROPERTY = "METRIGATE_SCHEDULES";
/** Daily refreshes run in this hour of the spreadsheet's time zone. */
const DAILY_HOUR = 6;
/** Kept at the end of a scheduled run for writing the sheets and the log. */
const WRITE_MARGIN_MS = 20_000;

export interface ScheduleRecord {
  triggerId: string;
  /** The user the trigger belongs to and runs as. */
  owner: string;
  timeZone?: string;
  lastRunAt?: string;
  /** Empty when the last run wrote every report. */
  lastError?: string;
  /** Reports the last run's time limit left for the next run. */
  left?: string[];
}

type Registry = Partial<Record<TimedSchedule, ScheduleRecord>>;

/** What the sidebar shows for each schedule some report uses. */
export interface ScheduleStatus {
  schedule: TimedSchedule;
  running: boolean;
  text: string;
}

function readRegistry(gas: AppsScript): Registry {
  const text = gas.PropertiesService.getDocumentProperties().getProperty(SCHEDULES_PROPERTY);
  return text ? (JSON.parse(text) as Registry) : {};
}

function writeRegistry(gas: AppsScript, registry: Registry): void {
  gas.PropertiesService.getDocumentProperties().setProperty(SCHEDULES_PROPERTY, JSON.stringify(registry));
}

function deleteOwnTrigger(gas: AppsScript, triggerId: string): void {
  const trigger = gas.ScriptApp.getProjectTriggers().find((t) => t.getUniqueId() === triggerId);
  if (trigger) gas.ScriptApp.deleteTrigger(trigger);
}

function createTrigger(gas: AppsScript, schedule: TimedSchedule, timeZone: string): string {
  const builder = gas.ScriptApp.newTrigger(SCHEDULE_HANDLERS[schedule]).timeBased();
  // The spreadsheet's zone, not the script project's (a `clasp push --force` resets that to the manifest's).
  const timed = schedule === "hourly" ? builder.everyHours(1) : builder.everyDays(1).atHour(DAILY_HOUR).inTimezone(timeZone);
  return timed.create().getUniqueId();
}

/**
 * Brings the triggers in line with the reports: a refresh for each schedule in use (created by the owner
 * only), none for schedules no report uses. The caller's own triggers of ours that are not the recorded
 * ones (duplicates from earlier versions) are deleted; others' are left to remove themselves.
 */
export function syncSchedules(gas: AppsScript, reports: readonly Report[], who: Who): void {
  const registry = readRegistry(gas);
  const mine = gas.ScriptApp.getProjectTriggers();
  const timeZone = gas.SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
  for (const schedule of TIMED) {
    const wanted = reports.some((r) => r.schedule === schedule);
    const record = registry[schedule];
    const recordedAndMine = record !== undefined && record.owner === who.user;
    if (!wanted) {
      if (recordedAndMine) deleteOwnTrigger(gas, record.triggerId);
      delete registry[schedule];
      continue;
    }
    const lost = recordedAndMine && !mine.some((t) => t.getUniqueId() === record.triggerId);
    if ((record === undefined || lost) && who.isOwner) {
      registry[schedule] = { triggerId: createTrigger(gas, schedule, timeZone), owner: who.user, timeZone };
    }
  }
  for (const trigger of gas.ScriptApp.getProjectTriggers()) {
    const schedule = TIMED.find((s) => SCHEDULE_HANDLERS[s] === trigger.getHandlerFunction());
    if (schedule !== undefined && registry[schedule]?.triggerId !== trigger.getUniqueId()) gas.ScriptApp.deleteTrigger(trigger);
  }
  writeRegistry(gas, registry);
}

/** Saves reports and brings the refreshes in line with them. */
export function saveReports(gas: AppsScript, reports: Report[], who: Who): Report[] {
  storeReports(gas, reports);
  syncSchedules(gas, reports, who);
  return reports;
}

/** Stops a schedule's refresh: its reports stay, to be run on demand. Anyone who can edit may do it. */
export function stopSchedule(gas: AppsScript, schedule: TimedSchedule, who: Who): Report[] {
  const reports = listReports(gas).map((r) => (r.schedule === schedule ? { ...r, schedule: "none" as const } : r));
  return saveReports(gas, reports, who);
}

/**
 * A trigger fired: if it is the schedule's recorded refresh, run the schedule's reports within the
 * 6-minute limit and record the outcome; otherwise (a duplicate, or a stopped schedule) remove it.
 */
export function runSchedule(gas: AppsScript, schedule: TimedSchedule, event: TriggerEvent | undefined): BatchResult {
  const registry = readRegistry(gas);
  const record = registry[schedule];
  if (event?.triggerUid !== undefined && record?.triggerId !== event.triggerUid) {
    deleteOwnTrigger(gas, event.triggerUid);
    return { results: [], left: [] };
  }
  const batch = runReports(gas, reportsOf(gas, schedule), deadlineOf(EXECUTION_LIMIT_MS, WRITE_MARGIN_MS));
  if (record) {
    const failed = batch.results.filter((r) => r.error !== "" && !batch.left.includes(r.report));
    registry[schedule] = {
      ...record,
      lastRunAt: new Date().toISOString(),
      lastError: failed.map((r) => `${r.report}: ${r.error}`).join(" "),
      left: batch.left,
    };
    writeRegistry(gas, registry);
  }
  return batch;
}

/** One line per schedule in use: who runs it, when it last ran and how, or why it is not running. */
export function scheduleStatus(gas: AppsScript, reports: readonly Report[], who: Who): ScheduleStatus[] {
  const registry = readRegistry(gas);
  return TIMED.filter((schedule) => reports.some((r) => r.schedule === schedule)).map((schedule) => {
    const record = registry[schedule];
    if (!record) {
      const starter = who.owner ?? "whoever saves a report with this schedule";
      return { schedule, running: false, text: `The ${schedule} refresh is not running yet: it starts when ${starter} opens Metrigate ▸ Settings and reports.` };
    }
    const owner = record.owner === who.user ? "you" : record.owner;
    const last = record.lastRunAt
      ? `last run ${record.lastRunAt}${record.lastError ? `, with errors: ${record.lastError}` : ", every report written"}${record.left?.length ? `; left for the next run: ${record.left.join(", ")}` : ""}`
      : "not run yet";
    return { schedule, running: true, text: `The ${schedule} refresh runs as ${owner} (with their settings); ${last}.` };
  });
}
