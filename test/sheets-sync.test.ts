// `metrigate sheets sync` against a real Metrigate server and a local fake of the Sheets v4 API and of
// Google's token endpoint (the key's token_uri): the exact requests, the written cells, the errors.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { main } from "../cli/main.ts";
import { FakeGoogleSheets } from "./support/google-sheets-api.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";
import { startVendorServers, type VendorServers } from "./support/vendor-server.ts";

const NOW = "2026-03-18T15:30:00Z";
const METRICS = ["clicks", "leads", "revenue", "cvr", "epc"];

let server: TestServer;
let acme: Credentials;
let google: FakeGoogleSheets;
let dir: string;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  // "today" in New York (EDT) starts at 2026-03-18T04:00Z: c1, c2 and v1 are in it, c3 is yesterday.
  await server.insert("acme", "tr_clicks", [
    { click_id: "c1", ts: "2026-03-18T05:10:00Z", country: "us", offer: "A", source: "" },
    { click_id: "c2", ts: "2026-03-18T14:00:00Z", country: "GB", offer: "B", source: "g" },
    { click_id: "c3", ts: "2026-03-17T12:00:00Z", country: "US", offer: "A", source: "g" },
  ]);
  await server.insert("acme", "tr_conversions", [
    { conversion_id: "v1", click_id: "c1", ts: "2026-03-18T06:00:00Z", country: "US", offer: "A", source: "", revenue: 2.5 },
  ]);
  google = await new FakeGoogleSheets().start();
  dir = mkdtempSync(join(tmpdir(), "metrigate-sync-"));
});
afterAll(async () => {
  await google?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const REPORTS = [
  { name: "Today", endpoint: "STATS", params: { range: "today" }, sheet: "Stats", cell: "A1" },
  { name: "Countries", endpoint: "taprain_stats", params: { range: "today" }, section: "by_country", sheet: "Breakdown", cell: "B3" },
];

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    METRIGATE_API_KEY: acme.apiKey,
    METRIGATE_SHEETS_API_URL: google.url,
    GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(google.account),
    ...extra,
  };
}

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  google.requests.length = 0;
});
afterEach(() => vi.restoreAllMocks());

describe("one pass", () => {
  test("writes each report's table at its cell with the exact Sheets API requests, then logs the run", async () => {
    google.addSpreadsheet("sheet-123", ["Stats"]);
    const config = writeConfig("reports.json", { url: server.url, reports: REPORTS });
    const code = await main(["sheets", "sync", "--spreadsheet", "https://docs.google.com/spreadsheets/d/sheet-123/edit#gid=0", "--config", config], env());
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual(["Stats!A1 ← Today: 1 rows\nBreakdown!B3 ← Countries: 2 rows"]);

    const bearer = "Bearer ya29.fake-token-1";
    const [token, ...calls] = google.requests;
    expect(token.path).toBe("/token");
    expect(token.authorization).toBeUndefined();
    expect((token.body as Record<string, string>).grant_type).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    for (const call of calls) expect(call.authorization).toBe(bearer);

    // today: clicks c1 c2, lead v1 (2.50) → cvr 50, epc 1.25; US 1 click 1 lead, GB 1 click.
    const today = [METRICS, [2, 1, 2.5, 50, 1.25]];
    const countries = [["country", ...METRICS], ["US", 1, 1, 2.5, 100, 2.5], ["GB", 1, 0, 0, 0, 0]];
    expect(calls.map(({ method, path, query, body }) => ({ method, path, query, body }))).toEqual([
      {
        method: "GET",
        path: "/v4/spreadsheets/sheet-123",
        query: { fields: "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))" },
        body: undefined,
      },
      {
        method: "POST",
        path: "/v4/spreadsheets/sheet-123:batchUpdate",
        query: {},
        body: { requests: [{ addSheet: { properties: { title: "Breakdown" } } }, { addSheet: { properties: { title: "Metrigate log" } } }] },
      },
      {
        method: "POST",
        path: "/v4/spreadsheets/sheet-123/values:batchClear",
        query: {},
        body: { ranges: ["'Stats'!A1:E", "'Breakdown'!B3:G"] },
      },
      {
        method: "POST",
        path: "/v4/spreadsheets/sheet-123/values:batchUpdate",
        query: {},
        body: {
          valueInputOption: "RAW",
          data: [
            { range: "'Stats'!A1:E2", values: today },
            { range: "'Breakdown'!B3:G5", values: countries },
          ],
        },
      },
      {
        method: "POST",
        path: "/v4/spreadsheets/sheet-123/values/'Metrigate log'!A1:append",
        query: { valueInputOption: "RAW", insertDataOption: "INSERT_ROWS" },
        body: { values: expect.any(Array) },
      },
    ]);
    const log = (calls[4].body as { values: unknown[][] }).values;
    expect(log[0]).toEqual(["time", "report", "target", "rows", "error"]);
    expect(log.slice(1).map((r) => r.slice(1))).toEqual([
      ["Today", "Stats!A1", 1, ""],
      ["Countries", "Breakdown!B3", 2, ""],
    ]);
    expect(Date.parse(String(log[1][0]))).toBeGreaterThan(Date.now() - 60_000);

    expect(google.values("sheet-123", "Stats")).toEqual(today);
    expect(google.values("sheet-123", "Breakdown").slice(2).map((r) => r.slice(1))).toEqual(countries);
  });

  test("a second pass clears what the report wrote before below its table, grows the grid when needed, and appends to the log", async () => {
    google.addSpreadsheet("sheet-456", ["Stats", "Metrigate log"]);
    const sheets = google.spreadsheets.get("sheet-456") ?? [];
    // Left over from a longer table, inside the report's columns; a note beside them stays.
    sheets[0].cells.set("4,1", "stale");
    sheets[0].cells.set("2,7", "my note");
    const config = writeConfig("tall.json", {
      url: server.url,
      reports: [
        { name: "Today", endpoint: "STATS", params: { range: "today" }, sheet: "Stats", cell: "A1" },
        { name: "Hourly", endpoint: "STATS", params: { range: "today" }, section: "time_series", sheet: "Stats", cell: "A999" },
      ],
    });
    expect(await main(["sheets", "sync", "--spreadsheet", "sheet-456", "--config", config], env())).toBe(0);
    const values = google.values("sheet-456", "Stats");
    expect(values[3][0]).toBe("");
    expect(values[1][6]).toBe("my note");
    // The hourly series of today (00:00 to 11:00 local = 12 rows) plus its header ends at row 1011.
    expect(values.length).toBe(1011);
    expect(values[998].slice(0, 7)).toEqual(["period", "granularity", ...METRICS]);
    const grow = google.requests.find((r) => r.path === "/v4/spreadsheets/sheet-456:batchUpdate");
    expect(grow?.body).toEqual({ requests: [{ appendDimension: { sheetId: 0, dimension: "ROWS", length: 11 } }] });
    const append = google.requests.find((r) => r.path.endsWith(":append"));
    expect((append?.body as { values: unknown[][] }).values.map((r) => r[1])).toEqual(["Today", "Hourly"]);
  });

  test("a report that fails is logged with the server's sentence; the others are still written; the exit code says so", async () => {
    google.addSpreadsheet("sheet-789", ["Stats"]);
    const config = writeConfig("broken.json", {
      url: server.url,
      reports: [{ ...REPORTS[0], name: "Broken", params: { range: "fortnight" } }, REPORTS[1]],
    });
    expect(await main(["sheets", "sync", "--spreadsheet", "sheet-789", "--config", config], env())).toBe(1);
    const reason = "Invalid value \"fortnight\" for parameter 'range'. Allowed values: hour, today, yesterday, 7days, 30days, custom.";
    expect(out).toEqual([`Broken: ${reason}\nBreakdown!B3 ← Countries: 2 rows`]);
    expect(google.values("sheet-789", "Breakdown")[2][1]).toBe("country");
    expect(google.values("sheet-789", "Metrigate log").map((r) => r.slice(1))).toEqual([
      ["report", "target", "rows", "error"],
      ["Broken", "Stats!A1", 0, reason],
      ["Countries", "Breakdown!B3", 2, ""],
    ]);
  });
});

describe("per-API connections (CONTRACT §16)", () => {
  let vendors: VendorServers;
  beforeAll(async () => {
    vendors = await startVendorServers();
  });
  afterAll(() => vendors.close());

  test("a config with the per-API settings as keys writes a report from each vendor's own host", async () => {
    google.addSpreadsheet("sheet-vendors", ["Stats"]);
    const config = writeConfig("vendors.json", {
      METRIGATE_TAPEMETRIC_URL: vendors.tapemetric.url,
      METRIGATE_TAPEMETRIC_EMAIL: vendors.tapemetric.email,
      METRIGATE_TAPEMETRIC_PASSWORD: vendors.tapemetric.password,
      METRIGATE_TAPRAIN_URL: vendors.taprain.url,
      METRIGATE_CDP_URL: vendors.cdp.url,
      METRIGATE_CDP_TOKEN: vendors.cdp.token,
      reports: [
        { name: "Taprain today", endpoint: "STATS", params: { range: "today", country: "US" }, sheet: "Stats", cell: "A1" },
        { name: "Tapemetric week", endpoint: "TM_OVERVIEW", params: { range: "7d" }, sheet: "Tapemetric", cell: "A1" },
        { name: "Segments", endpoint: "CDP_SEGMENTS", sheet: "CDP", cell: "A1" },
        { name: "Copilot", endpoint: "CDP_COPILOT", sheet: "CDP", cell: "A10" },
      ],
    });
    // Every setting can sit in the config; here the Taprain key comes from the environment, as a secret may.
    const code = await main(["sheets", "sync", "--spreadsheet", "sheet-vendors", "--config", config], {
      METRIGATE_TAPRAIN_API_KEY: vendors.taprain.apiKey,
      METRIGATE_SHEETS_API_URL: google.url,
      GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(google.account),
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual(["Stats!A1 ← Taprain today: 1 rows\nTapemetric!A1 ← Tapemetric week: 1 rows\nCDP!A1 ← Segments: 1 rows\nCDP!A10 ← Copilot: 2 rows"]);

    // The seed documents' figures, read by column name (Metrigate's own additions may add columns).
    const column = (table: unknown[][], name: string) => table.slice(1).map((row) => row[table[0].indexOf(name)]);
    expect(google.values("sheet-vendors", "Stats")).toEqual([METRICS, [214, 27, 138.24, 12.6168, 0.645981]]);
    const tapemetric = google.values("sheet-vendors", "Tapemetric");
    expect(["monthly_active_users", "watch_hours", "paid_subscribers", "arpu_inr", "churn_pct", "wow_delta.mau"].map((name) => column(tapemetric, name))).toEqual([
      [8420000],
      [94700000],
      [1860000],
      [187],
      [3.1],
      [12.4],
    ]);
    const cdp = google.values("sheet-vendors", "CDP");
    const segments = cdp.slice(0, 2);
    expect([column(segments, "id"), column(segments, "name"), column(segments, "member_count")]).toEqual([[7], ["High LTV Buyers"], [3482]]);
    const copilot = cdp.slice(9).map((row) => row.slice(0, 3));
    expect([column(copilot, "success"), column(copilot, "error")]).toEqual([
      [8, 11],
      [1, 0],
    ]);

    // One Tapemetric login; the key went only to Taprain, the token only to CDP; no failures.
    expect(vendors.logins()).toBe(1);
    expect(vendors.requests.map((r) => `${r.family} ${r.method} ${r.path} ${r.status}`)).toEqual([
      "taprain GET /api/v1/stats 200",
      "tapemetric POST /v1/auth/login 200",
      "tapemetric GET /v1/analytics/overview 200",
      "cdp GET /api/analytics/segments/ 200",
      "cdp GET /api/analytics/copilot/ 200",
    ]);
  });

  test("an API without its settings fails its report with the sentence naming them; the others are written", async () => {
    google.addSpreadsheet("sheet-partial", ["Stats"]);
    const config = writeConfig("partial.json", {
      METRIGATE_TAPRAIN_URL: vendors.taprain.url,
      METRIGATE_TAPRAIN_API_KEY: vendors.taprain.apiKey,
      reports: [REPORTS[0], { name: "Copilot", endpoint: "CDP_COPILOT", sheet: "CDP", cell: "A1" }],
    });
    expect(await main(["sheets", "sync", "--spreadsheet", "sheet-partial", "--config", config], env({ METRIGATE_API_KEY: "" }))).toBe(1);
    expect(out).toEqual([
      "Stats!A1 ← Today: 1 rows\nCopilot: CDP has no server: set METRIGATE_CDP_URL (its own host) or METRIGATE_URL (one Metrigate server for all three APIs).",
    ]);
  });
});

describe("clear one-line errors", () => {
  test("a missing spreadsheet (404) or one not shared with the service account (403)", async () => {
    const config = writeConfig("reports.json", { url: server.url, reports: REPORTS });
    expect(await main(["sheets", "sync", "--spreadsheet", "no-such-sheet", "--config", config], env())).toBe(1);
    google.addSpreadsheet("locked");
    google.forbidden.add("locked");
    expect(await main(["sheets", "sync", "--spreadsheet", "locked", "--config", config], env())).toBe(1);
    expect(err).toEqual([
      "metrigate: Spreadsheet no-such-sheet was not found: check --spreadsheet (the ID in the sheet's URL).",
      "metrigate: The service account metrigate-sync@example-project.iam.gserviceaccount.com may not edit spreadsheet locked: share the sheet with it as an editor.",
    ]);
  });

  test("bad configuration, a missing key, a bad interval, a key Google refuses", async () => {
    google.addSpreadsheet("sheet-cfg");
    const args = (config: string, ...more: string[]) => ["sheets", "sync", "--spreadsheet", "sheet-cfg", "--config", config, ...more];
    expect(await main(args(writeConfig("typo.json", { reports: [{ ...REPORTS[0], sheeet: "x" }] })), env())).toBe(1);
    expect(await main(args(writeConfig("unknown.json", { reports: [{ ...REPORTS[0], endpoint: "NOPE" }] })), env())).toBe(1);
    expect(await main(args(writeConfig("param.json", { reports: [{ ...REPORTS[0], params: { country: "US", ragne: "7days" } }] })), env())).toBe(1);
    const good = writeConfig("good.json", { url: server.url, reports: REPORTS });
    expect(await main(args(good), { METRIGATE_API_KEY: acme.apiKey })).toBe(2);
    expect(await main(args(good, "--every", "soon"), env())).toBe(2);
    const wrongKey = { ...google.account, private_key: new FakeGoogleSheets().account.private_key };
    expect(await main(args(good), env({ GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(wrongKey) }))).toBe(1);
    expect(err).toEqual([
      `metrigate: ${join(dir, "typo.json")} reports[0]: Unrecognized key: "sheeet".`,
      'metrigate: Report "Today": unknown endpoint "NOPE".',
      'metrigate: Report "Today": STATS has no parameter "ragne" (it takes range, country, offer, source, timezone, start or end).',
      "metrigate: no service-account key: pass --key FILE, or set GOOGLE_APPLICATION_CREDENTIALS (a file) or GOOGLE_SERVICE_ACCOUNT_KEY (its JSON).",
      'metrigate: --every must be a duration such as 30m, 1h or 1d (got "soon").',
      "metrigate: Google refused the service account metrigate-sync@example-project.iam.gserviceaccount.com (invalid_grant: Invalid JWT Signature.).",
    ]);
  });
});

describe("--every", () => {
  test("repeats the pass on its interval with one access token, until stopped", async () => {
    google.addSpreadsheet("sheet-loop", ["Stats"]);
    const config = writeConfig("loop.json", { url: server.url, reports: [REPORTS[0]] });
    const keyFile = join(dir, "key.json");
    writeFileSync(keyFile, JSON.stringify(google.account));
    const child = spawn(
      process.execPath,
      ["bin/metrigate.mjs", "sheets", "sync", "--spreadsheet", "sheet-loop", "--config", config, "--key", keyFile, "--every", "1s"],
      { env: { PATH: process.env.PATH, METRIGATE_API_KEY: acme.apiKey, METRIGATE_SHEETS_API_URL: google.url }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const writes = () => google.requests.filter((r) => r.path === "/v4/spreadsheets/sheet-loop/values:batchUpdate").length;
    const deadline = Date.now() + 20_000;
    while (writes() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(writes()).toBeGreaterThanOrEqual(2);
    expect(code).toBe(0);
    expect(google.requests.filter((r) => r.path === "/token").length).toBe(1);
    expect(stdout.split("\n").filter((l) => l === "Stats!A1 ← Today: 1 rows").length).toBeGreaterThanOrEqual(2);
  });
});

describe("an API over its rate limit", () => {
  let tight: TestServer;
  beforeAll(async () => {
    tight = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: 1, windowMs: 3000 } } });
  });
  afterAll(() => tight.close());

  test("is waited for (Retry-After), and the wait is said on standard error instead of a silent hang", { timeout: 30_000 }, async () => {
    const key = (await tight.workspace("acme")).apiKey;
    google.addSpreadsheet("sheet-429", ["Stats", "Breakdown"]);
    const config = writeConfig("tight.json", { url: tight.url, reports: REPORTS });
    expect(await main(["sheets", "sync", "--spreadsheet", "sheet-429", "--config", config], env({ METRIGATE_API_KEY: key }))).toBe(0);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^metrigate: (Today|Countries): the API's rate limit is used up; waiting [1-4] s for the next window\.$/);
    expect(out).toEqual(["Stats!A1 ← Today: 1 rows\nBreakdown!B3 ← Countries: 0 rows"]);
  });
});
