// Tapemetric alerts (CONTRACT §9.6): the list with its filters and acknowledging through the HTTP API;
// the QoS rebuffer rule firing and not firing, and never twice within the hour — run the way the server
// runs it, by `metrigate alerts evaluate`, and by `metrigate serve` on its own.

import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { evaluateQosRule } from "../shared/alerts/qos-rule.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const NOW = "2026-04-02T12:00:00Z";

const IMPORTED = [
  { severity: "info", source: "cdn", title: "Cache warm-up", description: "Edge caches filled for the premiere", created_at: "2026-04-02T08:00:00Z" },
  { severity: "warning", source: "origin", title: "Origin latency", description: "p95 840 ms", acknowledged: true, created_at: "2026-04-02T10:00:00Z" },
  { severity: "critical", source: "qos", title: "Rebuffer spike · ap-south-1", description: "Rebuffer ratio 1.0% -> 6.0% on ap-south-1 PoP", created_at: "2026-04-02T10:00:00Z" },
  { severity: "info", source: "encoder", title: "Encoder restart", acknowledged: true, created_at: "2026-04-01T09:00:00Z" },
];

// The rule compares sessions started in [11:45, 12:00) with those of [04-01 11:45, 04-02 11:45).
const qosSession = (id: string, pop: string, started_at: string, watch_seconds: number, rebuffer_seconds: number) => ({
  session_id: id,
  user_id: `user-${id}`,
  content_id: "c1",
  device: "mobile",
  region: "Maharashtra",
  pop,
  started_at,
  ended_at: "",
  watch_seconds,
  completed: false,
  rebuffer_seconds,
});

const QOS_SESSIONS = [
  // ap-south-1: baseline 20 / 1000 = 2.0 %, recent 5 / 100 = 5.0 % — exactly 5 % and above 2 × 2.0 %: fires.
  // The sessions one second before the baseline and at now would change both ratios if they counted.
  qosSession("a0", "ap-south-1", "2026-04-01T11:44:59Z", 10, 10),
  qosSession("a1", "ap-south-1", "2026-04-01T11:45:00Z", 600, 12),
  qosSession("a2", "ap-south-1", "2026-04-02T06:00:00Z", 400, 8),
  qosSession("a3", "ap-south-1", "2026-04-02T11:45:00Z", 100, 5),
  qosSession("a4", "ap-south-1", "2026-04-02T12:00:00Z", 10, 10),
  // blr-edge-1: 3.0 % → 6.0 %, exactly twice: fires.
  qosSession("b1", "blr-edge-1", "2026-04-02T02:00:00Z", 1000, 30),
  qosSession("b2", "blr-edge-1", "2026-04-02T11:59:59Z", 1000, 60),
  // del-edge-1: 1.0 % → 4.9 %, more than twice but under 5 %: quiet.
  qosSession("d1", "del-edge-1", "2026-04-02T01:00:00Z", 1000, 10),
  qosSession("d2", "del-edge-1", "2026-04-02T11:50:00Z", 1000, 49),
  // maa-edge-1: 3.0 % → 5.9 %, over 5 % but under twice: quiet.
  qosSession("m1", "maa-edge-1", "2026-04-02T03:00:00Z", 1000, 30),
  qosSession("m2", "maa-edge-1", "2026-04-02T11:55:00Z", 1000, 59),
  // ccu-edge-1: 50 % but no baseline to compare with: quiet.
  qosSession("c1", "ccu-edge-1", "2026-04-02T11:50:00Z", 100, 50),
];

const AP_SOUTH = { severity: "critical", source: "qos", title: "Rebuffer spike · ap-south-1", description: "Rebuffer ratio 2.0% -> 5.0% on ap-south-1 PoP" };
const BLR = { severity: "critical", source: "qos", title: "Rebuffer spike · blr-edge-1", description: "Rebuffer ratio 3.0% -> 6.0% on blr-edge-1 PoP" };
const RAISED_NOW = { acknowledged: false, created_at: "2026-04-02T12:00:00Z" };

let server: TestServer;
let ops: Credentials;
let other: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  ops = await server.workspace("ops", "starter");
  other = await server.workspace("other", "starter");
  await server.insert("ops", "tm_alerts", IMPORTED);
  await server.insert("other", "tm_alerts", [{ severity: "info", source: "cdn", title: "Other's alert", created_at: "2026-04-02T09:00:00Z" }]);
});
afterAll(() => server.close());

const bearer = (who: Credentials) => ({ Authorization: `Bearer ${who.token}` });
const list = async (query = "", who: Credentials = ops) => (await server.get(`/v1/analytics/alerts${query}`, bearer(who))).body;
const ids = (body: { id: number }[]) => body.map((a) => a.id);
async function acknowledge(id: string | number, who: Credentials = ops): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v1/analytics/alerts/${id}/acknowledge`, { method: "POST", headers: bearer(who) });
  return { status: res.status, body: await res.json() };
}

describe("GET /v1/analytics/alerts", () => {
  test("newest first; alerts raised at the same time go by id, highest first", async () => {
    const body = await list();
    expect(ids(body)).toEqual([3, 2, 1, 4]);
    expect(body[3]).toEqual({
      id: 4,
      severity: "info",
      source: "encoder",
      title: "Encoder restart",
      description: "",
      acknowledged: true,
      created_at: "2026-04-01T09:00:00Z",
    });
  });

  test.each([
    ["?severity=info", [1, 4]],
    ["?acknowledged=true", [2, 4]],
    ["?acknowledged=false&severity=critical", [3]],
    ["?severity=warning&acknowledged=false", []],
    ["?limit=2&offset=1", [2, 1]],
  ])("%s", async (query, expected) => {
    expect(ids(await list(query))).toEqual(expected);
  });

  test.each([
    ["?severity=fatal", `Invalid value "fatal" for parameter 'severity'. Allowed values: info, warning, critical.`],
    ["?acknowledged=yes", `Parameter 'acknowledged' must be true or false (got "yes").`],
    ["?limit=500", "Parameter 'limit' must be at most 200 (got 500)."],
    ["?offset=-5", "Parameter 'offset' must be at least 0 (got -5)."],
  ])("%s → 400", async (query, message) => {
    const res = await server.get(`/v1/analytics/alerts${query}`, bearer(ops));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_parameter", message });
  });
});

describe("POST /v1/analytics/alerts/{id}/acknowledge", () => {
  test("marks the alert, answers with it, and the open list no longer has it; again changes nothing", async () => {
    const first = await acknowledge(1);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: 1,
      severity: "info",
      source: "cdn",
      title: "Cache warm-up",
      description: "Edge caches filled for the premiere",
      acknowledged: true,
      created_at: "2026-04-02T08:00:00Z",
    });
    expect(ids(await list("?acknowledged=false"))).toEqual([3]);
    expect((await acknowledge(1)).body).toEqual(first.body);
  });

  test("an unknown id, or another workspace's, is 404 and changes nothing", async () => {
    expect(await acknowledge(99)).toEqual({ status: 404, body: { error: "not_found", message: "No alert with id 99 in this workspace." } });
    expect(await acknowledge(3, other)).toEqual({ status: 404, body: { error: "not_found", message: "No alert with id 3 in this workspace." } });
    expect((await list("?acknowledged=false")).map((a: { id: number }) => a.id)).toEqual([3]);
  });

  test("a non-numeric id is 400, GET is 405, an API key is 401", async () => {
    expect(await acknowledge("abc")).toEqual({ status: 400, body: { error: "invalid_parameter", message: `Parameter 'id' must be a number (got "abc").` } });
    const get = await server.get("/v1/analytics/alerts/3/acknowledge", bearer(ops));
    expect(get.status).toBe(405);
    const res = await fetch(`${server.url}/v1/analytics/alerts/3/acknowledge`, { method: "POST", headers: { "X-Api-Key": ops.apiKey } });
    expect(res.status).toBe(401);
  });
});

describe("the QoS rule", () => {
  test("raises one critical alert per spiking PoP, and nothing when run again", async () => {
    const fresh = await server.workspace("fresh", "starter");
    await server.insert("fresh", "tm_sessions", QOS_SESSIONS);
    const raised = await evaluateQosRule(server.runtime, "fresh");
    expect(raised).toEqual([
      { id: 1, ...AP_SOUTH, ...RAISED_NOW },
      { id: 2, ...BLR, ...RAISED_NOW },
    ]);
    expect(await evaluateQosRule(server.runtime, "fresh")).toEqual([]);
    expect(await list("", fresh)).toEqual([
      { id: 2, ...BLR, ...RAISED_NOW },
      { id: 1, ...AP_SOUTH, ...RAISED_NOW },
    ]);
  });

  test("an open alert with the title from less than an hour ago holds a new one back; an acknowledged one does not", async () => {
    const held = await server.workspace("held", "starter");
    await server.insert("held", "tm_sessions", QOS_SESSIONS);
    await server.insert("held", "tm_alerts", [
      { ...BLR, created_at: "2026-04-02T11:00:01Z" }, // 59 min 59 s ago: holds blr-edge-1 back
      { ...AP_SOUTH, created_at: "2026-04-02T11:00:00Z" }, // exactly an hour ago: no longer holds
    ]);
    expect(await evaluateQosRule(server.runtime, "held")).toEqual([{ id: 3, ...AP_SOUTH, ...RAISED_NOW }]);
    expect(await evaluateQosRule(server.runtime, "held")).toEqual([]);
    expect((await acknowledge(3, held)).status).toBe(200);
    expect((await acknowledge(1, held)).status).toBe(200);
    expect(await evaluateQosRule(server.runtime, "held")).toEqual([
      { id: 4, ...AP_SOUTH, ...RAISED_NOW },
      { id: 5, ...BLR, ...RAISED_NOW },
    ]);
  });
});

describe("the rule from the command line and inside serve", () => {
  const run = promisify(execFile);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ["bin/metrigate.mjs", ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "metrigate-alerts-"));
    env = { ...process.env, METRIGATE_DB: join(dir, "alerts.duckdb"), METRIGATE_NOW: NOW };
    const file = join(dir, "sessions.ndjson");
    writeFileSync(file, QOS_SESSIONS.map((s) => JSON.stringify(s)).join("\n"));
    for (const ws of ["acme", "served"]) {
      expect((await cli("workspace", "create", ws)).code).toBe(0);
      expect((await cli("import", "--workspace", ws, "tm_sessions", file)).code).toBe(0);
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("`alerts evaluate` prints what it raised, then nothing new", async () => {
    const first = await cli("alerts", "evaluate", "--workspace", "acme", "--json");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ workspace: "acme", raised: [{ id: 1, ...AP_SOUTH, ...RAISED_NOW }, { id: 2, ...BLR, ...RAISED_NOW }] });
    const second = await cli("alerts", "evaluate", "--workspace", "acme");
    expect(second).toMatchObject({ code: 0, stdout: "No new alerts in workspace acme.\n" });
  }, 60_000);

  test("`alerts evaluate` refuses an unknown workspace and a missing option in one line", async () => {
    expect(await cli("alerts", "evaluate", "--workspace", "nope")).toMatchObject({ code: 1, stderr: 'metrigate: Workspace "nope" does not exist.\n' });
    expect(await cli("alerts", "evaluate")).toMatchObject({ code: 2, stderr: "metrigate: --workspace is required.\n" });
  }, 60_000);

  test("`serve` evaluates the rule on its own: the alerts appear without anyone asking", async () => {
    const issued = JSON.parse((await cli("token", "create", "--workspace", "served", "--service-account", "test", "--json")).stdout);
    const child = spawn(process.execPath, ["bin/metrigate.mjs", "serve", "--port", "0", "--json"], { env, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const lines = createInterface({ input: child.stdout });
      const info: { url: string } = await new Promise((resolve, reject) => {
        lines.once("line", (line) => resolve(JSON.parse(line)));
        child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
      });
      let titles: string[] = [];
      for (let attempt = 0; attempt < 50 && titles.length < 2; attempt++) {
        const res = await fetch(`${info.url}/v1/analytics/alerts`, { headers: { Authorization: `Bearer ${issued.token}` } });
        titles = ((await res.json()) as { title: string }[]).map((a) => a.title);
        if (titles.length < 2) await new Promise((r) => setTimeout(r, 200));
      }
      expect(titles).toEqual(["Rebuffer spike · blr-edge-1", "Rebuffer spike · ap-south-1"]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }, 60_000);
});
