// The built add-on (sheets-addon/dist) run as Apps Script runs it: fresh scopes holding only faithful fakes
// of the services, real synchronous HTTP to a real Metrigate server in another process.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAddon } from "../sheets-addon/src/build.ts";
import { ENTRY_POINTS } from "../sheets-addon/src/entry-points.ts";
import { sheetFunctions } from "../shared/sheets/functions.ts";
import { errorOf, loadProject, OWNER, type AppsScriptProject } from "./support/apps-script/sandbox.ts";
import { startServerProcess, type ServerProcess } from "./support/apps-script/server-process.ts";

const NOW = "2026-03-18T15:30:00Z";

// New York is on EDT (UTC-4) since 2026-03-08, so "7days" starts at 2026-03-12 00:00 local = 04:00Z.
const CLICKS = [
  { click_id: "c1", ts: "2026-03-12T05:00:00Z", country: "US", offer: "A", source: "g" },
  { click_id: "c2", ts: "2026-03-15T12:00:00Z", country: "US", offer: "A", source: "" },
  { click_id: "c3", ts: "2026-03-18T10:00:00Z", country: "US", offer: "B", source: "g" },
  { click_id: "c4", ts: "2026-03-12T03:59:59Z", country: "US", offer: "B", source: "" }, // before the period
  { click_id: "c5", ts: "2026-03-16T00:00:00Z", country: "GB", offer: "A", source: "g" }, // not US
];
const CONVERSIONS = [
  { conversion_id: "v1", click_id: "c1", ts: "2026-03-13T00:00:00Z", country: "US", offer: "A", source: "g", revenue: 10.5 },
  { conversion_id: "v2", click_id: "c2", ts: "2026-03-18T11:00:00Z", country: "US", offer: "B", source: "", revenue: 4.25 },
  { conversion_id: "v3", click_id: "c5", ts: "2026-03-14T00:00:00Z", country: "GB", offer: "A", source: "g", revenue: 100 },
  { conversion_id: "v4", click_id: "", ts: "2026-03-11T23:00:00Z", country: "US", offer: "A", source: "g", revenue: 7 }, // 19:00 local on the 11th
];
const METRICS = ["clicks", "leads", "revenue", "cvr", "epc"];

// 1,500 offers with long names: the by_offer section alone is well over CacheService's 100 KB per value.
const BIG_CLICKS = Array.from({ length: 1500 }, (_, i) => ({
  click_id: `b${i}`,
  ts: "2026-03-17T12:00:00Z",
  country: "US",
  offer: `spring-campaign-offer-with-a-long-descriptive-name-${String(i).padStart(4, "0")}`,
  source: "newsletter",
}));

let server: ServerProcess;
let project: AppsScriptProject;
let distDir: string;

function requests(): number {
  return project.services.UrlFetchApp.requests.length;
}

function connect(settings: { url?: string; apiKey?: string; token?: string }): void {
  const props = project.services.PropertiesService.ofUser(OWNER);
  const entries: [string, string | undefined][] = [
    ["METRIGATE_URL", settings.url],
    ["METRIGATE_API_KEY", settings.apiKey],
    ["METRIGATE_TOKEN", settings.token],
  ];
  for (const [key, value] of entries) {
    if (value === undefined) props.deleteProperty(key);
    else props.setProperty(key, value);
  }
}


beforeAll(async () => {
  distDir = (await buildAddon()).outDir;
  server = await startServerProcess({
    now: NOW,
    workspaces: [
      { id: "acme", tables: { tr_clicks: CLICKS, tr_conversions: CONVERSIONS } },
      { id: "big", tables: { tr_clicks: BIG_CLICKS } },
      { id: "frozen", suspended: true },
    ],
  });
  project = loadProject(distDir, { timeZone: "America/New_York" });
});
afterAll(async () => {
  await project?.close();
  await server?.close();
});

describe("custom functions", () => {
  test("every custom function of the catalog and every handler is a top-level function; the bundle's insides are not", () => {
    const names = project.topLevelFunctions();
    for (const fn of sheetFunctions()) expect(names).toContain(fn.name);
    for (const entry of ENTRY_POINTS) expect(names).toContain(entry.name);
    expect(names).not.toContain("customFunction");
    expect(names).not.toContain("toSheetTable");
    expect(names.length).toBe(sheetFunctions().length + ENTRY_POINTS.length);
  });

  test('=STATS("7days","US") has the hand-worked numbers, the same as the HTTP API\'s', async () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    const table = project.customFunction("STATS", "7days", "US");
    // US in [2026-03-12 04:00Z, now): clicks c1 c2 c3; leads v1 (10.50) and v2 (4.25).
    // cvr = 2 / 3 × 100 = 66.6667; epc = 14.75 / 3 = 4.916667.
    expect(table).toEqual([METRICS, [3, 2, 14.75, 66.6667, 4.916667]]);

    const res = await fetch(`${server.url}/api/v1/stats?range=7days&country=US`, { headers: { "X-Api-Key": server.credentials.acme.apiKey } });
    const api = (await res.json()) as { data: { summary: Record<string, number> } };
    expect(table).toEqual([METRICS, METRICS.map((m) => api.data.summary[m])]);
  });

  test("section picks a breakdown or the time series; empty optional arguments are skipped", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    expect(project.customFunction("STATS", "7days", "US", "", "", "", "", "", "by_source")).toEqual([
      ["source", ...METRICS],
      // g: c1, c3 and v1 → cvr 50, epc 10.5 / 2; Direct: c2 and v2.
      ["g", 2, 1, 10.5, 50, 5.25],
      ["Direct", 1, 1, 4.25, 100, 4.25],
    ]);
    const series = project.customFunction("STATS", "7days", "US", undefined, undefined, undefined, undefined, undefined, "time_series");
    expect(series).toEqual([
      ["period", "granularity", ...METRICS],
      // v1 at 2026-03-13T00:00Z is 20:00 on the 12th in New York.
      ["2026-03-12", "day", 1, 1, 10.5, 100, 10.5],
      ["2026-03-13", "day", 0, 0, 0, 0, 0],
      ["2026-03-14", "day", 0, 0, 0, 0, 0],
      ["2026-03-15", "day", 1, 0, 0, 0, 0],
      ["2026-03-16", "day", 0, 0, 0, 0, 0],
      ["2026-03-17", "day", 0, 0, 0, 0, 0],
      ["2026-03-18", "day", 1, 1, 4.25, 100, 4.25],
    ]);
  });

  test("date cells become YYYY-MM-DD in the spreadsheet's zone and ranges become lists", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    // Sheets passes a date cell as the instant of its local midnight: 2026-03-12 00:00 EDT.
    const start = new Date("2026-03-12T04:00:00Z");
    const end = new Date("2026-03-13T04:00:00Z");
    // [12th 00:00, 14th 00:00) local: click c1 (US); leads v1 (US, 20:00 on the 12th) and v3 (GB, 20:00 on
    // the 13th); GB's click c5 is at 20:00 on the 15th. cvr = 2 / 1 × 100.
    expect(project.customFunction("STATS", "custom", [["us"], ["GB"]], "", "", "", start, end)).toEqual([METRICS, [1, 2, 110.5, 200, 110.5]]);
    expect(project.services.UrlFetchApp.requests.at(-1)?.url).toBe(
      `${server.url}/api/v1/stats?range=custom&country=us%2CGB&start=2026-03-12&end=2026-03-13`,
    );
  });

  test("a repeated call, in a new execution, is answered from CacheService without a request", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    const first = project.customFunction("STATS", "30days", "US");
    const before = requests();
    expect(project.customFunction("STATS", "30days", "US")).toEqual(first);
    // Another section of the same response is the same request. 30 days reach back to 2026-02-17, so c4
    // (23:59:59 on the 11th, local) and v4 count: A = c1 c2 + v1 v4; B = c3 c4 + v2.
    expect(project.customFunction("STATS", "30days", "US", "", "", "", "", "", "by_offer")).toEqual([
      ["offer", ...METRICS],
      ["A", 2, 2, 17.5, 100, 8.75],
      ["B", 2, 1, 4.25, 50, 2.125],
    ]);
    expect(requests()).toBe(before);
  });

  test("a response over 100 KB is cached in chunks and read back whole", () => {
    connect({ url: server.url, apiKey: server.credentials.big.apiKey });
    const before = requests();
    const table = project.customFunction("STATS", "7days", "", "", "", "", "", "", "by_offer") as unknown[][];
    expect(requests()).toBe(before + 1);
    expect(table.length).toBe(1501);
    expect(table[1]).toEqual(["spring-campaign-offer-with-a-long-descriptive-name-0000", 1, 0, 0, 0, 0]);
    const sizes = [...project.services.CacheService.script.sizes().values()];
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100 * 1024);
    expect(sizes.filter((s) => s > 50 * 1024).length).toBeGreaterThanOrEqual(2);
    expect(project.customFunction("STATS", "7days", "", "", "", "", "", "", "by_offer")).toEqual(table);
    expect(requests()).toBe(before + 1);
  });

  test("bad arguments and server refusals are one readable sentence, never a stack", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    const messages = [
      [
        errorOf(() => project.customFunction("STATS", "lastyear")),
        "Invalid value \"lastyear\" for parameter 'range'. Allowed values: hour, today, yesterday, 7days, 30days, custom.",
      ],
      [
        errorOf(() => project.customFunction("STATS", "7days", "", "", "", "", "", "", "by_week")),
        'Unknown section "by_week" for STATS: use summary, time_series, by_country, by_source or by_offer.',
      ],
      [
        errorOf(() => project.customFunction("STATS", "7days", "US", "", "", "", "", "", "summary", "extra")),
        "STATS takes at most 8 arguments (range, country, offer, source, timezone, start, end, section).",
      ],
      [
        errorOf(() => project.customFunction("STATS", "7days", "USA")),
        `Invalid country code "USA" in 'country': use two-letter ISO 3166-1 codes such as US or GB.`,
      ],
    ];
    connect({ url: server.url, apiKey: "mg_live_not-a-real-key" });
    messages.push([errorOf(() => project.customFunction("STATS", "today")), "Not authorised (401): The API key is invalid. Check METRIGATE_API_KEY."]);
    connect({ url: server.url, apiKey: server.credentials.frozen.apiKey });
    messages.push([errorOf(() => project.customFunction("STATS", "today")), 'Forbidden (403): Workspace "frozen" is suspended.']);
    connect({ url: `${server.url}/metrigate`, apiKey: server.credentials.acme.apiKey });
    messages.push([errorOf(() => project.customFunction("STATS", "today")), "Not found (404): No such endpoint: GET /metrigate/api/v1/stats."]);
    connect({ url: server.url });
    messages.push([errorOf(() => project.customFunction("STATS", "today")), "Taprain needs an API key: set METRIGATE_TAPRAIN_API_KEY or METRIGATE_API_KEY."]);
    connect({});
    messages.push([
      errorOf(() => project.customFunction("STATS", "today")),
      "Metrigate is not connected: the spreadsheet's owner opens the Metrigate menu ▸ Settings and reports, and enters a server URL.",
    ]);
    connect({ url: "http://127.0.0.1:9", apiKey: server.credentials.acme.apiKey });
    messages.push([errorOf(() => project.customFunction("STATS", "today")), "Cannot reach http://127.0.0.1:9"]);
    for (const [actual, expected] of messages) {
      expect(actual.startsWith(expected)).toBe(true);
      expect(actual).not.toMatch(/\n\s+at /);
    }
  });

  test("every catalog function answers a table with a header row (or one readable sentence)", () => {
    const { apiKey, token } = server.credentials.acme;
    connect({ url: server.url, apiKey, token });
    for (const fn of sheetFunctions()) {
      let result: unknown;
      try {
        result = project.customFunction(fn.name);
      } catch (e) {
        expect((e as Error).message, fn.name).not.toMatch(/\n\s+at /);
        continue;
      }
      const table = result as unknown[][];
      expect(Array.isArray(table) && table.length >= 1, fn.name).toBe(true);
      expect(table[0].length, fn.name).toBeGreaterThan(0);
      for (const row of table) expect(row.length, fn.name).toBe(table[0].length);
    }
  });
});

describe("429 from the server", () => {
  let limited: ServerProcess;
  beforeAll(async () => {
    // Two requests per key in a 3-second window (room for a slow machine), so the third waits for the next.
    limited = await startServerProcess({
      now: NOW,
      workspaces: [{ id: "acme", tables: { tr_clicks: CLICKS } }],
      limitPolicies: { api_key: { name: "key", quota: 2, windowMs: 3000 } },
    });
  });
  afterAll(() => limited?.close());

  test("is retried after its Retry-After, and the call then succeeds", () => {
    const sandbox = loadProject(distDir);
    try {
      sandbox.services.PropertiesService.ofUser(OWNER).setProperty("METRIGATE_URL", limited.url);
      sandbox.services.PropertiesService.ofUser(OWNER).setProperty("METRIGATE_API_KEY", limited.credentials.acme.apiKey);
      sandbox.customFunction("STATS", "today");
      sandbox.customFunction("STATS", "yesterday");
      const table = sandbox.customFunction("STATS", "7days", "US");
      expect(table).toEqual([METRICS, [3, 0, 0, 0, 0]]);
      const log = sandbox.services.UrlFetchApp.requests;
      expect(log.map((r) => r.status)).toEqual([200, 200, 429, 200]);
      const retryAfter = Number(log[2].responseHeaders["Retry-After"]);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(sandbox.services.Utilities.sleeps).toEqual([retryAfter * 1000]);
      expect(log[3].at - log[2].at).toBeGreaterThanOrEqual(retryAfter * 1000 - 50);
      expect(log[3].url).toBe(log[2].url);
    } finally {
      void sandbox.close();
    }
  });
});

describe("saved reports and schedules", () => {
  const report = {
    name: "US by source",
    endpoint: "STATS",
    params: { range: "7days", country: "US" },
    section: "by_source",
    sheet: "Stats",
    cell: "B2",
    schedule: "hourly",
  };

  test("saving an hourly report creates one hourly trigger; a trigger run writes the table into its range and logs it", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    const { SpreadsheetApp, ScriptApp } = project.services;
    // A bigger table from an earlier run below, and the user's own note beside the report's columns.
    const stats = SpreadsheetApp.spreadsheet.insertSheet("Stats");
    stats.getRange(6, 2, 2, 6).setValues([["old", 1, 1, 1, 1, 1], ["old", 2, 2, 2, 2, 2]]);
    stats.getRange(2, 9).setValues([["keep me"]]);

    project.run("saveReport", report);
    expect(ScriptApp.triggers).toEqual([{ id: "trigger-1", handler: "runHourlyReports", user: OWNER, everyHours: 1 }]);
    project.run("saveReport", { ...report, name: "Totals daily", section: "summary", cell: "A1", sheet: "Daily", schedule: "daily" });
    // The daily run is at 06:00 in the spreadsheet's zone, whatever the script project's zone says.
    expect(ScriptApp.triggers.map((t) => [t.handler, t.everyDays, t.atHour, t.timeZone])).toEqual([
      ["runHourlyReports", undefined, undefined, undefined],
      ["runDailyReports", 1, 6, "America/New_York"],
    ]);

    const before = requests();
    project.fireTriggers("runHourlyReports");
    expect(requests()).toBe(before + 1);
    expect(stats.getRange(2, 2, 6, 6).getValues()).toEqual([
      ["source", ...METRICS],
      ["g", 2, 1, 10.5, 50, 5.25],
      ["Direct", 1, 1, 4.25, 100, 4.25],
      ["", "", "", "", "", ""],
      ["", "", "", "", "", ""],
      ["", "", "", "", "", ""],
    ]);
    expect(stats.getRange(2, 9).getValues()).toEqual([["keep me"]]);
    expect(SpreadsheetApp.spreadsheet.getSheetByName("Daily")).toBeNull();

    const log = SpreadsheetApp.spreadsheet.getSheetByName("Metrigate log");
    const rows = log?.contents() ?? [];
    expect(rows[0]).toEqual(["time", "report", "target", "rows", "error"]);
    expect(rows.slice(1).map((r) => r.slice(1))).toEqual([["US by source", "Stats!B2", 2, ""]]);
    // A Date of the script's realm: the run's time, which Sheets shows as a date-time.
    expect(Object.prototype.toString.call(rows[1][0])).toBe("[object Date]");
    expect(Date.now() - (rows[1][0] as Date).getTime()).toBeLessThan(60_000);
  });

  test("a daily run writes its report; a failing report is logged with its reason; deleting reports removes their triggers", () => {
    connect({ url: server.url, apiKey: server.credentials.acme.apiKey });
    const { SpreadsheetApp, ScriptApp } = project.services;
    project.fireTriggers("runDailyReports");
    expect(SpreadsheetApp.spreadsheet.getSheetByName("Daily")?.contents()).toEqual([METRICS, [3, 2, 14.75, 66.6667, 4.916667]]);

    project.run("saveReport", { ...report, name: "Broken", params: { range: "fortnight" }, schedule: "none" });
    const result = project.run("runReportNow", "Broken") as { rows: number; error: string };
    expect(result.error).toBe("Invalid value \"fortnight\" for parameter 'range'. Allowed values: hour, today, yesterday, 7days, 30days, custom.");
    const log = SpreadsheetApp.spreadsheet.getSheetByName("Metrigate log")?.contents() ?? [];
    expect(log.at(-1)?.slice(1)).toEqual(["Broken", "Stats!B2", 0, result.error]);

    project.run("deleteReport", "US by source");
    expect(ScriptApp.triggers.map((t) => t.handler)).toEqual(["runDailyReports"]);
    project.run("deleteReport", "Totals daily");
    project.run("deleteReport", "Broken");
    expect(ScriptApp.triggers).toEqual([]);
  });

  test("a report with an unknown section or cell is refused when saved", () => {
    expect(errorOf(() => project.run("saveReport", { ...report, section: "by_week" }))).toBe(
      'Report "US by source": Unknown section "by_week" for STATS: use summary, time_series, by_country, by_source or by_offer.',
    );
    expect(errorOf(() => project.run("saveReport", { ...report, cell: "B2:C4" }))).toBe("report cell: must be one cell in A1 notation, such as A1 or C5.");
  });
});

describe("menu and sidebar", () => {
  test("the menu's items call top-level functions; the sidebar opens with the settings form", () => {
    project.run("onOpen", {});
    const menu = project.services.SpreadsheetApp.ui.menus.at(-1);
    expect(menu?.caption).toBe("Metrigate");
    const names = project.topLevelFunctions();
    for (const item of menu?.items ?? []) expect(names).toContain(item.functionName);

    project.run("showSidebar");
    const sidebar = project.services.SpreadsheetApp.ui.sidebars.at(-1);
    expect(sidebar?.title).toBe("Metrigate");
    // One input per §16 setting, named as the setting.
    for (const id of ['id="METRIGATE_URL"', 'id="METRIGATE_TAPRAIN_API_KEY"', 'id="METRIGATE_TAPEMETRIC_PASSWORD"', 'id="METRIGATE_CDP_TOKEN"', "google.script.run"]) {
      expect(sidebar?.content).toContain(id);
    }
  });

  test("simple mode: settings go to the owner's user properties under the §16 names; the sidebar never sees the secrets; Test says per API what worked", () => {
    connect({});
    const { apiKey, token } = server.credentials.acme;
    project.run("saveSettings", { mode: "simple", values: { METRIGATE_URL: `${server.url}/`, METRIGATE_API_KEY: apiKey, METRIGATE_TOKEN: "" } });
    const props = project.services.PropertiesService.ofUser(OWNER);
    expect(props.getProperty("METRIGATE_URL")).toBe(server.url);
    expect(props.getProperty("METRIGATE_API_KEY")).toBe(apiKey);
    expect(props.getProperty("METRIGATE_TOKEN")).toBeNull();

    const state = project.run("getSidebarState") as { settings: Record<string, unknown>; functions: { name: string }[] };
    expect(state.settings.mode).toBe("simple");
    expect(state.settings.values).toEqual({ METRIGATE_URL: server.url });
    expect(state.settings.secretsSet).toMatchObject({ METRIGATE_API_KEY: true, METRIGATE_TOKEN: false, METRIGATE_TAPRAIN_API_KEY: false });
    expect(state.settings.who).toEqual({ user: OWNER, owner: OWNER, isOwner: true });
    expect(JSON.stringify(state)).not.toContain(apiKey);
    expect(state.functions.map((f) => f.name)).toEqual(sheetFunctions().map((f) => f.name));

    expect(project.run("testConnection")).toEqual([
      "Tapemetric: not tested. Tapemetric needs a JWT: set METRIGATE_TAPEMETRIC_TOKEN, or METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD to log in, or METRIGATE_TOKEN.",
      `Taprain: OK — STATS answered from ${server.url} with METRIGATE_API_KEY.`,
      `CDP: OK — CDP_OVERVIEW answered from ${server.url} with METRIGATE_API_KEY.`,
    ]);
    project.run("saveSettings", { mode: "simple", values: { METRIGATE_URL: server.url, METRIGATE_TOKEN: token }, clear: ["METRIGATE_API_KEY"] });
    expect(props.getProperty("METRIGATE_API_KEY")).toBeNull();
    expect(props.getProperty("METRIGATE_TOKEN")).toBe(token);
    expect(project.run("testConnection", "tapemetric")).toEqual([`Tapemetric: OK — TM_OVERVIEW answered from ${server.url} with METRIGATE_TOKEN.`]);
    expect(errorOf(() => project.run("saveSettings", { mode: "simple", values: { METRIGATE_URL: "metrigate.example.com" } }))).toBe(
      'METRIGATE_URL must be an http(s) URL such as https://api.example.com, got "metrigate.example.com".',
    );
    expect(props.getProperty("METRIGATE_URL")).toBe(server.url);
  });

  test("custom functions cannot change settings (they run read-only)", () => {
    const form = { mode: "simple", values: { METRIGATE_URL: server.url } };
    expect(errorOf(() => project.customFunction("saveSettings", form))).toContain("You do not have permission to call setProperty");
  });
});
