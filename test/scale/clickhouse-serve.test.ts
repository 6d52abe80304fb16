// Moving up as an operator does it, with real processes: a DuckDB workspace and its credentials copied
// into ClickHouse (twice: nothing doubles), `metrigate serve` on ClickHouse — without the DuckDB file —
// answering as before with the same API key and JWT, one-line start-up errors, and 503s in the family's
// shape while the engine is down, then recovery.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startClickHouseHttp, type ClickHouseHttp } from "../support/clickhouse-http.ts";
import { cli, serve, stopStartedServers } from "../support/processes.ts";

const run = promisify(execFile);

let dir: string;
let engine: ClickHouseHttp;
let baseEnv: NodeJS.ProcessEnv;
let clickhouseEnv: NodeJS.ProcessEnv;
let apiKey: string;
let token: string;

async function overview(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/v1/analytics/overview?range=7d`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

async function stats(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/api/v1/stats?range=custom&start=2026-03-08&end=2026-03-08`, { headers: { "X-Api-Key": apiKey } });
  const body = await res.text();
  // The remaining-requests count belongs to the process that answered, not to the store.
  return { status: res.status, body: body.replace(/"requests_remaining":\d+/, '"requests_remaining":0') };
}

/** The query API's answers (CONTRACT §17): clicks and CVR by offer and local hour as CSV, and the offers seen. */
async function openQuestions(url: string): Promise<string[]> {
  const headers = { "X-Api-Key": apiKey, "Content-Type": "application/json" };
  const body = { metrics: ["clicks", "cvr"], dimensions: ["offer", "time:hour"], range: "custom", start: "2026-03-08", end: "2026-03-08", format: "csv" };
  const query = await fetch(`${url}/v1/query/taprain`, { method: "POST", headers, body: JSON.stringify(body) });
  const values = await fetch(`${url}/v1/query/taprain/values?dimension=offer&range=custom&start=2026-03-01&end=2026-03-31`, { headers });
  return [`${query.status} ${await query.text()}`, `${values.status} ${(await values.text()).replace(/"requests_remaining":\d+/, "")}`];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-ch-serve-"));
  engine = await startClickHouseHttp({ dataDir: join(dir, "engine"), user: "metrigate", password: "s3cret" });
  await engine.command("CREATE DATABASE IF NOT EXISTS moving_up");
  baseEnv = {
    ...process.env,
    METRIGATE_DB: join(dir, "metrigate.duckdb"),
    METRIGATE_NOW: "2026-03-18T15:30:00Z",
    METRIGATE_CACHE_TTL: "0",
  };
  delete baseEnv.REDIS_URL;
  clickhouseEnv = {
    ...baseEnv,
    METRIGATE_STORE: "clickhouse",
    CLICKHOUSE_URL: engine.url,
    CLICKHOUSE_USER: "metrigate",
    CLICKHOUSE_PASSWORD: "s3cret",
    CLICKHOUSE_DATABASE: "moving_up",
  };
  expect((await cli(baseEnv, "workspace", "create", "acme", "--plan", "growth")).code).toBe(0);
  apiKey = (await cli(baseEnv, "key", "create", "--workspace", "acme", "--json")).stdout;
  apiKey = /mg_live_[A-Za-z0-9_-]+/.exec(apiKey)?.[0] ?? "";
  expect(apiKey).toMatch(/^mg_live_/);
  token = (await cli(baseEnv, "token", "create", "--workspace", "acme", "--service-account", "etl")).stdout;
  token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(token)?.[0] ?? "";
  expect(token).toMatch(/^eyJ/);
  const file = join(dir, "clicks.ndjson");
  writeFileSync(
    file,
    [
      { click_id: "s0", ts: "2026-03-08T04:59:59Z", offer: "A" },
      { click_id: "s1", ts: "2026-03-08T06:30:00Z", offer: "A", country: "US" },
      { click_id: "s2", ts: "2026-03-08T07:00:00Z", offer: "B", source: "g" },
      { click_id: "s3", ts: "2026-03-09T03:59:00Z", offer: "A" },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  expect((await cli(baseEnv, "import", "--workspace", "acme", "tr_clicks", file)).code).toBe(0);
}, 180_000);

afterAll(async () => {
  stopStartedServers();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("moving up to ClickHouse", () => {
  test("start-up errors are one line naming the setting", async () => {
    const wrong = await cli({ ...clickhouseEnv, CLICKHOUSE_PASSWORD: "nope" }, "copy", "--to", "clickhouse");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(/CLICKHOUSE_USER\/CLICKHOUSE_PASSWORD: ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused user "metrigate"/);
    const missing = await cli({ ...clickhouseEnv, CLICKHOUSE_DATABASE: "absent" }, "copy", "--to", "clickhouse");
    expect(missing.stderr).toMatch(/CLICKHOUSE_DATABASE: database "absent" does not exist/);
  });

  test("copy twice, then the same key gets the same answer from a ClickHouse-backed server; 503 while the engine is down", async () => {
    const before = await serve(baseEnv);
    const onDuckDb = await stats(before.url);
    const overviewOnDuckDb = await overview(before.url);
    const openOnDuckDb = await openQuestions(before.url);
    await before.stop();
    expect(overviewOnDuckDb.status).toBe(200);
    expect(openOnDuckDb[0]).toMatch(/^200 offer,time:hour,clicks,cvr\r\nA,2026-03-08 00:00,0,0\r\n/);
    expect(onDuckDb.status).toBe(200);
    expect(JSON.parse(onDuckDb.body).data.summary.clicks).toBe(3);

    for (let i = 0; i < 2; i++) {
      const copied = await cli(clickhouseEnv, "copy", "--to", "clickhouse", "--json");
      expect(copied.code, copied.stderr).toBe(0);
      expect(copied.stderr).toBe("");
      expect(JSON.parse(copied.stdout)).toMatchObject({
        workspaces: 1,
        rows: 4,
        accounts: { mg_workspaces: 1, mg_users: 0, mg_api_keys: 1, mg_tokens: 1 },
      });
    }
    // A third time at a terminal (util-linux `script` gives it a pseudo-terminal): a progress bar, and
    // still the same rows.
    const command = [process.execPath, "bin/metrigate.mjs", "copy", "--to", "clickhouse"].join(" ");
    const atTerminal = await run("script", ["-qec", command, "/dev/null"], { env: clickhouseEnv, timeout: 120_000 });
    expect(atTerminal.stdout).toMatch(/100% \| 4 rows \| [\d,]+ rows\/s \| ETA/);
    expect(atTerminal.stdout).toContain("Copied 4 rows and the accounts of 1 workspaces into ClickHouse");

    // The server has no DuckDB file: its accounts are the ones copied into ClickHouse. It needs the secret
    // they were made with (here the one generated beside the DuckDB file); another one is refused.
    const secret = readFileSync(join(dir, "metrigate.duckdb.secret"), "utf8").trim();
    const serverEnv = { ...clickhouseEnv, METRIGATE_DB: join(dir, "server", "none.duckdb"), METRIGATE_SECRET: secret };
    const refused = await cli({ ...serverEnv, METRIGATE_SECRET: "not-the-same-secret" }, "serve", "--port", "0");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/METRIGATE_SECRET: this server's secret differs/);
    const server = await serve(serverEnv);
    expect(await stats(server.url)).toEqual(onDuckDb);
    expect(await overview(server.url)).toEqual(overviewOnDuckDb);
    expect(await openQuestions(server.url)).toEqual(openOnDuckDb);

    await engine.stop();
    const down = await stats(server.url);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ success: false, error: "The analytics engine is unreachable; try again shortly." });

    await engine.start();
    expect(await stats(server.url)).toEqual(onDuckDb);
    await server.stop();
  });
});
