// The built add-on against the three vendors' own hosts (CONTRACT §16): per-API user properties, set through
// the sidebar's per-API mode, drive custom functions, the Test buttons and saved reports. The vendors are
// test stand-ins that answer the seed documents' examples verbatim with the documents' auth schemes
// (test/support/vendor-server.ts), with none of Metrigate's additions.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAddon } from "../sheets-addon/src/build.ts";
import { loadProject, OWNER, type AppsScriptProject } from "./support/apps-script/sandbox.ts";
import { startVendorProcess } from "./support/apps-script/server-process.ts";
import { vendorSettings, type VendorCredentials } from "./support/vendor-server.ts";

let vendors: VendorCredentials & { close(): Promise<void> };
let project: AppsScriptProject;

/** The values of a table's column, by its header. */
function column(table: unknown, header: string): unknown[] {
  const rows = table as unknown[][];
  const at = rows[0].indexOf(header);
  expect(at, `column ${header} in ${JSON.stringify(rows[0])}`).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((row) => row[at]);
}

function requestsTo(url: string) {
  return project.services.UrlFetchApp.requests.filter((r) => r.url.startsWith(url));
}

function perApiForm() {
  return { mode: "per-api", values: vendorSettings(vendors) };
}

beforeAll(async () => {
  const built = await buildAddon();
  vendors = await startVendorProcess();
  project = loadProject(built.outDir, { timeZone: "America/New_York" });
});
afterAll(async () => {
  await project?.close();
  await vendors?.close();
});

describe("per-API connections to the vendors' own hosts", () => {
  test("the sidebar's per-API mode stores the §16 user properties and never shows a secret back", () => {
    const view = project.run("saveSettings", perApiForm()) as { mode: string; values: Record<string, string>; secretsSet: Record<string, boolean> };
    const props = project.services.PropertiesService.ofUser(OWNER);
    expect(props.getProperty("METRIGATE_TAPRAIN_URL")).toBe(vendors.taprain.url);
    expect(props.getProperty("METRIGATE_TAPEMETRIC_PASSWORD")).toBe(vendors.tapemetric.password);
    expect(props.getProperty("METRIGATE_URL")).toBeNull();
    expect(view.mode).toBe("per-api");
    expect(view.values).toEqual({
      METRIGATE_TAPEMETRIC_URL: vendors.tapemetric.url,
      METRIGATE_TAPEMETRIC_EMAIL: vendors.tapemetric.email,
      METRIGATE_TAPRAIN_URL: vendors.taprain.url,
      METRIGATE_CDP_URL: vendors.cdp.url,
    });
    expect(view.secretsSet).toMatchObject({ METRIGATE_TAPEMETRIC_PASSWORD: true, METRIGATE_TAPRAIN_API_KEY: true, METRIGATE_CDP_API_KEY: true, METRIGATE_CDP_TOKEN: false });
    const shown = JSON.stringify(project.run("getSidebarState"));
    for (const secret of [vendors.tapemetric.password, vendors.taprain.apiKey, vendors.cdp.apiKey]) expect(shown).not.toContain(secret);
  });

  test("each API's Test button says in words what worked: host, credential, and Tapemetric's login", () => {
    expect(project.run("testConnection", "tapemetric")).toEqual([
      `Tapemetric: OK — logged in as ${vendors.tapemetric.email} and TM_OVERVIEW answered from ${vendors.tapemetric.url} with METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD.`,
    ]);
    expect(project.run("testConnection", "taprain")).toEqual([`Taprain: OK — STATS answered from ${vendors.taprain.url} with METRIGATE_TAPRAIN_API_KEY.`]);
    expect(project.run("testConnection", "cdp")).toEqual([`CDP: OK — CDP_OVERVIEW answered from ${vendors.cdp.url} with METRIGATE_CDP_API_KEY.`]);
    // A wrong password is named as such, with the settings to check.
    project.run("saveSettings", { ...perApiForm(), values: { ...perApiForm().values, METRIGATE_TAPEMETRIC_PASSWORD: "wrong" } });
    const [line] = project.run("testConnection", "tapemetric") as string[];
    expect(line).toMatch(/^Tapemetric: failed — Tapemetric login at .+ failed: HTTP 401.*Check METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD\.$/);
    project.run("saveSettings", perApiForm());
  });

  test('=STATS("7days","US") reads Taprain\'s host with its X-Api-Key and fills the seed\'s summary', () => {
    const table = project.customFunction("STATS", "7days", "US");
    expect(table).toEqual([
      ["clicks", "leads", "revenue", "cvr", "epc"],
      [214, 27, 138.24, 12.6168, 0.645981],
    ]);
    const last = requestsTo(vendors.taprain.url).at(-1);
    expect(last?.url).toBe(`${vendors.taprain.url}/api/v1/stats?range=7days&country=US`);
    expect(last?.headers["X-Api-Key"]).toBe(vendors.taprain.apiKey);
  });

  test('=TM_OVERVIEW("7d") logs in once, reuses the token, and fills the seed\'s overview', () => {
    const logins = () => requestsTo(vendors.tapemetric.url).filter((r) => r.url.endsWith("/v1/auth/login")).length;
    const before = logins();
    const table = project.customFunction("TM_OVERVIEW", "7d");
    expect(column(table, "monthly_active_users")).toEqual([8420000]);
    expect(column(table, "watch_hours")).toEqual([94700000]);
    expect(column(table, "paid_subscribers")).toEqual([1860000]);
    expect(column(table, "arpu_inr")).toEqual([187]);
    expect(column(table, "churn_pct")).toEqual([3.1]);
    expect(column(table, "wow_delta.mau")).toEqual([12.4]);
    expect(column(table, "wow_delta.revenue")).toEqual([5.8]);
    // The Test above logged in already; its token, kept in the script cache, serves this call too.
    expect(logins()).toBe(before);
    const call = requestsTo(vendors.tapemetric.url).at(-1);
    expect(call?.url).toBe(`${vendors.tapemetric.url}/v1/analytics/overview?range=7d`);
    expect(call?.headers.Authorization).toMatch(/^Bearer ey/);
    // Another function, in a new execution: still no second login.
    expect(column(project.customFunction("TM_DEVICES", "7d"), "device")).toEqual(["tv", "mobile"]);
    expect(logins()).toBe(before);
  });

  test("=CDP_SEGMENTS() and =CDP_COPILOT() fill the seed's segments and daily copilot counts from the CDP host", () => {
    const segments = project.customFunction("CDP_SEGMENTS");
    expect(column(segments, "id")).toEqual([7]);
    expect(column(segments, "name")).toEqual(["High LTV Buyers"]);
    expect(column(segments, "member_count")).toEqual([3482]);
    expect(column(segments, "trend")).toEqual(["day: 2026-04-03, count: 3201; day: 2026-04-04, count: 3318"]);
    const copilot = project.customFunction("CDP_COPILOT");
    expect(column(copilot, "day")).toEqual(["2026-04-03", "2026-04-04"]);
    expect(column(copilot, "success")).toEqual([8, 11]);
    expect(column(copilot, "error")).toEqual([1, 0]);
    const call = requestsTo(vendors.cdp.url).at(-1);
    expect(call?.headers["X-Api-Key"]).toBe(vendors.cdp.apiKey);
  });

  test("a saved report and its hourly refresh use the same per-API settings", () => {
    project.run("saveReport", { name: "Devices", endpoint: "TM_DEVICES", params: { range: "7d" }, section: null, sheet: "Devices", cell: "A1", schedule: "hourly" });
    const [batch] = project.fireTriggers("runHourlyReports") as { results: { error: string; rows: number }[] }[];
    expect(batch.results).toEqual([{ report: "Devices", target: "Devices!A1", rows: 2, error: "" }]);
    const sheet = project.services.SpreadsheetApp.spreadsheet.getSheetByName("Devices");
    const values = sheet?.contents() ?? [];
    expect(column(values, "device")).toEqual(["tv", "mobile"]);
    expect(column(values, "sessions")).toEqual([5840000, 5010000]);
  });
});
