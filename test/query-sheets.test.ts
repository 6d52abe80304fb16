// TAPRAIN_QUERY, TAPEMETRIC_QUERY and CDP_QUERY (CONTRACT §17) in the built add-on, run as Apps Script runs
// it against a real server: one formula fills a table whose header names the dimensions and metrics.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildAddon } from "../sheets-addon/src/build.ts";
import { findSheetFunction } from "../shared/sheets/functions.ts";
import { loadProject, OWNER, type AppsScriptProject } from "./support/apps-script/sandbox.ts";
import { startServerProcess, type ServerProcess } from "./support/apps-script/server-process.ts";

let server: ServerProcess;
let project: AppsScriptProject;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "metrigate-query-addon-"));
  await buildAddon(outDir);
  server = await startServerProcess({
    now: "2026-04-02T15:00:00Z",
    workspaces: [
      {
        id: "acme",
        tables: {
          tr_clicks: [
            { click_id: "k1", ts: "2026-01-06T14:00:00Z", country: "US", offer: "Freecash CPI", source: "tiktok" },
            { click_id: "k2", ts: "2026-01-07T14:00:00Z", country: "US", offer: "Swagbucks", source: "tiktok" },
            { click_id: "k3", ts: "2026-01-07T14:00:00Z", country: "GB", offer: "Swagbucks", source: "tiktok" },
          ],
          tr_conversions: [{ conversion_id: "q1", ts: "2026-01-06T15:00:00Z", country: "US", offer: "Freecash CPI", source: "tiktok", revenue: 10 }],
        },
      },
    ],
  });
  project = loadProject(outDir, { timeZone: "America/New_York" });
  project.services.PropertiesService.ofUser(OWNER).setProperty("METRIGATE_URL", server.url);
  project.services.PropertiesService.ofUser(OWNER).setProperty("METRIGATE_API_KEY", server.credentials.acme.apiKey);
  project.services.PropertiesService.ofUser(OWNER).setProperty("METRIGATE_TOKEN", server.credentials.acme.token);
});

afterAll(async () => {
  await project?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

test("the functions take (metrics, dimensions, range, start, end, filters, …) and have no section argument", () => {
  for (const name of ["TAPRAIN_QUERY", "TAPEMETRIC_QUERY", "CDP_QUERY"]) {
    expect(findSheetFunction(name)?.arguments.slice(0, 6).map((a) => a.name), name).toEqual(["metrics", "dimensions", "range", "start", "end", "filters"]);
    expect(findSheetFunction(name)?.sections, name).toEqual([]);
  }
});

test('=TAPRAIN_QUERY("revenue,clicks", "offer,week", "custom", "2026-01-01", "2026-01-14", "country is US") fills a table', () => {
  const table = project.customFunction("TAPRAIN_QUERY", "revenue,clicks", "offer,week", "custom", "2026-01-01", "2026-01-14", "country is US");
  // Weeks of 2025-12-29, 01-05 and 01-12 for each offer seen; ordered by week, then offer. k3 is GB.
  expect(table).toEqual([
    ["offer", "time:week", "revenue", "clicks"],
    ["Freecash CPI", "2025-12-29", 0, 0],
    ["Swagbucks", "2025-12-29", 0, 0],
    ["Freecash CPI", "2026-01-05", 10, 1],
    ["Swagbucks", "2026-01-05", 0, 1],
    ["Freecash CPI", "2026-01-12", 0, 0],
    ["Swagbucks", "2026-01-12", 0, 0],
  ]);
});

test("dates typed into cells work as start and end; a comparison adds previous and change columns", () => {
  const table = project.customFunction("TAPRAIN_QUERY", "clicks", "", "custom", new Date("2026-01-01T12:00:00Z"), new Date("2026-01-31T12:00:00Z"), "", "", "previous_period");
  expect(table).toEqual([
    ["clicks", "clicks (previous)", "clicks change %"],
    [3, 0, ""],
  ]);
});

test("a bad term shows the server's sentence; the other families answer too", () => {
  expect(() => project.customFunction("TAPRAIN_QUERY", "profit")).toThrow('Unknown metric "profit" in \'metrics\'. Allowed metrics: clicks, leads, revenue, cvr, epc.');
  expect(project.customFunction("TAPEMETRIC_QUERY", "sessions,viewers")).toEqual([
    ["sessions", "viewers"],
    [0, 0],
  ]);
  expect(project.customFunction("CDP_QUERY", "events", "event_type")).toEqual([["event_type", "events"]]);
});
