// Runs a built Apps Script project the way Apps Script does: every execution (a custom function, a menu
// item, a sidebar call, a trigger) loads the project's script files into a fresh global scope that holds
// only the Apps Script services — here node:vm contexts with the fakes of this folder. State survives
// between executions only in the services (cache, properties, sheets, triggers), as it does for real.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { FakeCacheService } from "./cache.ts";
import { Execution, type ExecutionKind } from "./execution.ts";
import { FakeHtmlService } from "./html.ts";
import { FakePropertiesService } from "./properties.ts";
import { FakeScriptApp } from "./script-app.ts";
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
}

export interface AppsScriptProject {
  services: Services;
  /** Lines the scripts logged with console. */
  logs: string[];
  /** Names declared at the top level of the script files (what Apps Script can call). */
  topLevelFunctions(): string[];
  /** Calls a top-level function as a custom function: fresh scope, read-only services. */
  customFunction(name: string, ...args: unknown[]): unknown;
  /** Calls a top-level function as a menu item, a google.script.run call or a trigger would. */
  run(name: string, ...args: unknown[]): unknown;
  /** Fires every time-driven trigger whose handler is `handler`, as the clock would. */
  fireTriggers(handler: string): unknown[];
  close(): Promise<void>;
}

export function loadProject(dir: string, options: { timeZone?: string } = {}): AppsScriptProject {
  const scripts = readdirSync(dir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".gs"))
    .sort()
    .map((f) => new vm.Script(readFileSync(join(dir, f), "utf8"), { filename: f }));
  const execution = new Execution();
  const services: Services = {
    UrlFetchApp: new FakeUrlFetchApp(),
    CacheService: new FakeCacheService(),
    PropertiesService: new FakePropertiesService(execution),
    SpreadsheetApp: new FakeSpreadsheetApp(execution, options.timeZone ?? "America/New_York"),
    ScriptApp: new FakeScriptApp(execution),
    HtmlService: new FakeHtmlService(dir),
    Utilities: new FakeUtilities(),
  };
  const logs: string[] = [];
  const console = Object.fromEntries(
    ["log", "info", "warn", "error"].map((level) => [level, (...args: unknown[]) => logs.push(`${level}: ${args.map(String).join(" ")}`)]),
  );

  function freshScope(): vm.Context {
    const context = vm.createContext({ ...services, console });
    for (const script of scripts) script.runInContext(context);
    return context;
  }

  function execute(kind: ExecutionKind, name: string, args: unknown[]): unknown {
    const scope = freshScope() as Record<string, unknown>;
    const fn = scope[name];
    if (typeof fn !== "function") throw new Error(`Script function not found: ${name}`);
    execution.kind = kind;
    try {
      return (fn as (...a: unknown[]) => unknown)(...args);
    } finally {
      execution.kind = "full";
    }
  }

  return {
    services,
    logs,
    topLevelFunctions() {
      const scope = freshScope() as Record<string, unknown>;
      return Object.keys(scope).filter((k) => typeof scope[k] === "function" && !(k in services));
    },
    customFunction: (name, ...args) => execute("custom-function", name, args),
    run: (name, ...args) => execute("full", name, args),
    fireTriggers(handler) {
      return services.ScriptApp.triggers.filter((t) => t.handler === handler).map((t) => execute("full", t.handler, []));
    },
    close: () => services.UrlFetchApp.close(),
  };
}
