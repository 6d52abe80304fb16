// Runs a built Apps Script project the way Apps Script does: every execution (a custom function, a menu
// item, a sidebar call, a trigger) loads the project's script files into a fresh global scope that holds
// only the Apps Script services — here node:vm contexts with the fakes of this folder. State survives
// between executions only in the services (cache, properties, sheets, triggers), as it does for real.
// Executions run as a user (the owner unless a test says otherwise; a trigger as its creator), against a
// wall-clock limit, on the harness clock (the scripts' Date reads it too).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { FakeCacheService } from "./cache.ts";
import { Clock, Execution, type ExecutionKind } from "./execution.ts";
import { FakeHtmlService } from "./html.ts";
import { FakeLockService } from "./lock.ts";
import { FakePropertiesService } from "./properties.ts";
import { FakeScriptApp, FakeSession } from "./script-app.ts";
import { FakeSpreadsheetApp } from "./spreadsheet.ts";
import { FakeUrlFetchApp } from "./url-fetch.ts";
import { FakeUtilities } from "./utilities.ts";

export interface Services {
  UrlFetchApp: FakeUrlFetchApp;
  CacheService: FakeCacheService;
  PropertiesService: FakePropertiesService;
  SpreadsheetApp: FakeSpreadsheetApp;
  ScriptApp: FakeScriptApp;
  HtmlService: FakeHtmlService;
  Utilities: FakeUtilities;
  Session: FakeSession;
  LockService: FakeLockService;
}

export interface ProjectOptions {
  timeZone?: string;
  /** The spreadsheet owner's email; null for a spreadsheet in a shared drive (default owner@example.com). */
  owner?: string | null;
  /** Sleeps and test-given network latency move a virtual clock instead of blocking. */
  virtualTime?: boolean;
  /** Time Apps Script spends starting an execution before the script's first line (counted in its limit). */
  startupMs?: number;
}

export const OWNER = "owner@example.com";

export interface AppsScriptProject {
  services: Services;
  execution: Execution;
  /** The project's script files, for executions run elsewhere (concurrent.ts). */
  scriptSources: { name: string; source: string }[];
  /** Lines the scripts logged with console. */
  logs: string[];
  /** Names declared at the top level of the script files (what Apps Script can call). */
  topLevelFunctions(): string[];
  /** Calls a top-level function as a custom function: fresh scope, read-only services. */
  customFunction(name: string, ...args: unknown[]): unknown;
  /** Calls a top-level function as a menu item or a google.script.run call of the owner would. */
  run(name: string, ...args: unknown[]): unknown;
  /** The same, for another user of the spreadsheet (an editor). */
  runAs(user: string, name: string, ...args: unknown[]): unknown;
  /** Fires every time-driven trigger whose handler is `handler`, each as its creator, as the clock would. */
  fireTriggers(handler: string): unknown[];
  close(): Promise<void>;
}

/** The scripts' Date: the harness clock for "now", Date's own behaviour otherwise. */
function clockedDate(clock: Clock): DateConstructor {
  function ClockedDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new Date(clock.now()).toString();
    return Reflect.construct(Date, args.length === 0 ? [clock.now()] : args, new.target);
  }
  Object.setPrototypeOf(ClockedDate, Date);
  ClockedDate.prototype = Date.prototype;
  Object.defineProperty(ClockedDate, "now", { value: () => clock.now() });
  return ClockedDate as unknown as DateConstructor;
}

export function loadProject(dir: string, options: ProjectOptions = {}): AppsScriptProject {
  const scriptSources = readdirSync(dir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".gs"))
    .sort()
    .map((name) => ({ name, source: readFileSync(join(dir, name), "utf8") }));
  const scripts = scriptSources.map((f) => new vm.Script(f.source, { filename: f.name }));
  const clock = new Clock(options.virtualTime ?? false);
  const owner = options.owner === undefined ? OWNER : options.owner;
  const execution = new Execution(clock, owner ?? OWNER);
  const services: Services = {
    UrlFetchApp: new FakeUrlFetchApp(execution),
    CacheService: new FakeCacheService(clock),
    PropertiesService: new FakePropertiesService(execution),
    SpreadsheetApp: new FakeSpreadsheetApp(execution, options.timeZone ?? "America/New_York", owner),
    ScriptApp: new FakeScriptApp(execution),
    HtmlService: new FakeHtmlService(dir),
    Utilities: new FakeUtilities(execution),
    Session: new FakeSession(execution),
    LockService: new FakeLockService(),
  };
  const ScriptDate = clockedDate(clock);
  const logs: string[] = [];
  const console = Object.fromEntries(
    ["log", "info", "warn", "error"].map((level) => [level, (...args: unknown[]) => logs.push(`${level}: ${args.map(String).join(" ")}`)]),
  );

  function freshScope(): vm.Context {
    const context = vm.createContext({ ...services, console, Date: ScriptDate });
    for (const script of scripts) script.runInContext(context);
    return context;
  }

  function execute(kind: ExecutionKind, user: string, name: string, args: unknown[]): unknown {
    // The limit counts from the execution's start: loading the scripts is part of it.
    execution.begin(kind, user, options.startupMs ?? 0);
    try {
      const scope = freshScope() as Record<string, unknown>;
      const fn = scope[name];
      if (typeof fn !== "function") throw new Error(`Script function not found: ${name}`);
      const result = (fn as (...a: unknown[]) => unknown)(...args);
      execution.checkTime();
      return result;
    } finally {
      services.LockService.releaseAll();
      execution.end();
    }
  }

  return {
    services,
    execution,
    scriptSources,
    logs,
    topLevelFunctions() {
      const scope = freshScope() as Record<string, unknown>;
      return Object.keys(scope).filter((k) => typeof scope[k] === "function" && !(k in services) && k !== "Date");
    },
    customFunction: (name, ...args) => execute("custom-function", execution.owner, name, args),
    run: (name, ...args) => execute("full", execution.owner, name, args),
    runAs: (user, name, ...args) => execute("full", user, name, args),
    fireTriggers(handler) {
      // A time-driven trigger's event names the trigger (triggerUid), as Apps Script's does.
      return services.ScriptApp.triggers
        .filter((t) => t.handler === handler)
        .map((t) => execute("trigger", t.user, t.handler, [{ triggerUid: t.id, authMode: "FULL" }]));
    },
    close: () => services.UrlFetchApp.close(),
  };
}

/** The message a call failed with, as Sheets shows it in a cell's #ERROR! tooltip; throws if it did not fail. */
export function errorOf(work: () => unknown): string {
  try {
    work();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the call to fail");
}
