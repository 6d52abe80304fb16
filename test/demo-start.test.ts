// `metrigate serve --demo` as a new user meets it: a real process seeds a fresh database, prints
// credentials and a curl line, and that curl line returns real numbers.

import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";

let child: ChildProcess;
let dir: string;
let info: { url: string; api_key: string; token: string; curl: string; workspace: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-demo-"));
  child = spawn(process.execPath, ["bin/metrigate.mjs", "serve", "--demo", "--port", "0", "--json"], {
    env: { ...process.env, METRIGATE_DB: join(dir, "demo.duckdb"), METRIGATE_NOW: "2026-03-18T15:30:00Z" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  info = await new Promise((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line)));
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test("the demo start prints a URL, an API key, a JWT and a curl line", () => {
  expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(info.workspace).toBe("demo");
  expect(info.api_key).toMatch(/^mg_live_/);
  expect(info.token.split(".")).toHaveLength(3);
  expect(info.curl).toBe(`curl -H "X-Api-Key: ${info.api_key}" "${info.url}/api/v1/stats?range=today"`);
});

test("the printed curl line returns real numbers", async () => {
  const { stdout } = await promisify(execFile)("sh", ["-c", `${info.curl} -s`]);
  const body = JSON.parse(stdout);
  expect(body.success).toBe(true);
  expect(body.meta.period_start).toBe("2026-03-18T04:00:00.000Z");
  expect(body.data.summary.clicks).toBeGreaterThan(100);
  expect(body.data.summary.leads).toBeGreaterThan(0);
  const hourly = body.data.time_series.reduce((sum: number, row: { clicks: number }) => sum + row.clicks, 0);
  expect(hourly).toBe(body.data.summary.clicks);
});

test("the server documents its API at /openapi.json and SIGTERM stops it cleanly", async () => {
  const res = await fetch(`${info.url}/openapi.json`);
  const doc = await res.json();
  expect(Object.keys(doc.paths)).toContain("/api/v1/stats");
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
});
