// The examples of docs/taprain.md, run as written against a local server: only the base URL and the API
// key are substituted. Expected numbers are worked out by hand from the fixture below.

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const run = promisify(execFile);
const DOC = readFileSync(new URL("../docs/taprain.md", import.meta.url), "utf8");
const DOC_URL = "http://127.0.0.1:8787";
const DOC_KEY = "mg_live_your_key";
const HAS_REQUESTS = spawnSync("python3", ["-c", "import requests"]).status === 0;

let server: TestServer;
let docs: Credentials;
let workdir: string;

/** Fenced blocks of one language, in document order. */
function blocks(language: string): string[] {
  return [...DOC.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === language).map((m) => m[2]);
}

function pointed(code: string): string {
  return code.replaceAll(DOC_URL, server.url).replaceAll(DOC_KEY, docs.apiKey);
}

async function shell(code: string): Promise<string> {
  return (await run("sh", ["-c", pointed(code)], { cwd: workdir })).stdout;
}

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), "metrigate-docs-"));
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
  docs = await server.workspace("docs");
  await server.runtime.accounts.createUser("docs", "you@example.com", "your password");
  await server.insert("docs", "tr_clicks", [
    { click_id: "d1", ts: "2026-03-18T13:00:00Z", country: "US", offer: "VPN Pro Trial", source: "google" },
    { click_id: "d2", ts: "2026-03-18T13:05:00Z", country: "US", offer: "VPN Pro Trial", source: "google" },
    { click_id: "d3", ts: "2026-03-18T14:00:00Z", country: "GB", offer: "VPN Pro Trial", source: "" },
    { click_id: "d4", ts: "2026-03-18T14:00:00Z", country: "DE", offer: "VPN Pro Trial", source: "google" },
  ]);
  await server.insert("docs", "tr_conversions", [
    { conversion_id: "v1", click_id: "d1", ts: "2026-03-18T14:30:00Z", country: "US", offer: "VPN Pro Trial", source: "google", revenue: 12.5 },
  ]);
});
afterAll(async () => {
  await server.close();
  rmSync(workdir, { recursive: true, force: true });
});

describe("docs/taprain.md", () => {
  test("the documented response is what the first curl example gets (apart from the shortened series)", async () => {
    const documented = JSON.parse(blocks("json")[0]);
    const [first] = blocks("bash");
    const body = JSON.parse(await shell(first));
    expect(body.meta).toEqual({ ...documented.meta, requests_remaining: expect.any(Number) });
    // US,GB over 7 days: d1 d2 d3 and v1; cvr 1/3×100 = 33.3333, epc 12.5/3 = 4.166667.
    expect(body.data.summary).toEqual(documented.data.summary);
    expect(body.data.by_country).toEqual(documented.data.by_country);
    expect(body.data.by_source).toEqual(documented.data.by_source);
    expect(body.data.by_offer).toEqual(documented.data.by_offer);
    expect(body.data.time_series).toHaveLength(7);
    expect(body.data.time_series[0]).toEqual(documented.data.time_series[0]);
    expect(body.data.time_series[6]).toEqual(documented.data.time_series[1]);
  });

  test("the second curl example: one Berlin day, key in the query string", async () => {
    const body = JSON.parse(await shell(blocks("bash")[1]));
    // Berlin is +1 in March: the day is [2026-03-17T23:00Z, 2026-03-18T23:00Z). google: d1 d2 d4; Direct: d3.
    expect(body.meta.period_start).toBe("2026-03-17T23:00:00.000Z");
    expect(body.meta.filters).toEqual({ country: null, offer: null, source: ["google", "Direct"] });
    expect(body.data.summary).toEqual({ clicks: 4, leads: 1, revenue: 12.5, cvr: 25, epc: 3.125 });
    expect(body.data.time_series).toHaveLength(24);
    // 13:00Z and 13:05Z are 14:00 in Berlin.
    expect(body.data.time_series[14]).toMatchObject({ period: "2026-03-18 14:00", clicks: 2 });
  });

  test("the JavaScript example prints the summary and the countries", async () => {
    const file = join(workdir, "stats.mjs");
    writeFileSync(file, pointed(blocks("javascript")[0]));
    const { stdout } = await run(process.execPath, [file]);
    expect(stdout).toBe("clicks=3 leads=1 revenue=12.5 cvr=33.3333%\nUS: 2 clicks, 12.5 revenue\nGB: 1 clicks, 0 revenue\n");
  });

  test.skipIf(!HAS_REQUESTS)("the Python example prints the same", async () => {
    const { stdout } = await run("python3", ["-c", pointed(blocks("python")[0])]);
    expect(stdout).toBe("clicks=3 leads=1 revenue=12.5 cvr=33.3333%\nUS: 2 clicks, 12.5 revenue\nGB: 1 clicks, 0 revenue\n");
  });

  test("the key-management curl lines sign in, show the key and regenerate it", async () => {
    const out = await shell(blocks("bash")[2]);
    const keys = [...out.matchAll(/"api_key":"([^"]+)"/g)].map((m) => m[1]);
    expect(out.startsWith('{"success":true,"email":"you@example.com"')).toBe(true);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(docs.apiKey);
    expect(keys[1]).not.toBe(docs.apiKey);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": docs.apiKey })).status).toBe(401);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": keys[1] })).status).toBe(200);
  });
});
