// kill -9 while an ingest is being stored, then reopen the database: all of the request's rows or none.

import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { configFromEnv } from "../../shared/config.ts";
import { createRuntime } from "../../shared/runtime.ts";

const ROWS = 200_000;
const dir = mkdtempSync(join(tmpdir(), "metrigate-crash-"));
const env = { ...process.env, METRIGATE_DB: join(dir, "crash.duckdb"), METRIGATE_SECRET: "crash-test-secret", METRIGATE_CACHE_TTL: "0" };
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function withDatabase<T>(work: (runtime: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(configFromEnv(env), { sharedLimits: false });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** Starts `metrigate serve` on an ephemeral port and resolves with its URL. */
function serve(): Promise<string> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, ["bin/metrigate.mjs", "serve", "--port", "0", "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

test("a server killed with SIGKILL during an ingest leaves all rows or none", { timeout: 120_000 }, async () => {
  const writeKey = await withDatabase(async ({ accounts }) => {
    await accounts.createWorkspace("acme");
    return accounts.createApiKey("acme", "write");
  });
  const url = new URL(await serve());
  const body = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ click_id: `c${i}`, ts: "2026-03-18T10:00:00Z", country: "US", offer: "A" })).join("\n");
  const sent = new Promise<void>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: "/v1/ingest/tr_clicks", method: "POST", headers: { "X-Api-Key": writeKey, "Content-Type": "application/x-ndjson" } });
    req.on("error", () => undefined);
    req.end(body, () => resolve());
  });
  await sent;
  // The body is in; the server is validating or storing it. Kill it without warning.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const running = child;
  const exited = new Promise((resolve) => running?.once("exit", resolve));
  running?.kill("SIGKILL");
  await exited;
  child = undefined;

  const stored = await withDatabase(async ({ store }) => {
    const rows = await store.query<{ n: bigint | number }>("SELECT count(*) AS n FROM tr_clicks WHERE workspace_id = 'acme'");
    return Number(rows[0].n);
  });
  expect([0, ROWS]).toContain(stored);
});
