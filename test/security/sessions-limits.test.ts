// Issue 13's findings about sign-in, sessions, body sizes, rate-limit counts and the result cache, each
// through the real server on loopback.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "../support/server.ts";

const NOW = "2026-03-18T15:30:00Z";
const PASSWORD = "correct horse battery";

function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

async function signIn(server: TestServer, email: string): Promise<string> {
  const res = await fetch(server.url + "/api/v1/session", json({ email, password: PASSWORD }));
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

describe("with one server", () => {
  let server: TestServer;
  let acme: Credentials;

  beforeAll(async () => {
    server = await startTestServer({ now: NOW });
    acme = await server.workspace("acme");
    for (const email of ["ana@acme.test", "bo@acme.test", "cy@acme.test"]) await server.runtime.accounts.createUser("acme", email, PASSWORD);
  });
  afterAll(() => server.close());

  describe("item 3: password guessing is throttled", () => {
    test("after 10 failures the account answers 429 with Retry-After, right password included", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await fetch(server.url + "/v1/auth/login", json({ email: "bo@acme.test", password: `guess ${i}` }))).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      const right = await fetch(server.url + "/v1/auth/login", json({ email: "bo@acme.test", password: PASSWORD }));
      expect(right.status).toBe(429);
      expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(800);
      expect(await right.json()).toMatchObject({ error: "rate_limited" });
      // The session route shares the count and answers in its own family's shape.
      const session = await fetch(server.url + "/api/v1/session", json({ email: "BO@acme.test", password: PASSWORD }));
      expect(session.status).toBe(429);
      expect(await session.json()).toMatchObject({ success: false });
    });

    test("an unknown email is throttled the same way, so the 429 reveals nothing", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await fetch(server.url + "/api/v1/session", json({ email: "nobody@acme.test", password: `guess ${i}` }))).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
    });
  });

  describe("item 4: sessions end server-side", () => {
    test("after sign-out the old cookie reads nothing and regenerates nothing", async () => {
      const cookie = await signIn(server, "ana@acme.test");
      expect((await fetch(server.url + "/api/v1/api-key", { headers: { Cookie: cookie } })).status).toBe(200);
      const out = await fetch(server.url + "/api/v1/session", { method: "DELETE", headers: { Cookie: cookie } });
      expect(out.status).toBe(200);
      const read = await fetch(server.url + "/api/v1/api-key", { headers: { Cookie: cookie } });
      expect(read.status).toBe(401);
      expect(await read.json()).toEqual({ success: false, error: "The session has ended or expired: sign in again." });
      expect((await fetch(server.url + "/api/v1/api-key/regenerate", { method: "POST", headers: { Cookie: cookie } })).status).toBe(401);
    });

    test("regenerating the key ends every other session of the workspace", async () => {
      const mine = await signIn(server, "ana@acme.test");
      const other = await signIn(server, "cy@acme.test");
      expect((await fetch(server.url + "/api/v1/api-key/regenerate", { method: "POST", headers: { Cookie: mine } })).status).toBe(200);
      expect((await fetch(server.url + "/api/v1/api-key", { headers: { Cookie: other } })).status).toBe(401);
      expect((await fetch(server.url + "/api/v1/api-key", { headers: { Cookie: mine } })).status).toBe(200);
    });

    test("suspending the workspace ends its sessions for good", async () => {
      const cookie = await signIn(server, "ana@acme.test");
      await server.runtime.accounts.setSuspended("acme", true);
      await server.runtime.accounts.setSuspended("acme", false);
      expect((await fetch(server.url + "/api/v1/api-key", { headers: { Cookie: cookie } })).status).toBe(401);
    });
  });

  describe("item 5: unauthenticated bodies are small", () => {
    test("login and session refuse bodies over a few KiB; /mcp refuses unknown callers before reading", async () => {
      const padding = "x".repeat(64 * 1024);
      const login = await fetch(server.url + "/v1/auth/login", json({ email: "ana@acme.test", password: padding }));
      expect(login.status).toBe(413);
      expect(await login.json()).toEqual({ error: "invalid_parameter", message: "The request body is too large." });
      const session = await fetch(server.url + "/api/v1/session", json({ email: "ana@acme.test", password: padding }));
      expect(session.status).toBe(413);
      const mcp = await fetch(server.url + "/mcp", json({ jsonrpc: "2.0", id: 1, method: "ping", padding: "x".repeat(8 * 1024 * 1024) }));
      expect(mcp.status).toBe(401);
    });

    test("twelve concurrent 1 MiB bodies to login are all refused, and /healthz keeps answering", async () => {
      const body = new Uint8Array(1024 * 1024).fill(0x20);
      const uploads = Array.from({ length: 12 }, () =>
        fetch(server.url + "/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body }).then(
          (res) => res.status,
          // The server may close the connection before the client finished sending: also a refusal.
          () => 413,
        ),
      );
      expect((await fetch(server.url + "/healthz")).status).toBe(200);
      expect(await Promise.all(uploads)).toEqual(Array(12).fill(413));
    });
  });

  describe("item 1: no answer computed before an ingest committed is served after it", () => {
    test("a stats answer whose query ran before an ingest and finished after it is not cached", async () => {
      const cached = await startTestServer({ now: NOW, cacheTtl: 600 });
      try {
        const ws = await cached.workspace("race");
        const headers = { "X-Api-Key": ws.apiKey };
        // A slow stats query, made deterministic: the first one's rows are held back until the ingest is done.
        let releaseStats = () => {};
        const ingestDone = new Promise<void>((resolve) => (releaseStats = resolve));
        let holdNext = true;
        let statsHeld = () => {};
        const statsRan = new Promise<void>((resolve) => (statsHeld = resolve));
        const store = cached.runtime.store;
        const realQuery = store.query.bind(store);
        store.query = (async (sql: string, params?: Record<string, unknown>) => {
          const rows = await realQuery(sql, params as never);
          if (holdNext && sql.includes("tr_conversions")) {
            holdNext = false;
            statsHeld();
            await ingestDone;
          }
          return rows;
        }) as typeof store.query;
        const before = cached.get("/api/v1/stats?range=today&timezone=UTC", headers);
        await statsRan;
        const rows = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ click_id: `c${i}`, ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" })).join("\n");
        const ingest = await fetch(cached.url + "/v1/ingest/tr_clicks", { method: "POST", headers: { "X-Api-Key": ws.writeKey, "Content-Type": "application/x-ndjson" }, body: rows });
        expect(ingest.status).toBe(200);
        releaseStats();
        expect((await before).body.data.summary.clicks).toBe(0);
        const after = await cached.get("/api/v1/stats?range=today&timezone=UTC", headers);
        expect(after.headers.get("x-cache")).toBe("MISS");
        expect(after.body.data.summary.clicks).toBe(1000);
      } finally {
        await cached.close();
      }
    });
  });
});

describe("items 10 and 15: exact counts under concurrency, and a workspace ceiling", () => {
  let server: TestServer;
  let acme: Credentials;

  beforeAll(async () => {
    server = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: 160, windowMs: 3_600_000, workspaceQuota: 250 } } });
    acme = await server.workspace("acme");
  });
  afterAll(() => server.close());

  test("200 concurrent requests of one key: 160 distinct remaining counts 159..0, then exactly 40 × 429", async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, () => fetch(server.url + "/api/v1/stats", { headers: { "X-Api-Key": acme.apiKey } })));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(160);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(40);
    const remaining = ok.map((r) => Number(r.headers.get("ratelimit-remaining"))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 160 }, (_, i) => i));
    await Promise.all(responses.map((r) => r.text()));
  });

  test("a new key does not add to the workspace's allowance: 250 per window across its keys", async () => {
    const fresh = await server.runtime.accounts.createApiKey("acme", "read");
    const statuses: number[] = [];
    for (let i = 0; i < 92; i++) statuses.push((await fetch(server.url + "/api/v1/stats", { headers: { "X-Api-Key": fresh } })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(90);
    const over = await fetch(server.url + "/api/v1/stats", { headers: { "X-Api-Key": fresh } });
    expect(over.status).toBe(429);
    expect(over.headers.get("ratelimit-policy")).toBe('"workspace-key";q=250;w=3600');
  });
});
