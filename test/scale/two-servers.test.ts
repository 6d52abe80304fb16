// The scale-out acceptance suite (CONTRACT §14): two real `metrigate serve` processes on one ClickHouse
// engine (chdb behind test/support/clickhouse-http.ts) and one real Redis (REDIS_URL, started by .ci/run).
// Each server has its own METRIGATE_DB folder and no disk in common; what one does, the other sees at once.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startClickHouseHttp, type ClickHouseHttp } from "../support/clickhouse-http.ts";
import { cli, serve, stopStartedServers, type ServeProcess } from "../support/processes.ts";

const redisUrl = process.env.REDIS_URL;
let dir: string;
let engine: ClickHouseHttp;
let env: NodeJS.ProcessEnv;
let a: ServeProcess;
let b: ServeProcess;
const credentials = { writeKey: "", readKey: "", quotaKey: "", token: "", jti: "", exportToken: "" };
const PASSWORD = "correct horse battery";
/** Rate-limit windows live in Redis for an hour: a workspace of its own per run keeps earlier runs out. */
const QUOTA_WORKSPACE = `quota-${randomBytes(4).toString("hex")}`;

/** The first match of `pattern` in a CLI command's output; the command must succeed. */
async function created(pattern: RegExp, ...args: string[]): Promise<string> {
  const result = await cli({ ...env, METRIGATE_DB: join(dir, "cli", "metrigate.duckdb"), METRIGATE_PASSWORD: PASSWORD }, ...args);
  expect(result.code, result.stderr).toBe(0);
  const found = pattern.exec(result.stdout)?.[0];
  expect(found, result.stdout).toBeDefined();
  return found ?? "";
}

const KEY = /mg_live_[\w-]+/;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

async function call(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

const stats = (server: ServeProcess, key: string, day = "2026-03-08") =>
  call(server.url, `/api/v1/stats?range=custom&start=${day}&end=${day}`, { headers: { "X-Api-Key": key } });
const clicksOf = (response: { body: Record<string, unknown> }) => (response.body.data as { summary: { clicks: number } }).summary.clicks;

function ingest(server: ServeProcess, table: string, rows: object[]) {
  return call(server.url, `/v1/ingest/${table}`, {
    method: "POST",
    headers: { "X-Api-Key": credentials.writeKey, "Content-Type": "application/x-ndjson" },
    body: rows.map((row) => JSON.stringify(row)).join("\n"),
  });
}

/** Signs in on `server` and returns the session cookie and its console CSRF token. */
async function signIn(server: ServeProcess): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "ops@example.com", password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = /mg_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0] ?? "";
  const me = await call(server.url, "/console/api/me", { headers: { Cookie: cookie } });
  return { cookie, csrf: String(me.body.csrf_token) };
}

beforeAll(async () => {
  if (!redisUrl) throw new Error("REDIS_URL is not set: run the scale-out tests through .ci/run or with a Redis on loopback.");
  dir = mkdtempSync(join(tmpdir(), "metrigate-two-servers-"));
  engine = await startClickHouseHttp({ dataDir: join(dir, "engine"), user: "metrigate", password: "s3cret" });
  await engine.command("CREATE DATABASE IF NOT EXISTS two_servers");
  env = {
    ...process.env,
    METRIGATE_STORE: "clickhouse",
    CLICKHOUSE_URL: engine.url,
    CLICKHOUSE_USER: "metrigate",
    CLICKHOUSE_PASSWORD: "s3cret",
    CLICKHOUSE_DATABASE: "two_servers",
    REDIS_URL: redisUrl,
    METRIGATE_SECRET: randomBytes(24).toString("base64url"),
    METRIGATE_NOW: "2026-03-18T15:30:00Z",
    METRIGATE_CACHE_TTL: "60",
  };
  await created(/acme/, "workspace", "create", "acme", "--plan", "enterprise");
  await created(/quota/, "workspace", "create", QUOTA_WORKSPACE, "--plan", "growth");
  [credentials.writeKey, credentials.readKey, credentials.quotaKey, credentials.token, credentials.exportToken] = await Promise.all([
    created(KEY, "key", "create", "--workspace", "acme", "--scope", "write"),
    created(KEY, "key", "create", "--workspace", "acme"),
    created(KEY, "key", "create", "--workspace", QUOTA_WORKSPACE),
    created(JWT, "token", "create", "--workspace", "acme", "--service-account", "etl"),
    created(JWT, "token", "create", "--workspace", "acme", "--service-account", "exports"),
    created(/ops@example\.com/, "user", "create", "--workspace", "acme", "--email", "ops@example.com"),
  ]);
  credentials.jti = (JSON.parse(Buffer.from(credentials.token.split(".")[1], "base64url").toString("utf8")) as { jti: string }).jti;
  [a, b] = await Promise.all([
    serve({ ...env, METRIGATE_DB: join(dir, "a", "metrigate.duckdb") }),
    serve({ ...env, METRIGATE_DB: join(dir, "b", "metrigate.duckdb") }),
  ]);
}, 120_000);

afterAll(async () => {
  stopStartedServers();
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("two servers, one ClickHouse, one Redis", () => {
  test("an ingest on A is answered on B at once (B's cached answer is dropped)", async () => {
    expect(clicksOf(await stats(b, credentials.readKey))).toBe(0);
    const cached = await stats(b, credentials.readKey);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    const stored = await ingest(a, "tr_clicks", [
      { click_id: "k1", ts: "2026-03-08T10:00:00Z", offer: "A" },
      { click_id: "k2", ts: "2026-03-08T11:00:00Z", offer: "B", country: "US" },
    ]);
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    const after = await stats(b, credentials.readKey);
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect(clicksOf(after)).toBe(2);
  });

  test("a file imported from the command line is answered by both servers at once (their cached answers are dropped)", async () => {
    const [beforeA, beforeB] = [clicksOf(await stats(a, credentials.readKey)), clicksOf(await stats(b, credentials.readKey))];
    expect((await stats(b, credentials.readKey)).headers.get("x-cache")).toBe("HIT");
    const file = join(dir, "more-clicks.csv");
    writeFileSync(file, "click_id,ts,offer\nm1,2026-03-08T12:00:00Z,A\nm2,2026-03-08T12:30:00Z,A\nm3,2026-03-08T13:00:00Z,B\n");
    await created(/Imported 3 rows/, "import", "--workspace", "acme", "tr_clicks", file);
    for (const [server, before] of [[a, beforeA], [b, beforeB]] as const) {
      const after = await stats(server, credentials.readKey);
      expect(after.headers.get("x-cache")).toBe("MISS");
      expect(clicksOf(after)).toBe(before + 3);
    }
  });

  test("a key regenerated on A fails on B on the very next request", async () => {
    const { cookie } = await signIn(a);
    const shown = await call(a.url, "/api/v1/api-key", { headers: { Cookie: cookie } });
    const oldKey = String(shown.body.api_key);
    expect((await stats(b, oldKey)).status).toBe(200);
    const regenerated = await call(a.url, "/api/v1/api-key/regenerate", { method: "POST", headers: { Cookie: cookie } });
    expect(regenerated.status).toBe(200);
    const newKey = String(regenerated.body.api_key);
    expect(newKey).not.toBe(oldKey);
    expect(await stats(b, oldKey)).toMatchObject({ status: 401, body: { success: false, error: "The API key is invalid." } });
    expect((await stats(b, newKey)).status).toBe(200);
  });

  test("a token revoked on A fails on B on the very next request", async () => {
    const overview = () => call(b.url, "/v1/analytics/overview?range=7d", { headers: { Authorization: `Bearer ${credentials.token}` } });
    expect((await overview()).status).toBe(200);
    const { cookie, csrf } = await signIn(a);
    const revoked = await call(a.url, `/console/api/tokens/${credentials.jti}/revoke`, { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
    expect(revoked).toMatchObject({ status: 200, body: { revoked: credentials.jti } });
    expect(await overview()).toMatchObject({ status: 401, body: { error: "unauthorized", message: "The token has been revoked." } });
  });

  test("a workspace suspended by the operator gets 403 on both servers at once, and resumes", async () => {
    const key = credentials.writeKey;
    expect((await stats(b, key)).status).toBe(200);
    await created(/suspended/, "workspace", "suspend", "acme");
    for (const server of [b, a]) {
      expect(await stats(server, key)).toMatchObject({ status: 403, body: { success: false, error: 'Workspace "acme" is suspended.' } });
    }
    await created(/active/, "workspace", "resume", "acme");
    expect((await stats(b, key)).status).toBe(200);
  });

  test("one key's 600 requests an hour are shared exactly: 600 answered across both, then 429 on either", async () => {
    const remaining: number[] = [];
    for (let batch = 0; batch < 30; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => stats(i % 2 === 0 ? a : b, credentials.quotaKey)));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        remaining.push(Number(answer.headers.get("ratelimit-remaining")));
      }
    }
    // Every request's own count, from one shared counter: 599 down to 0 across both servers.
    expect([...remaining].sort((x, y) => y - x)).toEqual(Array.from({ length: 600 }, (_, i) => 599 - i));
    for (const server of [a, b]) {
      const over = await stats(server, credentials.quotaKey);
      expect(over.status).toBe(429);
      expect(over.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(3000);
    }
  });

  test("an export made on A downloads from B", async () => {
    const session = (id: string, startedAt: string) => ({
      session_id: id, user_id: `u-${id}`, content_id: "c1", device: "tv", region: "US-NY", pop: "nyc1",
      started_at: startedAt, ended_at: startedAt, watch_seconds: 600, completed: true,
    });
    expect((await ingest(a, "tm_sessions", [session("s1", "2026-03-17T08:00:00Z"), session("s2", "2026-03-18T09:00:00Z")])).status).toBe(200);
    const made = await call(a.url, "/v1/analytics/export", {
      method: "POST",
      headers: { Authorization: `Bearer ${credentials.exportToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ start: "2026-03-17", end: "2026-03-18" }),
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body.rows).toBe(2);
    const link = String(made.body.url);
    expect(link.startsWith(a.url)).toBe(true);
    const fromB = await fetch(link.replace(a.url, b.url));
    expect(fromB.status).toBe(200);
    const bytes = Buffer.from(await fromB.arrayBuffer());
    const fromA = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
    expect(bytes.equals(fromA)).toBe(true);
    // One character of the signature changed (to a different one: a signature may start with "0").
    const tampered = await fetch(link.replace(a.url, b.url).replace(/sig=(.)/, (_, first: string) => `sig=${first === "0" ? "1" : "0"}`));
    expect(tampered.status).toBe(403);
  });

  test("the engine stopped: 503 in each family's shape from both servers; answered again once it is back", async () => {
    await engine.stop();
    try {
      for (const server of [a, b]) {
        // A day not asked before: no cached answer to serve.
        const down = await stats(server, credentials.writeKey, "2026-03-09");
        expect(down.status).toBe(503);
        expect(down.body).toEqual({ success: false, error: "The analytics engine is unreachable; try again shortly." });
      }
      const tapemetric = await call(b.url, "/v1/analytics/overview?range=7d", { headers: { Authorization: `Bearer ${credentials.exportToken}` } });
      expect(tapemetric).toMatchObject({ status: 503, body: { error: expect.any(String), message: expect.stringMatching(/unreachable/) } });
    } finally {
      await engine.start();
    }
    for (const server of [a, b]) expect(clicksOf(await stats(server, credentials.writeKey, "2026-03-09"))).toBe(0);
  });

  test("start-up: an unreachable Redis is one line naming REDIS_URL", async () => {
    const result = await cli({ ...env, METRIGATE_DB: join(dir, "c", "metrigate.duckdb"), REDIS_URL: "redis://:hidden@127.0.0.1:1" }, "serve", "--port", "0");
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(result.stderr).not.toContain("hidden");
  });
});
